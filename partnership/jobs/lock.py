"""One scheduler at a time: a lock that dies with its process.

PostgreSQL: `pg_try_advisory_lock` on a dedicated AUTOCOMMIT connection held for the
process's life. The server releases it when that session ends, which it does when the process
dies, even by SIGKILL (the kernel closes the socket). `check()` tells whether the connection,
and so the lock, is still there.

SQLite: `fcntl.flock(LOCK_EX | LOCK_NB)` on a file next to the database. The kernel releases
it when the process dies, whatever the cause; the file itself stays and means nothing.

A second scheduler started by mistake does no harm even without the lock (every state change
is a compare-and-set); the lock keeps it from doing the work twice and lets `jobs run` wait to
take over.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import socket
from typing import Any

from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import Connection, Engine, make_url

from partnership.db import normalise_url

#: The advisory lock's key: the same for every process of one database, unrelated to other apps.
PG_LOCK_KEY = int.from_bytes(
    hashlib.sha256(b"partnership-pulse:scheduler").digest()[:8], "big", signed=True
)


def holder_description() -> str:
    return f"pid {os.getpid()} on {socket.gethostname()}"


class SchedulerLock:
    """Try to take the scheduler lock of the database at `url`; keep it until `release()` or
    the end of the process."""

    def __init__(self, url: str) -> None:
        self.url = make_url(normalise_url(url))
        self.is_postgres = self.url.get_backend_name() == "postgresql"
        self._engine: Engine | None = None
        self._conn: Connection | None = None
        self._fd: int | None = None

    @property
    def path(self) -> str:
        """The SQLite lock file: the database's path plus ".scheduler.lock"."""
        database = self.url.database
        if not database or database == ":memory:":
            raise RuntimeError("an in-memory SQLite database cannot have a scheduler")
        return os.path.abspath(database) + ".scheduler.lock"

    def try_acquire(self) -> bool:
        if self.held:
            return True
        return self._try_pg() if self.is_postgres else self._try_file()

    @property
    def held(self) -> bool:
        return self._conn is not None or self._fd is not None

    def _try_pg(self) -> bool:
        if self._engine is None:
            self._engine = create_engine(
                self.url, poolclass=pool.NullPool, isolation_level="AUTOCOMMIT"
            )
        conn = self._engine.connect()
        try:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": PG_LOCK_KEY}).scalar()
        except BaseException:
            conn.close()
            raise
        if not got:
            conn.close()
            return False
        self._conn = conn
        return True

    def _try_file(self) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.write(fd, (holder_description() + "\n").encode())
        self._fd = fd
        return True

    def check(self) -> bool:
        """Whether the lock is still held: on PostgreSQL, whether its session is alive."""
        if self._fd is not None:
            return True
        if self._conn is None:
            return False
        try:
            self._conn.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    def release(self) -> None:
        if self._conn is not None:
            # If the session is gone, the lock went with it.
            with contextlib.suppress(Exception):
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PG_LOCK_KEY})
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def __enter__(self) -> SchedulerLock:
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.release()
