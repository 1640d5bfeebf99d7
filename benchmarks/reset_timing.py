#!/usr/bin/env python
"""Benchmark: does the password-reset form answer as fast for an unknown address as for a
real account? (It must not: the time would tell whether an account exists.)

    .venv/bin/python benchmarks/reset_timing.py [--db sqlite|postgresql] [--requests 400]

On a fresh database (a temporary SQLite file, or pp_bench_<random> on PostgreSQL next to
postgresql://postgres@127.0.0.1:5432/test, dropped at the end) upgraded to the current schema,
with one coach account, it POSTs /reset through the app (Flask test client, CSRF off, the reset
limit raised so every request does the full work), alternating a known address and unknown
ones, and prints the median time of each and their ratio. A ratio near 1.00 is the goal;
it never fails a build.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--requests", type=int, default=400, help="of each kind")
    args = parser.parse_args()

    from sqlalchemy import create_engine, text

    from partnership import create_app
    from partnership.cli import upgrade
    from partnership.db import normalise_url

    folder = tempfile.mkdtemp(prefix="pp-bench-")
    drop = None
    if args.db == "sqlite":
        url = "sqlite:///" + os.path.join(folder, "reset.db")
    else:
        name = "pp_bench_" + secrets.token_hex(6)
        admin = create_engine(normalise_url(PG_ADMIN), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name

        def drop() -> None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

    try:
        upgrade(url)
        app = create_app(
            {
                "ENV": "development",
                "SECRET_KEY": "bench-" + "x" * 30,
                "DATABASE_URL": url,
                "WTF_CSRF_ENABLED": False,
                "PASSWORD_RESETS_PER_HOUR": 10**9,
            }
        )
        with app.app_context():
            from partnership.accounts.services import create_user
            from partnership.extensions import db

            create_user("known@example.org", "Known", "a long enough password")
            db.session.remove()
        client = app.test_client()
        timings: dict[str, list[float]] = {"known": [], "unknown": []}
        for n in range(args.requests + 20):
            for kind in ("known", "unknown"):
                email = "known@example.org" if kind == "known" else f"nobody{n}@example.org"
                start = time.perf_counter()
                response = client.post("/reset", data={"email": email})
                elapsed = time.perf_counter() - start
                assert response.status_code == 302, response.status_code
                if n >= 20:  # warm-up
                    timings[kind].append(elapsed * 1000)
        known = statistics.median(timings["known"])
        unknown = statistics.median(timings["unknown"])
        print(f"password reset on {args.db}, {args.requests} requests of each kind")
        print(f"  median known address:   {known:.2f} ms")
        print(f"  median unknown address: {unknown:.2f} ms")
        print(f"  ratio unknown/known:    {unknown / known:.2f} (goal: about 1.00)")
        with app.app_context():
            db.dispose()
    finally:
        if drop is not None:
            drop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
