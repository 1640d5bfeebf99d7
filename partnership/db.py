"""Database plumbing: the declarative base, engine set-up and the request-scoped session.

SQLite is the embedded default. To keep concurrent writers from failing with "database is
locked", every connection runs in WAL mode with a busy timeout, and the transaction of a use
case that writes begins IMMEDIATE (it takes the write lock up front instead of upgrading a
read lock, which SQLite cannot wait for). The transaction mode belongs to the use case, not
to the request: a service function that writes is decorated with ``@db.writes`` (or runs in
``with db.writing():``), whatever the HTTP method or command that calls it; everything else
reads in DEFERRED transactions that never queue behind writers.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import functools
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any, TypeVar, cast

from flask import has_app_context
from flask.globals import app_ctx
from sqlalchemy import MetaData, String, TypeDecorator, create_engine, event
from sqlalchemy.engine import CursorResult, Engine, Result, make_url
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker
from sqlalchemy.types import DateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite reads back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class UUIDString(TypeDecorator[str]):
    """A random uuid4 stored as 32 hex characters: ids that do not follow insertion order."""

    impl = String(32)
    cache_ok = True


def affected_rows(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE matched (``Session.execute`` is typed as returning a plain
    Result; for those statements it is a CursorResult)."""
    return cast(CursorResult[Any], result).rowcount


def new_uuid() -> str:
    return uuid.uuid4().hex


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


#: True inside a writing use case (``Database.writing``): SQLite transactions begin IMMEDIATE.
_writing: contextvars.ContextVar[bool] = contextvars.ContextVar("pp_writing", default=False)
#: True inside ``Database.reading`` (and not writing): SQLite statements run without BEGIN.
_autocommit: contextvars.ContextVar[bool] = contextvars.ContextVar("pp_autocommit", default=False)
_F = TypeVar("_F", bound=Callable[..., Any])


def normalise_url(url: str) -> str:
    """`postgresql://` means psycopg 3 here (SQLAlchemy 2.1 would pick it too, but be explicit)."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def build_engine(url: str, *, echo: bool = False, busy_timeout_ms: int = 15000) -> Engine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, echo=echo, connect_args={"timeout": busy_timeout_ms / 1000})
        _configure_sqlite(engine, busy_timeout_ms)
        return engine
    # No pre-ping (it costs a round trip per request); connections are recycled instead, and
    # a dropped connection fails one request, which the pool then replaces.
    engine = create_engine(url, echo=echo, pool_recycle=1800)

    @event.listens_for(engine, "connect")
    def _no_jit(dbapi_connection: Any, _record: Any) -> None:
        # PostgreSQL JIT-compiles any statement whose estimated cost passes jit_above_cost,
        # whatever it will really take: the results aggregation of a survey of a few thousand
        # respondents runs in tens of milliseconds and would spend more than that compiling.
        # No statement of this app is the long analytical query JIT pays off for.
        with dbapi_connection.cursor() as cur:
            cur.execute("SET jit = off")
        dbapi_connection.commit()

    return engine


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin event issue BEGIN itself (pysqlite's own is always deferred).
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        # Deleted content (a purged email row, an erased person) is overwritten, not left in
        # free pages of the file where a copy of the database would still hold it.
        cur.execute("PRAGMA secure_delete=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if _writing.get():
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif not _autocommit.get():
            conn.exec_driver_sql("BEGIN")


class Database:
    """The app's engine and a session scoped to the application context."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self._factory: sessionmaker[Session] | None = None
        # scoped_session takes any callable that returns a Session (typed as a sessionmaker)
        self.session: scoped_session[Session] = scoped_session(self._make_session)  # type: ignore[arg-type]
        # `gunicorn --preload` builds the app, then forks the workers: a child must never use
        # a connection its parent opened (SQLAlchemy, "Using Connection Pools with
        # Multiprocessing or os.fork()"), so it starts with an empty pool of its own.
        os.register_at_fork(after_in_child=self._after_fork)

    def _after_fork(self) -> None:
        if self.engine is not None:
            self.engine.dispose(close=False)

    def _make_session(self) -> Session:
        if self._factory is None:
            raise RuntimeError("database not initialised; call init_app")
        return self._factory()

    def init_app(self, app: Any) -> None:
        if self.engine is not None:
            self.engine.dispose()
        self.engine = build_engine(app.config["DATABASE_URL"])
        self._factory = sessionmaker(bind=self.engine, expire_on_commit=False)
        # A fresh scoped registry per app keeps test apps from sharing sessions.
        self.session = scoped_session(self._make_session, scopefunc=_scope_id)  # type: ignore[arg-type]
        app.extensions["pp_db"] = self

        @app.teardown_appcontext
        def _remove_session(_exc: BaseException | None) -> None:
            self.session.remove()

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """One writing transaction: the read transaction the session may hold (a page's
        lookups) ends, the next begins IMMEDIATE on SQLite, and the block's work commits at
        its end or rolls back if it raises, so a refused use case changes nothing. Nested
        blocks join the outer transaction."""
        if _writing.get():
            yield
            return
        if self.session().in_transaction():
            self.session.commit()  # ends the read snapshot; loaded objects stay usable
        token = _writing.set(True)
        try:
            yield
            self.session.commit()
        except BaseException:
            self.session.rollback()
            raise
        finally:
            _writing.reset(token)

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """Reads that need no transaction around them (a stakeholder's page: one lookup, the
        rest kept per process): each statement reads committed data on its own, without the
        BEGIN and ROLLBACK of a transaction (PostgreSQL in autocommit, SQLite without BEGIN).
        Must come first in the request's use of the session; a writing use case inside it
        (``writing``) still gets its transaction. Ends with the session's transaction closed."""
        if self.engine is not None and self.engine.dialect.name == "postgresql":
            self.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        token = _autocommit.set(True)
        try:
            yield
        finally:
            _autocommit.reset(token)
            self.session.rollback()

    def writes(self, fn: _F) -> _F:
        """Decorator for a service function that writes: it runs in ``writing()``."""

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.writing():
                return fn(*args, **kwargs)

        return cast(_F, wrapper)

    @property
    def is_sqlite(self) -> bool:
        return self.engine is not None and self.engine.dialect.name == "sqlite"

    def dispose(self) -> None:
        self.session.remove()
        if self.engine is not None:
            self.engine.dispose()


def _scope_id() -> int:
    """The session's scope: the Flask application context (each request has its own), else
    the thread. (Flask-SQLAlchemy scopes its session the same way.) Called on every use of
    ``db.session``, so it reads the context variable directly instead of going through ``g``."""
    if has_app_context():
        return id(app_ctx._get_current_object())  # type: ignore[attr-defined]
    return threading.get_ident()
