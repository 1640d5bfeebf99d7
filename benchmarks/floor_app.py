"""The floor of benchmarks/submit.py: the least a Flask app can do for the same submission.

It does what every survey endpoint must, with the database driver (sqlite3 or psycopg) and
nothing else: no templates, no ORM, no SQLAlchemy.

- GET /s/<token>: looks the SHA-256 of the token up (token -> invitation -> survey, one
  statement), refuses an unknown, used or closed link, and returns the form: a CSRF token
  (an HMAC of the token's hash) and a radio per option of every closed item of the survey's
  version (the items are read once per process and the questions written once, as the app
  reuses the questions of a locked version).
- POST /s/<token>: checks the CSRF token, looks the token up again, validates every posted
  answer against its item's scale (and refuses fields the survey does not ask), then in one
  transaction marks the invitation used with a conditional UPDATE (only the POST that
  changes the row stores anything), inserts the response with the invitation's segment and
  its answers, and redirects (303).

Configured from the environment: FLOOR_DATABASE_URL (sqlite:///path or postgresql://...),
FLOOR_SECRET. Served by gunicorn exactly like the app.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import uuid
from typing import Any

from flask import Flask, abort, redirect, request

app = Flask(__name__)

_URL = os.environ.get("FLOOR_DATABASE_URL", "")
_SQLITE = _URL.startswith("sqlite:///")
_SECRET = os.environ.get("FLOOR_SECRET", "floor").encode()
_conn: Any = None
#: version id -> (items: [(id, kind, allow_na)], the questions' HTML)
_versions: dict[int, tuple[list[tuple[int, str, bool]], str]] = {}

_SCALES = {
    "agreement": [str(v) for v in range(1, 6)],
    "frequency": [str(v) for v in range(1, 6)],
    "likelihood": [str(v) for v in range(0, 11)],
}
_P = "?" if _SQLITE else "%s"
_LOOKUP = (
    "SELECT i.id, i.is_used, i.organization_id, i.function, i.level, s.id, s.state, "
    "s.instrument_version_id FROM invitation_tokens t "
    "JOIN invitations i ON i.id = t.invitation_id JOIN surveys s ON s.id = i.survey_id "
    f"WHERE t.token_hash = {_P}"
)
_ITEMS = f"SELECT id, kind, allow_na FROM items WHERE version_id = {_P} ORDER BY position, id"
_MARK = f"UPDATE invitations SET is_used = {_P} WHERE id = {_P} AND is_used = {_P}"
_RESPONSE = (
    "INSERT INTO responses (id, survey_id, organization_id, function, level, submitted_on) "
    f"VALUES ({_P}, {_P}, {_P}, {_P}, {_P}, {_P})"
)
_ANSWER = f"INSERT INTO answers (response_id, item_id, value) VALUES ({_P}, {_P}, {_P})"
PAGE = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Survey</title></head>'
    '<body><form class="survey-form" method="post">'
    '<input type="hidden" name="csrf_token" value="{}">{}'
    '<button type="submit">Send</button></form></body></html>'
)


def _connection() -> Any:
    """One connection per gunicorn worker, opened after the fork."""
    global _conn
    if _conn is None:
        if _SQLITE:
            import sqlite3

            _conn = sqlite3.connect(_URL[len("sqlite:///") :], timeout=15, isolation_level=None)
            for pragma in (
                "PRAGMA journal_mode=WAL",
                "PRAGMA busy_timeout=15000",
                "PRAGMA foreign_keys=ON",
                "PRAGMA synchronous=NORMAL",
            ):
                _conn.execute(pragma)
        else:
            import psycopg

            _conn = psycopg.connect(
                _URL.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
            )
    return _conn


def _csrf(token_hash: str) -> str:
    return hmac.new(_SECRET, token_hash.encode(), hashlib.sha256).hexdigest()


def _version(conn: Any, version_id: int) -> tuple[list[tuple[int, str, bool]], str]:
    found = _versions.get(version_id)
    if found is None:
        items = [(r[0], r[1], bool(r[2])) for r in conn.execute(_ITEMS, (version_id,))]
        html = "".join(
            "".join(
                f'<input type="radio" name="item-{item_id}" value="{v}">'
                for v in _SCALES[kind] + (["na"] if allow_na else [])
            )
            for item_id, kind, allow_na in items
            if kind in _SCALES
        )
        found = _versions[version_id] = (items, html)
    return found


def _link(conn: Any, token_hash: str) -> Any:
    row = conn.execute(_LOOKUP, (token_hash,)).fetchone()
    if row is None or row[6] != "open":
        abort(404)
    if row[1]:
        abort(409)
    return row


@app.get("/s/<token>")
def page(token: str) -> str:
    conn = _connection()
    token_hash = hashlib.sha256(token.encode()).hexdigest()
    row = _link(conn, token_hash)
    return PAGE.format(_csrf(token_hash), _version(conn, row[7])[1])


@app.post("/s/<token>")
def submit(token: str):
    token_hash = hashlib.sha256(token.encode()).hexdigest()
    if not hmac.compare_digest(request.form.get("csrf_token", ""), _csrf(token_hash)):
        abort(400)
    conn = _connection()
    if _SQLITE:
        conn.execute("BEGIN IMMEDIATE")
        try:
            status = _store(conn, token_hash)
            conn.execute("COMMIT" if status == 303 else "ROLLBACK")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    else:
        with conn.transaction():
            status = _store(conn, token_hash)
    if status != 303:
        abort(status)
    return redirect("/s/thanks", code=303)


def _store(conn: Any, token_hash: str) -> int:
    row = _link(conn, token_hash)
    items, _ = _version(conn, row[7])
    form = request.form
    answers = []
    known = {"csrf_token"}
    response_id = uuid.uuid4().hex
    for item_id, kind, allow_na in items:
        name = f"item-{item_id}"
        known.add(name)
        raw = form.get(name, "")
        if kind not in _SCALES or raw == "":
            continue
        if raw == "na" and allow_na:
            answers.append((response_id, item_id, None))
        elif raw in _SCALES[kind]:
            answers.append((response_id, item_id, int(raw)))
        else:
            return 400
    if any(name not in known for name in form):
        return 400
    cur = conn.execute(_MARK, (True, row[0], False))
    if cur.rowcount != 1:
        return 409
    today = dt.datetime.now(dt.UTC).date()
    conn.execute(
        _RESPONSE,
        (response_id, row[5], row[2], row[3], row[4], today.isoformat() if _SQLITE else today),
    )
    if _SQLITE:
        conn.executemany(_ANSWER, answers)
    else:
        with conn.cursor() as cur:
            cur.executemany(_ANSWER, answers)
    return 303
