#!/usr/bin/env python
"""Benchmark: how long an email accepted by the mail server stays unmarked in the outbox (the
window in which a crash would make the retry send it a second time), against a floor.

    .venv/bin/python benchmarks/outbox_window.py [--db sqlite|postgresql] [--emails 300]

On a fresh database (a temporary SQLite file, or pp_bench_<random> on PostgreSQL, dropped at
the end) it opens a survey for `--emails` stakeholders and delivers the invitations with
`send_pending` to a real SMTP server on loopback (aiosmtpd, in its own process). For each email it takes the time
from the moment the server's reply reached the sender to the moment the row's "sent" was
committed. The floor is the least that can record it durably: one UPDATE of the row's status
and a COMMIT on a plain driver connection (sqlite3 or psycopg) to the same database. It prints
the median and p99 of both and their ratio; it never fails a build.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import smtplib
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from benchmarks.common import database  # noqa: E402


def _wait_for_port(port: int) -> None:
    import socket

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the SMTP server did not start")


def _seed(n: int) -> None:
    from partnership.accounts.services import create_user
    from partnership.extensions import db
    from partnership.instruments.models import Instrument
    from partnership.instruments.services import ensure_builtins
    from partnership.partnerships.models import Stakeholder
    from partnership.partnerships.services import PartnershipData, create_partnership
    from partnership.surveys import services

    ensure_builtins()
    coach = create_user("coach@bench.example", "Coach", "bench-password-123")
    p = create_partnership(
        coach,
        PartnershipData("Bench", "", None, "UTC", "Alpha", "A", "Beta", "B"),
    )
    db.session.add_all(
        Stakeholder(
            partnership_id=p.id,
            organization_id=p.organizations[i % 2].id,
            name=f"Person {i}",
            email=f"p{i}@bench.example",
            function="operations",
            level="individual",
        )
        for i in range(n)
    )
    db.session.commit()
    pulse = db.session.query(Instrument).filter(Instrument.builtin_key == "quarterly-pulse").one()
    cycle = services.create_cycle(p, "2030-Q1")
    survey = services.create_survey(
        p,
        cycle,
        services.SurveyData(
            instrument_id=pulse.id, closes_at=dt.datetime.now() + dt.timedelta(days=14)
        ),
    )
    services.open_survey(survey, base_url="http://localhost")


def _floor(url: str, ids: list[int]) -> list[float]:
    """One UPDATE and COMMIT per row on a plain driver connection."""
    from sqlalchemy.engine import make_url

    from partnership.db import normalise_url

    parsed = make_url(normalise_url(url))
    times = []
    if parsed.get_backend_name() == "sqlite":
        import sqlite3

        conn = sqlite3.connect(parsed.database or "", isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        for row_id in ids:
            start = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("UPDATE outbox_messages SET status = 'sent' WHERE id = ?", (row_id,))
            conn.execute("COMMIT")
            times.append(time.perf_counter() - start)
        conn.close()
        return times
    import psycopg

    with psycopg.connect(parsed.set(drivername="postgresql").render_as_string(False)) as conn:
        for row_id in ids:
            start = time.perf_counter()
            conn.execute("UPDATE outbox_messages SET status = 'sent' WHERE id = %s", (row_id,))
            conn.commit()
            times.append(time.perf_counter() - start)
    return times


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"median {statistics.median(values) * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--emails", type=int, default=300)
    args = parser.parse_args()

    from sqlalchemy import select

    from partnership import create_app
    from partnership.cli import upgrade
    from partnership.extensions import db
    from partnership.outbox import services as outbox
    from partnership.outbox.models import OutboxMessage

    with database(args.db, "outbox") as url:
        upgrade(url)
        app = create_app(
            {"TESTING": True, "ENV": "development", "DATABASE_URL": url, "SECRET_KEY": "x" * 32}
        )
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        # The mail server runs in a process of its own, as it would in production (in this
        # process it would compete with the sender for the interpreter lock).
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                f"127.0.0.1:{port}",
                "-c",
                "aiosmtpd.handlers.Sink",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for_port(port)
        windows: list[float] = []
        replied: list[float] = []
        smtp = smtplib.SMTP("127.0.0.1", port)

        def transport(message) -> None:  # type: ignore[no-untyped-def]
            smtp.send_message(message)
            replied.append(time.perf_counter())

        real_mark = outbox._mark_sent

        def timed_mark(msg_id: int, attempt: int, sent_at):  # type: ignore[no-untyped-def]
            done = real_mark(msg_id, attempt, sent_at)
            windows.append(time.perf_counter() - replied[-1])
            return done

        try:
            with app.app_context():
                _seed(args.emails)
                outbox._mark_sent = timed_mark  # type: ignore[assignment]
                counts = outbox.send_pending(app.config, transport=transport, limit=args.emails)
                ids = list(db.session.scalars(select(OutboxMessage.id)))
                db.session.remove()
                db.engine.dispose()  # type: ignore[union-attr]
        finally:
            outbox._mark_sent = real_mark  # type: ignore[assignment]
            smtp.quit()
            server.terminate()
            server.wait()
        floor = _floor(url, ids)
        print(f"{args.db}: {counts['sent']} emails sent over loopback SMTP")
        print(f"  server's reply -> row committed as sent: {_ms(windows)}")
        print(f"  floor (UPDATE + COMMIT on a bare driver connection): {_ms(floor)}")
        print(
            f"  ratio of medians (app / floor): "
            f"{statistics.median(windows) / statistics.median(floor):.2f}"
        )


if __name__ == "__main__":
    main()
