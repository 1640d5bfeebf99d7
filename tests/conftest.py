"""Test fixtures: a database per test session (SQLite by default, PostgreSQL when
PARTNERSHIP_TEST_DATABASE_URL is set), upgraded to head through Alembic, emptied after each test.

With PARTNERSHIP_TEST_REQUIRE_ALL=1 (set by .ci/run), a test that would skip because Chromium or
PostgreSQL is missing fails instead, so CI never passes by skipping.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from partnership import create_app
from tests.environment import (
    create_pg_database,
    drop_pg_database,
)


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    pg_admin = os.environ.get("PARTNERSHIP_TEST_DATABASE_URL")
    if pg_admin:
        url = create_pg_database(pg_admin)
        try:
            yield url
        finally:
            drop_pg_database(pg_admin, url)
    else:
        folder = tempfile.mkdtemp(prefix="pp-test-")
        try:
            yield "sqlite:///" + os.path.join(folder, "test.db")
        finally:
            shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def migrated(database_url: str) -> str:
    from partnership.cli import upgrade

    upgrade(database_url)
    return database_url


@pytest.fixture(scope="session")
def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


def _truncate(app) -> None:
    from partnership.extensions import db
    from partnership.models import metadata

    db.session.remove()
    engine = db.engine
    assert engine is not None
    tables = [t.name for t in reversed(metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(
                text(
                    "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
                )
            )
        else:
            for t in tables:
                conn.execute(text(f'DELETE FROM "{t}"'))


@pytest.fixture
def app_config(migrated: str) -> dict[str, object]:
    return {
        "TESTING": True,
        "ENV": "development",
        "SECRET_KEY": "test-secret-" + "x" * 20,
        "DATABASE_URL": migrated,
        "WTF_CSRF_ENABLED": False,
        "BASE_URL": "http://localhost",
        "SERVER_NAME": None,
    }


class FreshContextClient(FlaskClient):
    """Each request gets its own application context (and so its own database session and
    Flask-Login user), as in a real server, although the test keeps one pushed for its own
    database work."""

    def open(self, *args, **kwargs):
        from partnership.extensions import db

        # End the test's own transaction so the request sees (and may lock) a fresh database,
        # and reload the test's objects afterwards so it sees what the request changed.
        db.session.commit()
        try:
            with self.application.app_context():
                return super().open(*args, **kwargs)
        finally:
            db.session.expire_all()


def _running_app(config: dict[str, object]) -> Iterator:
    from partnership.extensions import db

    app = create_app(config)
    app.test_client_class = FreshContextClient
    ctx = app.app_context()
    ctx.push()
    try:
        yield app
    finally:
        _truncate(app)
        ctx.pop()
        db.dispose()


@pytest.fixture
def app(app_config: dict[str, object]) -> Iterator:
    yield from _running_app(app_config)


@pytest.fixture
def csrf_app(app_config: dict[str, object]) -> Iterator:
    """An app with CSRF protection on, as in production."""
    yield from _running_app(dict(app_config, WTF_CSRF_ENABLED=True))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def smtp_server(app):
    """A real SMTP server on loopback (aiosmtpd); the app is configured to deliver to it."""
    from aiosmtpd.controller import Controller

    from tests.servers import Mailbox, free_port

    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_SECURITY="none")
    try:
        yield mailbox
    finally:
        controller.stop()


@pytest.fixture(scope="session")
def artifacts_dir() -> str:
    path = os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "test-artifacts"
    )
    os.makedirs(path, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def live_server(migrated: str, artifacts_dir: str):
    """gunicorn (2 workers) serving the app on the test database, for this test session."""
    from tests.servers import start_gunicorn

    server = start_gunicorn(migrated, artifacts_dir)
    try:
        yield server
    finally:
        server.stop()
