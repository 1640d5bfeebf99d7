from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from partnership import create_app
from tests.builders.basics import login, make_user


def test_production_refuses_to_start_without_secret_key(migrated):
    with pytest.raises(RuntimeError, match="PARTNERSHIP_SECRET_KEY"):
        create_app({"ENV": "production", "SECRET_KEY": None, "DATABASE_URL": migrated})


#: Libraries that only some pages, exports or commands need; a worker imports them on first use.
LOADED_ON_USE = ("numpy", "scipy", "alembic", "mako", "xlsxwriter", "email_validator", "reportlab")


def test_first_page_is_served_before_the_heavy_libraries_are_imported(migrated):
    # What a newcomer waits for after `make demo` and every worker pays at start: the app and
    # its login page, without SciPy, NumPy, Alembic and the export libraries (issue 19, item 12).
    code = (
        "import json, sys\n"
        "import app\n"
        "response = app.app.test_client().get('/login')\n"
        f"print(json.dumps([response.status_code, [m for m in {LOADED_ON_USE!r} "
        "if m in sys.modules]]))\n"
    )
    env = {
        **os.environ,
        "PARTNERSHIP_SECRET_KEY": "startup-test-" + "x" * 32,
        "PARTNERSHIP_DATABASE_URL": migrated,
    }
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
        capture_output=True,
        text=True,
        check=True,
    )
    status, loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert status == 200
    assert loaded == []


def test_config_comes_from_prefixed_environment(monkeypatch, migrated):
    monkeypatch.setenv("PARTNERSHIP_SECRET_KEY", "from-the-environment-0123456789")
    monkeypatch.setenv("PARTNERSHIP_DATABASE_URL", migrated)
    monkeypatch.setenv("PARTNERSHIP_TIMEZONE", "Europe/Lisbon")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-the-environment-0123456789"
    assert app.config["TIMEZONE"] == "Europe/Lisbon"


def test_security_headers_on_every_response(client, app):
    for path in ("/login", "/no-such-page", "/static/app.css"):
        response = client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        response.close()


def test_post_without_csrf_token_is_refused(csrf_app):
    client = csrf_app.test_client()
    user = make_user()
    response = client.post(
        "/login", data={"email": user.email, "password": "correct horse battery"}
    )
    assert response.status_code == 400
    assert b"Log out" not in response.data


def test_production_error_page_shows_no_traceback(migrated):
    app = create_app({"ENV": "production", "SECRET_KEY": "s" * 40, "DATABASE_URL": migrated})

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert b"secret internals" not in response.data
    assert b"Traceback" not in response.data
    assert b"Something went wrong" in response.data
    from partnership.extensions import db

    db.dispose()


def test_pages_use_only_packaged_assets(client, app):
    login(client, make_user())
    html = client.get("/partnerships").get_data(as_text=True)
    assert "http://" not in html.replace("http://localhost", "") and "https://" not in html
    assert "/static/app.css" in html


def test_backup_command_copies_a_live_sqlite_database(app, runner, tmp_path, is_postgres):
    if is_postgres:
        result = runner.invoke(args=["db", "backup", str(tmp_path / "x.db")])
        assert result.exit_code != 0 and "pg_dump" in result.output
        return
    make_user(email="kept@example.org")
    target = tmp_path / "backup.db"
    result = runner.invoke(args=["db", "backup", str(target)])
    assert result.exit_code == 0, result.output
    import sqlite3

    con = sqlite3.connect(target)
    assert con.execute("select email from users").fetchall() == [("kept@example.org",)]
    con.close()
