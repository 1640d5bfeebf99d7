"""What the tests need from the machine: PostgreSQL databases made and dropped per run, and
require(), which skips (newcomer) or fails (CI, PARTNERSHIP_TEST_REQUIRE_ALL=1) when a part is
missing."""

from __future__ import annotations

import os
import secrets

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from partnership.db import normalise_url

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"


def require(condition: bool, what: str, install: str) -> None:
    """Skip (newcomer) or fail (CI) when something the test needs is missing."""
    if condition:
        return
    message = f"{what} is not available: {install}"
    if os.environ.get("PARTNERSHIP_TEST_REQUIRE_ALL") == "1":
        pytest.fail(message + " (PARTNERSHIP_TEST_REQUIRE_ALL=1 turns this skip into a failure)")
    pytest.skip(message)


def postgres_reachable(url: str = PG_DEFAULT) -> bool:
    try:
        engine = create_engine(normalise_url(url), connect_args={"connect_timeout": 2})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


def create_pg_database(admin_url: str) -> str:
    """CREATE DATABASE pp_test_<random> next to admin_url's; returns its URL."""
    name = "pp_test_" + secrets.token_hex(6)
    engine = create_engine(normalise_url(admin_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return (
        make_url(normalise_url(admin_url)).set(database=name).render_as_string(hide_password=False)
    )


def drop_pg_database(admin_url: str, url: str) -> None:
    name = make_url(url).database
    engine = create_engine(normalise_url(admin_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()
