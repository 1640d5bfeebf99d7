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
                "INSERT INTO users (email, name, password_hash, is_admin, session_version, is_active, created_at) "
                "VALUES ('a@example.org', 'A', 'x', false, 1, true, CURRENT_TIMESTAMP)"
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


OLD_ROWS = [
    "INSERT INTO users (id, email, name, password_hash, role, session_version, is_active, "
    "created_at) VALUES (1, 'c@example.org', 'C', 'x', 'coach', 1, true, CURRENT_TIMESTAMP)",
    "INSERT INTO partnerships (id, name, description, timezone, functions, min_group, thresholds, "
    "is_archived, created_at) VALUES (1, 'P', '', 'UTC', '[]', 5, '{}', false, CURRENT_TIMESTAMP)",
    "INSERT INTO organizations (id, partnership_id, position, name, short_code) "
    "VALUES (1, 1, 1, 'A', 'A')",
    "INSERT INTO stakeholders (id, partnership_id, organization_id, name, email, function, level, "
    "is_active, is_reminder_opt_out, created_at) VALUES (1, 1, 1, 'Ana', 'ana@a.example', 'sales', "
    "'manager', true, false, CURRENT_TIMESTAMP), (2, 1, 1, 'Bo', 'bo@a.example', 'sales', "
    "'manager', true, false, CURRENT_TIMESTAMP)",
    "INSERT INTO instruments (id, name, description, audience, minutes, is_archived, created_at) "
    "VALUES (1, 'I', '', '', 5, false, CURRENT_TIMESTAMP)",
    "INSERT INTO instrument_versions (id, instrument_id, number, dimensions, is_locked, "
    "created_at) VALUES (1, 1, 1, '[]', true, CURRENT_TIMESTAMP)",
    "INSERT INTO cycles (id, partnership_id, label, created_at) "
    "VALUES (1, 1, 'Q', CURRENT_TIMESTAMP)",
    "INSERT INTO surveys (id, partnership_id, cycle_id, instrument_id, instrument_version_id, "
    "state, target_functions, target_levels, created_at) "
    "VALUES (1, 1, 1, 1, 1, 'open', '[]', '[]', CURRENT_TIMESTAMP)",
    "INSERT INTO invitations (id, survey_id, stakeholder_id, token_hash, organization_id, "
    "function, level, is_used, used_on, reminder_count, last_reminded_at, created_at) VALUES "
    "(1, 1, 1, :h1, 1, 'sales', 'manager', true, '2026-11-02', 1, '2026-11-01 09:00:00', "
    "CURRENT_TIMESTAMP), (2, 1, 2, :h2, 1, 'sales', 'manager', false, NULL, 2, "
    "'2026-11-03 09:00:00', CURRENT_TIMESTAMP)",
    "INSERT INTO password_reset_tokens (id, user_id, token_hash, expires_at, is_used, created_at) "
    "VALUES (1, 1, :h3, '2099-01-01 00:00:00', false, CURRENT_TIMESTAMP)",
    "INSERT INTO outbox_messages (id, idempotency_key, to_address, subject, body_text, body_html, "
    "status, attempts, next_attempt_at, created_at, sent_at) VALUES "
    "(1, 'invite:1:2', 'bo@a.example', 'S', :b2, :b2, 'sent', 1, CURRENT_TIMESTAMP, "
    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP), "
    "(2, 'remind:1:2:2', 'bo@a.example', 'S', :b2, NULL, 'pending', 0, CURRENT_TIMESTAMP, "
    "CURRENT_TIMESTAMP, NULL), "
    "(3, 'password-reset:1', 'c@example.org', 'S', :b3, NULL, 'pending', 0, CURRENT_TIMESTAMP, "
    "CURRENT_TIMESTAMP, NULL)",
]


def test_upgrade_clears_dates_of_use_and_email_bodies_and_keeps_the_links(empty_db):
    """Rows written by the previous schema: used invitations lose their day and reminder
    state, the links move to invitation_tokens, outbox rows lose their bodies (with the
    working links in them) and say what they are about; a pending reset's old link is void."""
    from partnership.tokens import hash_token, new_token

    cfg = alembic_config(empty_db)
    command.upgrade(cfg, "b7e21c4d9a10")
    t1, t2, t3 = new_token(), new_token(), new_token()
    values = {
        "h1": hash_token(t1),
        "h2": hash_token(t2),
        "h3": hash_token(t3),
        "b2": f"Hello Bo, http://x/s/{t2}",
        "b3": f"Reset: http://x/reset/{t3}",
    }
    engine = create_engine(normalise_url(empty_db))
    with engine.begin() as conn:
        for statement in OLD_ROWS:
            conn.execute(text(statement), values)
    engine.dispose()
    command.upgrade(cfg, "head")
    assert _drift(empty_db) == []
    engine = create_engine(normalise_url(empty_db))
    with engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("invitations")}
        assert not columns & {"used_on", "reminder_count", "last_reminded_at", "token_hash"}
        links = set(conn.execute(text("SELECT token_hash, invitation_id FROM invitation_tokens")))
        assert links == {(values["h1"], 1), (values["h2"], 2)}
        survey = conn.execute(
            text("SELECT reminder_rounds, reminders_sent, last_reminded_at FROM surveys")
        ).one()
        assert survey[:2] == (2, 3) and survey[2] is not None
        rows = conn.execute(
            text(
                "SELECT idempotency_key, kind, stakeholder_id, user_id, status "
                "FROM outbox_messages ORDER BY id"
            )
        ).all()
        assert [tuple(r) for r in rows] == [
            ("invite:1:2", "survey.invitation", 2, None, "sent"),
            ("remind:1:2:2", "survey.reminder", 2, None, "pending"),
            ("password-reset:1", "account.password_reset", None, 1, "pending"),
        ]
        assert conn.execute(text("SELECT is_used FROM password_reset_tokens")).scalar_one()
        every = []
        for table in inspect(conn).get_table_names():
            every += [str(v) for row in conn.execute(text(f'SELECT * FROM "{table}"')) for v in row]
        assert not any(t in v for t in (t1, t2, t3) for v in every)
    engine.dispose()
    # And back: the old schema again, one link per invitation.
    command.downgrade(cfg, "b7e21c4d9a10")
    engine = create_engine(normalise_url(empty_db))
    with engine.connect() as conn:
        hashes = dict(conn.execute(text("SELECT id, token_hash FROM invitations")).all())
        assert hashes == {1: values["h1"], 2: values["h2"]}
    engine.dispose()


# --- the migration that dates existing cycles -----------------------------------------------


def test_the_migration_dates_existing_cycles_from_their_label_or_creation(empty_db):
    cfg = alembic_config(empty_db)
    command.upgrade(cfg, "2b8a1138beb8")
    engine = create_engine(normalise_url(empty_db))
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO partnerships (id, name, description, timezone, functions, min_group, "
                "thresholds, is_archived, created_at) VALUES (1, 'P', '', 'Europe/Berlin', '[]', 5, "
                "'{}', false, CURRENT_TIMESTAMP)"
            )
        )
        # 31 March 23:30 UTC is already 1 April in Berlin: the custom label falls in Q2
        for cycle_id, label, created in (
            (1, "2026-Q4", "2026-01-05 10:00:00+00:00"),
            (2, "Spring review", "2026-03-31 23:30:00+00:00"),
        ):
            conn.execute(
                text(
                    "INSERT INTO cycles (id, partnership_id, label, created_at) "
                    "VALUES (:id, 1, :label, :created)"
                ),
                {"id": cycle_id, "label": label, "created": created},
            )
    command.upgrade(cfg, "head")
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT id, starts_on, ends_on, stage FROM cycles ORDER BY id")
        ).all()
    engine.dispose()
    as_text = [(r[0], str(r[1]), str(r[2]), r[3]) for r in rows]
    assert as_text == [
        (1, "2026-10-01", "2026-12-31", "assess"),
        (2, "2026-04-01", "2026-06-30", "assess"),
    ]
    command.downgrade(cfg, "2b8a1138beb8")


def test_roles_move_from_the_account_to_the_membership(empty_db):
    """A global 'steering' account becomes a steering member (for organization A) of each
    partnership it belonged to; an admin stays an admin; a coach's membership stays a coach's.
    Downgrading gives the accounts their global roles back."""
    cfg = alembic_config(empty_db)
    command.upgrade(cfg, "8d2b6f4a1c37")
    engine = create_engine(normalise_url(empty_db))
    with engine.begin() as conn:
        for uid, role in ((1, "coach"), (2, "steering"), (3, "admin")):
            conn.execute(
                text(
                    "INSERT INTO users (id, email, name, password_hash, role, session_version, "
                    "is_active, created_at) VALUES (:id, :email, 'U', 'x', :role, 1, true, "
                    "CURRENT_TIMESTAMP)"
                ),
                {"id": uid, "email": f"u{uid}@example.org", "role": role},
            )
        conn.execute(text(OLD_ROWS[1]))
        conn.execute(
            text(
                "INSERT INTO organizations (id, partnership_id, position, name, short_code) "
                "VALUES (1, 1, 1, 'A', 'A'), (2, 1, 2, 'B', 'B')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO memberships (partnership_id, user_id, role, created_at) VALUES "
                "(1, 1, 'coach', CURRENT_TIMESTAMP), (1, 2, 'coach', CURRENT_TIMESTAMP)"
            )
        )
    command.upgrade(cfg, "head")
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT user_id, role, organization_id FROM memberships ORDER BY user_id")
        ).all()
        admins = conn.execute(text("SELECT id FROM users WHERE is_admin ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [(1, "coach", None), (2, "steering", 1)]
    assert [a[0] for a in admins] == [3]
    command.downgrade(cfg, "8d2b6f4a1c37")
    with engine.connect() as conn:
        roles = conn.execute(text("SELECT id, role FROM users ORDER BY id")).all()
    engine.dispose()
    assert [tuple(r) for r in roles] == [(1, "coach"), (2, "steering"), (3, "admin")]


def test_reminders_sent_before_the_upgrade_forget_their_recipients(empty_db):
    """A sent reminder told who had not answered by its day: the upgrade clears address,
    params and the invitation in its key; reminders still waiting keep them (they may still
    go out), as do other emails."""
    cfg = alembic_config(empty_db)
    command.upgrade(cfg, "b7e1f0c2a917")
    engine = create_engine(normalise_url(empty_db))
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO outbox_messages (id, idempotency_key, kind, to_address, subject, "
                "params, status, attempts, next_attempt_at, created_at, sent_at) VALUES "
                "(1, 'remind:4:17:2', 'survey.reminder', 'bo@a.example', 'Reminder: P', "
                ":p, 'sent', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP), "
                "(2, 'remind:4:18:2', 'survey.reminder', 'cy@a.example', 'Reminder: P', "
                ":p, 'pending', 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, NULL), "
                "(3, 'invite:4:17', 'survey.invitation', 'bo@a.example', 'P', "
                ":p, 'sent', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ),
            {"p": '{"invitation_id": 17, "round": 2}'},
        )
    command.upgrade(cfg, "head")
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT idempotency_key, to_address, params, status FROM outbox_messages "
                "ORDER BY id"
            )
        ).all()
    engine.dispose()
    sent, waiting, invitation = [tuple(r) for r in rows]
    key, address, params, status = sent
    assert key.startswith("remind:4:sent-") and key.endswith(":2") and len(key.split(":")) == 4
    assert (address, status) == ("", "sent")
    assert params in ({}, "{}")
    assert waiting[:2] == ("remind:4:18:2", "cy@a.example")
    assert invitation[:2] == ("invite:4:17", "bo@a.example")
