"""The floor of benchmarks/submit.py: the least a Flask app can do to store the same rows.

GET /s/<token> returns a tiny form with a (random, never checked) csrf_token field, so the same
client loop drives it. POST /s/<token> inserts one response and one answer per posted
`item-<id>` field with the database driver directly (sqlite3 or psycopg), in one transaction,
and redirects (303). No templates, no ORM, no validation, no link lookup: whatever the real app
spends beyond this is its own overhead.

Configured from the environment: FLOOR_DATABASE_URL (sqlite:///path or postgresql://...),
FLOOR_SURVEY_ID, FLOOR_ORGANIZATION_ID. Served by gunicorn exactly like the app.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import uuid
from typing import Any

from flask import Flask, redirect, request

app = Flask(__name__)

_URL = os.environ.get("FLOOR_DATABASE_URL", "")
_SURVEY_ID = int(os.environ.get("FLOOR_SURVEY_ID", "0"))
_ORG_ID = int(os.environ.get("FLOOR_ORGANIZATION_ID", "0"))
_conn: Any = None

PAGE = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Survey</title></head>'
    '<body><form class="survey-form" method="post">'
    '<input type="hidden" name="csrf_token" value="{}">'
    '<button type="submit">Send</button></form></body></html>'
)


def _connection() -> Any:
    """One connection per gunicorn worker, opened after the fork."""
    global _conn
    if _conn is None:
        if _URL.startswith("sqlite:///"):
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


@app.get("/s/<token>")
def page(token: str) -> str:
    return PAGE.format(secrets.token_hex(16))


@app.post("/s/<token>")
def submit(token: str):
    response_id = uuid.uuid4().hex
    today = dt.datetime.now(dt.UTC).date()
    answers = [
        (uuid.uuid4().hex, response_id, int(name[5:]), int(value))
        for name, value in request.form.items()
        if name.startswith("item-")
    ]
    conn = _connection()
    response_row = (response_id, _SURVEY_ID, _ORG_ID, "operations", "individual", today)
    if _URL.startswith("sqlite:///"):
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(
                "INSERT INTO responses (id, survey_id, organization_id, function, level, "
                "submitted_on) VALUES (?, ?, ?, ?, ?, ?)",
                (*response_row[:5], today.isoformat()),
            )
            conn.executemany(
                "INSERT INTO answers (id, response_id, item_id, value) VALUES (?, ?, ?, ?)",
                answers,
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    else:
        with conn.transaction(), conn.cursor() as cur:
            cur.execute(
                "INSERT INTO responses (id, survey_id, organization_id, function, level, "
                "submitted_on) VALUES (%s, %s, %s, %s, %s, %s)",
                response_row,
            )
            cur.executemany(
                "INSERT INTO answers (id, response_id, item_id, value) VALUES (%s, %s, %s, %s)",
                answers,
            )
    return redirect("/s/thanks", code=303)
