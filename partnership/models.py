"""Every model module, imported so the metadata is complete (Alembic and tests use this)."""

from partnership.accounts import models as accounts_models  # noqa: F401
from partnership.db import Base
from partnership.governance import models as governance_models  # noqa: F401
from partnership.instruments import models as instruments_models  # noqa: F401
from partnership.jobs import models as jobs_models  # noqa: F401
from partnership.kpis import models as kpis_models  # noqa: F401
from partnership.outbox import models as outbox_models  # noqa: F401
from partnership.partnerships import models as partnerships_models  # noqa: F401
from partnership.results import models as results_models  # noqa: F401
from partnership.steering import models as steering_models  # noqa: F401
from partnership.surveys import models as surveys_models  # noqa: F401

metadata = Base.metadata
