"""Migrations: one head; empty to head; head to base to head with rows in the tables; no drift
between models and revisions. On SQLite always, on PostgreSQL when it is reachable."""

from __future__ import annotations

import os

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from partnership.cli import alembic_config
from partnership.db import normalise_url
from partnership.models import metadata
from tests.environment import (
    PG_DEFAULT,
    create_pg_database,
    drop_pg_database,
    postgres_reachable,
    require,
)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db(request, tmp_path):
    if request.param == "sqlite":
        yield "sqlite:///" + str(tmp_path / "m.db")
        return
    admin = os.environ.get("PARTNERSHIP_TEST_DATABASE_URL", PG_DEFAULT)
    require(
        postgres_reachable(admin),
        f"PostgreSQL at {admin}",
        "install and start PostgreSQL (apt-get install postgresql) or set PARTNERSHIP_TEST_DATABASE_URL",
    )
    url = create_pg_database(admin)
    try:
        yield url
    finally:
        drop_pg_database(admin, url)


def _drift(url: str) -> list:
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as conn:
            return compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), metadata
            )
    finally:
        engine.dispose()


def test_single_head():
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, heads


def test_revision_files_are_date_prefixed():
    folder = os.path.join(os.path.dirname(__file__), "..", "..", "migrations", "versions")
    names = [n for n in os.listdir(folder) if n.endswith(".py")]
    assert names
    for name in names:
        assert name[:8].isdigit() and name[8] == "_" and name[9:13].isdigit(), name


def test_empty_to_head_has_no_drift_and_round_trips_with_rows(empty_db):
    cfg = alembic_config(empty_db)
    command.upgrade(cfg, "head")
    assert _drift(empty_db) == []
    engine = create_engine(normalise_url(empty_db))
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (email, name, password_hash, role, session_version, is_active, created_at) "
                "VALUES ('a@example.org', 'A', 'x', 'coach', 1, true, CURRENT_TIMESTAMP)"
            )
        )
    engine.dispose()
    command.downgrade(cfg, "base")
    engine = create_engine(normalise_url(empty_db))
    tables = set(inspect(engine).get_table_names()) - {"alembic_version"}
    engine.dispose()
    assert tables == set()
    command.upgrade(cfg, "head")
    assert _drift(empty_db) == []


def test_each_step_down_and_up_keeps_rows(empty_db):
    """Walk every revision down one and up again with data in place (batch mode on SQLite
    recreates tables; with foreign keys on that would cascade-delete children)."""
    cfg = alembic_config(empty_db)
    command.upgrade(cfg, "head")
    engine = create_engine(normalise_url(empty_db))
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO partnerships (name, description, timezone, functions, min_group, thresholds, is_archived, created_at) "
                "VALUES ('P', '', 'UTC', '[]', 5, '{}', false, CURRENT_TIMESTAMP)"
            )
        )
        pid = conn.execute(text("SELECT id FROM partnerships")).scalar_one()
        conn.execute(
            text(
                "INSERT INTO organizations (partnership_id, position, name, short_code) VALUES (:p, 1, 'A', 'A')"
            ),
            {"p": pid},
        )
    revisions = list(ScriptDirectory.from_config(cfg).walk_revisions())
    for _ in revisions[:-1]:
        command.downgrade(cfg, "-1")
        command.upgrade(cfg, "+1")
        command.downgrade(cfg, "-1")
    command.upgrade(cfg, "head")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM organizations")).scalar_one() == 1
    engine.dispose()
