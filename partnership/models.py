"""Every model module, imported so the metadata is complete (Alembic and tests use this)."""

from partnership.accounts import models as accounts_models  # noqa: F401
from partnership.db import Base
from partnership.outbox import models as outbox_models  # noqa: F401
from partnership.partnerships import models as partnerships_models  # noqa: F401

metadata = Base.metadata
