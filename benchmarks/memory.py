#!/usr/bin/env python
"""Memory of each gunicorn worker after a load, the app (with and without --preload) beside a
floor, all in one run.

    .venv/bin/python benchmarks/memory.py [--db sqlite|postgresql] [--rounds 2]

For the app, on a fresh database (a temporary SQLite file, or a pp_bench_<random> PostgreSQL
database next to postgresql://postgres@127.0.0.1:5432/test, dropped at the end) upgraded to head
and loaded with the demo (`flask demo`'s three quarters): gunicorn starts with 2 sync workers
as in production (PARTNERSHIP_ENV=production); once it answers, a coach logs in and 4 client
threads GET every page and download reachable from the home page (the crawl is done `--rounds`
times, so that both workers serve every kind of page), then re-score every closed survey two at
a time (scoring: the aggregation, NumPy and the t quantile), and GET the demo's survey link.
Then it reads Rss and Pss of the master and of each worker from /proc/PID/smaps_rollup, and
stops the server. The same app runs twice: as README's command had it, and with `--preload`
(the master imports the app once; workers share those pages copy-on-write, which Pss shows).

The floor (benchmarks/floor_app.py, a minimal Flask app that stores a survey answer with the
database driver) runs under the same gunicorn settings, loaded with the same number of requests
to its page and its POST.

Goal (issue 20): at most 120 MB Rss per worker after the load. It reports; it never fails a
build (exit status 0 whatever it measures).
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.common import (  # noqa: E402
    ROOT,
    WORKERS,
    Server,
    database,
    memory_kb,
    start_gunicorn,
)

CLIENTS = 4
MAX_PAGES = 400
GOAL_RSS_MB = 120
DEMO_EMAIL = "coach@example.org"
DEMO_PASSWORD = "pulse-demo-2026"  # noqa: S105 (the demo's published login)
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_HREF = re.compile(r'href="([^"#]+)"')
_RESCORE = re.compile(r'action="([^"]+/rescore)"')
_LINK = re.compile(r"(/s/[A-Za-z0-9_-]{20,})")


# --- the demo -----------------------------------------------------------------------------


@dataclass
class Demo:
    survey_link: str | None  # the stakeholder link `flask demo` prints (path only)
    survey_id: int  # for the floor: where it stores its answers
    organization_id: int
    item_ids: list[int]


def load_demo(url: str) -> Demo:
    """Upgrade the database and load the demo, as `make demo` does."""
    env = {**os.environ, "PARTNERSHIP_ENV": "development", "PARTNERSHIP_DATABASE_URL": url}
    output = ""
    for args in (("db", "upgrade"), ("demo", "--password", DEMO_PASSWORD)):
        output = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", *args],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    link = _LINK.search(output)
    from sqlalchemy import create_engine, text

    from partnership.db import normalise_url

    engine = create_engine(normalise_url(url))
    with engine.connect() as conn:
        survey_id, version_id = conn.execute(
            text("SELECT id, instrument_version_id FROM surveys ORDER BY id LIMIT 1")
        ).one()
        org_id = conn.execute(text("SELECT MIN(id) FROM organizations")).scalar_one()
        items = conn.execute(
            text("SELECT id FROM items WHERE version_id = :v AND kind = 'agreement'"),
            {"v": version_id},
        ).scalars()
        item_ids = list(items)
    engine.dispose()
    return Demo(link.group(1) if link else None, int(survey_id), int(org_id), item_ids)


# --- the client -----------------------------------------------------------------------------


def request(
    port: int, method: str, path: str, form: dict[str, str] | None = None, cookie: str = ""
) -> tuple[int, str, dict[str, str]]:
    """One request on a fresh connection; returns (status, text body, headers)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Cookie": cookie} if cookie else {}
    body = None
    if form is not None:
        body = urllib.parse.urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        payload = response.read()
        return (
            response.status,
            payload.decode("utf-8", errors="replace"),
            {k.lower(): v for k, v in response.getheaders()},
        )
    finally:
        conn.close()


def cookie_of(headers: dict[str, str], cookie: str) -> str:
    new = headers.get("set-cookie")
    return new.split(";", 1)[0] if new else cookie


def login(port: int) -> str:
    status, page, headers = request(port, "GET", "/login")
    cookie = cookie_of(headers, "")
    token = _CSRF.search(page)
    form = {"email": DEMO_EMAIL, "password": DEMO_PASSWORD}
    if token:
        form["csrf_token"] = token.group(1)
    status, _, headers = request(port, "POST", "/login", form, cookie)
    if status not in (302, 303):
        raise RuntimeError(f"login failed with {status}")
    return cookie_of(headers, cookie)


def crawl(port: int, cookie: str, rounds: int) -> tuple[int, list[str], dict[str, str], list[str]]:
    """GET every same-site page reachable from "/" (`rounds` times each, CLIENTS at a time);
    returns (requests, pages, re-score form actions with their page, survey links)."""
    seen: set[str] = {"/"}
    order: list[str] = ["/"]
    rescore: dict[str, str] = {}  # form action -> the page that shows it
    links: set[str] = set()
    errors: list[str] = []
    lock = threading.Lock()
    frontier = ["/"]
    done = 0

    def visit(path: str) -> None:
        nonlocal done
        status, page, _ = request(port, "GET", path, cookie=cookie)
        with lock:
            done += 1
            if status >= 500:
                errors.append(f"{status} {path}")
            for href in _HREF.findall(page.replace("&amp;", "&")):
                if (
                    href.startswith("/")
                    and not href.startswith(("/static/", "/logout", "//"))
                    and href not in seen
                    and len(seen) < MAX_PAGES
                ):
                    seen.add(href)
                    order.append(href)
                    next_frontier.append(href)
            rescore.update((action, path) for action in _RESCORE.findall(page))
            links.update(_LINK.findall(page))

    def run_all(paths: list[str], fn: Callable[[str], None]) -> None:
        queue = list(paths)

        def worker() -> None:
            while True:
                with lock:
                    if not queue:
                        return
                    path = queue.pop()
                fn(path)

        threads = [threading.Thread(target=worker) for _ in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    while frontier:
        next_frontier: list[str] = []
        run_all(frontier, visit)
        frontier = next_frontier
    for _ in range(rounds - 1):
        run_all(order, visit)
    if errors:
        print("  server errors during the crawl: " + ", ".join(errors[:5]))
    return done, order, rescore, sorted(links)


def app_load(port: int, rounds: int, demo_link: str | None) -> int:
    cookie = login(port)
    count, pages, rescore, links = crawl(port, cookie, rounds)
    # re-score every closed survey, two at a time so that both workers score
    actions = sorted(rescore)
    for pair in (actions[i : i + 2] for i in range(0, len(actions), 2)):

        def post(action: str) -> None:
            _, html, headers = request(port, "GET", rescore[action], cookie=cookie)
            token = _CSRF.search(html)
            form = {"csrf_token": token.group(1)} if token else {}
            status, _, _ = request(port, "POST", action, form, cookie_of(headers, cookie))
            if status >= 400:
                print(f"  re-score {action}: {status}")

        threads = [threading.Thread(target=post, args=(a,)) for a in pair]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        count += 2 * len(pair)
    for link in ([demo_link] if demo_link else []) + links:
        for _ in range(WORKERS * 2):
            request(port, "GET", link)
            count += 1
    print(f"  load: {count} requests ({len(pages)} pages, {len(rescore)} re-scores)")
    return count


def floor_load(port: int, count: int, item_ids: list[int]) -> None:
    form = {f"item-{i}": "4" for i in item_ids}
    lock = threading.Lock()
    left = [count // 2]

    def worker() -> None:
        while True:
            with lock:
                if left[0] <= 0:
                    return
                left[0] -= 1
            request(port, "GET", "/s/floor")
            request(port, "POST", "/s/floor", form)

    threads = [threading.Thread(target=worker) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(f"  load: {count} requests (page and POST)")


# --- the run --------------------------------------------------------------------------------


def report(name: str, server: Server) -> list[float]:
    master = memory_kb(server.process.pid)
    workers = [memory_kb(pid) for pid in server.workers()]
    print(
        f"  {name:<22} first page after {server.ready_after:5.2f} s; master Rss {master['Rss'] / 1024:6.1f} MB"
        f" Pss {master['Pss'] / 1024:6.1f} MB"
    )
    for n, w in enumerate(workers, 1):
        print(
            f"  {'':<22} worker {n}: Rss {w['Rss'] / 1024:6.1f} MB  Pss {w['Pss'] / 1024:6.1f} MB"
            f"  private {w['Private'] / 1024:6.1f} MB"
        )
    return [w["Rss"] / 1024 for w in workers]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--rounds", type=int, default=2, help="times each page is fetched")
    args = parser.parse_args(argv)
    logs = tempfile.mkdtemp(prefix="pp-bench-logs-")
    results: dict[str, list[float]] = {}
    try:
        with database(args.db) as url:
            demo = load_demo(url)
            print(f"Memory per gunicorn worker after a load ({args.db}, {WORKERS} sync workers)")
            app_env = {
                "PARTNERSHIP_ENV": "production",
                "PARTNERSHIP_SECRET_KEY": secrets.token_hex(32),
                "PARTNERSHIP_DATABASE_URL": url,
            }
            count = 0
            for name, preload in (("app", False), ("app --preload", True)):
                server = start_gunicorn(
                    "app:app", app_env, os.path.join(logs, "app.log"), "/login", preload=preload
                )
                try:
                    count = app_load(server.port, args.rounds, demo.survey_link)
                    results[name] = report(name, server)
                finally:
                    server.stop()
            floor_env = {
                "FLOOR_DATABASE_URL": url,
                "FLOOR_SURVEY_ID": str(demo.survey_id),
                "FLOOR_ORGANIZATION_ID": str(demo.organization_id),
            }
            server = start_gunicorn(
                "benchmarks.floor_app:app", floor_env, os.path.join(logs, "floor.log"), "/s/probe"
            )
            try:
                floor_load(server.port, count, demo.item_ids)
                results["floor"] = report("floor (minimal Flask)", server)
            finally:
                server.stop()
    finally:
        shutil.rmtree(logs, ignore_errors=True)
    floor = max(results["floor"])
    for name in ("app", "app --preload"):
        worst = max(results[name])
        verdict = "met" if worst <= GOAL_RSS_MB else "missed"
        print(
            f"{name}: largest worker Rss {worst:.1f} MB, {worst / floor:.1f}x the floor's"
            f" {floor:.1f} MB; goal <= {GOAL_RSS_MB} MB: {verdict}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
