"""What the benchmarks share: throw-away databases, gunicorn servers and their /proc figures.

The benchmarks run as scripts from the repository root (`.venv/bin/python benchmarks/x.py`);
each puts the root on sys.path and imports this module as ``benchmarks.common``.
"""

from __future__ import annotations

import http.client
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: PostgreSQL benchmarks create their databases next to this one (PARTNERSHIP_BENCH_DATABASE_URL
#: overrides it) and drop them at the end.
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
WORKERS = 2


# --- databases ------------------------------------------------------------------------------


@dataclass
class Database:
    url: str
    drop: Callable[[], None]


def create_database(kind: str, folder: str, name: str) -> Database:
    """A fresh, empty database: a SQLite file in `folder`, or pp_bench_<random> on PostgreSQL."""
    if kind == "sqlite":
        return Database("sqlite:///" + os.path.join(folder, f"{name}.db"), lambda: None)
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from partnership.db import normalise_url

    admin_url = normalise_url(os.environ.get("PARTNERSHIP_BENCH_DATABASE_URL", PG_ADMIN))
    db_name = "pp_bench_" + secrets.token_hex(6)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{db_name}"'))
    admin.dispose()

    def drop() -> None:
        engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))
        engine.dispose()

    url = make_url(admin_url).set(database=db_name)
    return Database(url.render_as_string(hide_password=False), drop)


@contextmanager
def database(kind: str, name: str = "bench") -> Iterator[str]:
    """The URL of a fresh, empty database, removed afterwards."""
    folder = tempfile.mkdtemp(prefix="pp-bench-")
    created: Database | None = None
    try:
        created = create_database(kind, folder, name)
        yield created.url
    finally:
        if created is not None:
            created.drop()
        shutil.rmtree(folder, ignore_errors=True)


# --- servers --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stat_fields(pid: int) -> list[str]:
    """Fields 3.. of /proc/PID/stat (after the command name)."""
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()


@dataclass
class Server:
    port: int
    process: subprocess.Popen
    log_path: str
    #: seconds from the start of gunicorn until the probe page answered
    ready_after: float = 0.0

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log(self) -> str:
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def workers(self) -> list[int]:
        """The pids of the master's children (Linux /proc)."""
        found = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    if int(_stat_fields(int(entry))[1]) == self.process.pid:
                        found.append(int(entry))
                except OSError:
                    continue
        return sorted(found)

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the master and its workers (Linux /proc)."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in [self.process.pid, *self.workers()]:
            try:
                fields = _stat_fields(pid)
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])
        return total / ticks


def process_cpu(pids: list[int]) -> dict[int, float]:
    """CPU seconds (user + system) each live process of `pids` has used (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    found = {}
    for pid in pids:
        try:
            fields = _stat_fields(pid)
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return found


def postgres_backends_cpu(url: str) -> dict[int, float]:
    """CPU seconds of each PostgreSQL backend connected to the database of `url` (the server
    runs on this machine), this query's own backend left out; {} for SQLite. Take it before
    and after a load: `cpu_delta` gives what the backends spent serving it."""
    if not url.startswith("postgresql"):
        return {}
    import psycopg

    plain = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        ).fetchall()
    return process_cpu([int(r[0]) for r in rows])


def cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds spent between two `process_cpu` readings by the processes alive at the
    second (one that started in between counts in full)."""
    return sum(used - before.get(pid, 0.0) for pid, used in after.items())


def memory_kb(pid: int) -> dict[str, int]:
    """Rss, Pss and the rest of /proc/PID/smaps_rollup in kB, with Private = clean + dirty."""
    values: dict[str, int] = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and parts[2] == "kB":
                values[parts[0].rstrip(":")] = int(parts[1])
    values["Private"] = values.get("Private_Clean", 0) + values.get("Private_Dirty", 0)
    return values


def start_gunicorn(
    app_spec: str, env: dict[str, str], log_path: str, probe: str, *, preload: bool = False
) -> Server:
    """gunicorn with WORKERS sync workers, no access log; returns once `probe` answers."""
    port = free_port()
    started = time.perf_counter()
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS)]
            + (["--preload"] if preload else [])
            + ["--bind", f"127.0.0.1:{port}", "--backlog", "2048", "--graceful-timeout", "2"]
            + [app_spec],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Server(port, process, log_path)
    deadline = time.time() + 60
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited:\n" + server.log()[-3000:])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request("GET", probe)
            conn.getresponse().read()
            server.ready_after = time.perf_counter() - started
            return server
        except OSError:
            time.sleep(0.05)
        finally:
            conn.close()
    server.stop()
    raise RuntimeError("gunicorn did not start:\n" + server.log()[-3000:])
