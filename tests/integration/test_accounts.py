from __future__ import annotations

import datetime as dt

import time_machine
from sqlalchemy import select

from partnership.accounts.models import AttemptThrottle, User
from partnership.db import utcnow
from partnership.extensions import db
from partnership.outbox.models import OutboxMessage
from tests.builders.basics import PASSWORD, login, make_user
from tests.mail import RESET_TOKEN, deliver


def test_password_is_stored_as_argon2id(app):
    user = make_user()
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_login_and_logout(client, app):
    user = make_user()
    page = client.get("/login")
    assert b"Log in" in page.data
    response = login(client, user)
    assert response.headers["Location"].endswith("/partnerships")
    assert b"Log out" in client.get("/partnerships").data
    assert client.post("/logout").status_code == 302
    assert client.get("/partnerships").status_code == 302  # back to the login page


def test_wrong_password_rerenders_with_message(client, app):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": "wrong password"})
    assert response.status_code == 401
    assert b"The email or password is not correct." in response.data


def test_session_cookie_flags(client, app):
    user = make_user()
    response = login(client, user)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # base URL is http in tests


def test_secure_cookie_when_base_url_is_https(app_config):
    from partnership import create_app

    app = create_app(dict(app_config, BASE_URL="https://pulse.example.org"))
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_replayed_cookie_after_logout_is_rejected(app):
    user = make_user()
    first = app.test_client()
    login(first, user)
    cookie = first.get_cookie("pp_session")
    assert cookie is not None
    first.post("/logout")
    replay = app.test_client()
    replay.set_cookie("pp_session", cookie.value)
    response = replay.get("/partnerships")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_failed_logins_are_throttled_per_account_in_the_database(app):
    user = make_user()
    client = app.test_client()
    statuses = [
        client.post("/login", data={"email": user.email, "password": "nope nope"}).status_code
        for _ in range(app.config["LOGIN_FREE_ATTEMPTS"])
    ]
    assert statuses == [401] * app.config["LOGIN_FREE_ATTEMPTS"]
    # Even the right password is refused while the delay runs, from another "worker" (client).
    other = app.test_client()
    blocked = other.post("/login", data={"email": user.email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert b"Too many failed attempts" in blocked.data
    row = db.session.scalar(
        select(AttemptThrottle).where(AttemptThrottle.key == f"acct:{user.email}")
    )
    assert row is not None and row.failures == app.config["LOGIN_FREE_ATTEMPTS"]


def test_failed_logins_are_throttled_per_ip_across_accounts(app):
    client = app.test_client()
    for i in range(app.config["LOGIN_FREE_ATTEMPTS"]):
        client.post("/login", data={"email": f"nobody{i}@example.org", "password": "guess guess"})
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 429


def test_password_change_revokes_other_sessions(app):
    user = make_user()
    a, b = app.test_client(), app.test_client()
    login(a, user)
    login(b, user)
    response = a.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "a brand new secret",
            "confirm": "a brand new secret",
        },
    )
    assert response.status_code == 302
    assert a.get("/partnerships").status_code == 200  # this session continues
    assert b.get("/partnerships").status_code == 302  # the other one is logged out
    c = app.test_client()
    assert (
        c.post("/login", data={"email": user.email, "password": "a brand new secret"}).status_code
        == 302
    )


def test_password_change_with_wrong_current_password_changes_nothing(client, app):
    user = make_user()
    login(client, user)
    old_hash = user.password_hash
    response = client.post(
        "/account/password",
        data={
            "current_password": "wrong one!",
            "new_password": "a brand new secret",
            "confirm": "a brand new secret",
        },
    )
    assert response.status_code == 400
    assert b"current password is not correct" in response.data
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash == old_hash


def _reset_links(app) -> list[str]:
    return [RESET_TOKEN.search(m.text).group(1) for m in deliver(app)]


def test_password_reset_by_emailed_one_time_link(client, app):
    user = make_user()
    response = client.post("/reset", data={"email": user.email})
    assert response.status_code == 302
    row = db.session.scalar(select(OutboxMessage))
    assert row is not None and row.to_address == user.email and row.status == "pending"
    [token] = _reset_links(app)
    assert client.get(f"/reset/{token}").status_code == 200
    assert client.head(f"/reset/{token}").status_code == 200
    done = client.post(
        f"/reset/{token}", data={"new_password": "fresh password 1", "confirm": "fresh password 1"}
    )
    assert done.status_code == 302
    assert login(client, user, "fresh password 1")
    # The link works once.
    assert client.get(f"/reset/{token}").status_code == 404
    assert client.head(f"/reset/{token}").status_code == 404


def test_password_reset_for_unknown_email_says_the_same_and_sends_nothing(client, app):
    response = client.post("/reset", data={"email": "nobody@example.org"}, follow_redirects=True)
    assert b"If an account has that email" in response.data
    assert deliver(app) == []
    # Recorded as a request that sends nothing and names nobody.
    row = db.session.scalar(select(OutboxMessage))
    assert row.status == "cancelled" and row.user_id is None


def test_using_one_reset_link_voids_the_others(client, app):
    user = make_user()
    for _ in range(3):
        client.post("/reset", data={"email": user.email})
    first, second, third = _reset_links(app)
    assert all(client.get(f"/reset/{t}").status_code == 200 for t in (first, second, third))
    done = client.post(
        f"/reset/{second}", data={"new_password": "fresh password 1", "confirm": "fresh password 1"}
    )
    assert done.status_code == 302
    for token in (first, second, third):
        assert client.get(f"/reset/{token}").status_code == 404
        refused = client.post(
            f"/reset/{token}",
            data={"new_password": "other password 2", "confirm": "other password 2"},
        )
        assert refused.status_code == 404
    assert login(client, user, "fresh password 1")


def test_changing_the_password_voids_outstanding_reset_links_delivered_or_not(client, app):
    user = make_user()
    client.post("/reset", data={"email": user.email})
    [delivered] = _reset_links(app)
    client.post("/reset", data={"email": user.email})  # still in the outbox
    login(client, user)
    changed = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "a brand new secret",
            "confirm": "a brand new secret",
        },
    )
    assert changed.status_code == 302
    assert client.get(f"/reset/{delivered}").status_code == 404
    assert deliver(app) == []  # the queued one is cancelled, never minted


def test_at_most_three_reset_emails_per_account_per_hour(client, app):
    user = make_user()
    start = utcnow()
    with time_machine.travel(start, tick=False):
        for _ in range(10):
            response = client.post("/reset", data={"email": user.email.upper()})
            assert response.status_code == 302
    assert len(deliver(app, now=start)) == 3
    with time_machine.travel(start + dt.timedelta(minutes=61), tick=False):
        client.post("/reset", data={"email": user.email})
    assert len(deliver(app, now=start + dt.timedelta(minutes=61))) == 1


def test_a_reset_request_does_the_same_work_for_known_and_unknown_addresses(client, app):
    """Same statements against the database, so the answer takes about the same time
    (benchmarks/reset_timing.py measures it)."""
    from sqlalchemy import event

    from partnership.accounts import services

    user = make_user()
    seen: list[str] = []

    def record(conn, cursor, statement, params, context, executemany):
        seen.append(statement.split()[0].upper())

    def statements(email: str) -> list[str]:
        seen.clear()
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            services.request_password_reset(email, "http://localhost")
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        return list(seen)

    known = statements(user.email)
    unknown = statements("nobody@example.org")
    assert known == unknown and "INSERT" in known


def test_cli_create_coach_and_reset_password(app, runner):
    result = runner.invoke(
        args=["accounts", "create-coach", "--email", "Cli@Example.org", "--name", "Cli Coach"],
        input="long enough pw\nlong enough pw\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "cli@example.org"))
    assert user is not None and not user.is_admin
    dup = runner.invoke(
        args=["accounts", "create-coach", "--email", "cli@example.org", "--name", "X"],
        input="long enough pw\nlong enough pw\n",
    )
    assert dup.exit_code != 0 and "already exists" in dup.output
    reset = runner.invoke(
        args=["accounts", "reset-password", "--email", "cli@example.org"],
        input="another password\nanother password\n",
    )
    assert reset.exit_code == 0, reset.output
    client = app.test_client()
    assert (
        client.post(
            "/login", data={"email": "cli@example.org", "password": "another password"}
        ).status_code
        == 302
    )


def test_open_redirect_after_login_is_refused(client, app):
    user = make_user()
    response = client.post(
        "/login?next=//evil.example/x", data={"email": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/partnerships"
