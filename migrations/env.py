"""Alembic environment. The database URL comes from the app's configuration (`flask db
upgrade`) or from `config.attributes["database_url"]` (tests)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from partnership.models import metadata

config = context.config


def _url() -> str:
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL given to Alembic")
    return url


def run_offline() -> None:
    context.configure(
        url=_url(), target_metadata=metadata, literal_binds=True, render_as_batch=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    url = _url()
    connection = config.attributes.get("connection")
    engine = None
    if connection is None:
        engine = create_engine(url, poolclass=pool.NullPool)
        connection = engine.connect()
    try:
        is_sqlite = connection.dialect.name == "sqlite"
        if is_sqlite:
            # Batch mode recreates tables; with foreign keys on, dropping a parent would cascade
            # to its children. The pragma only works outside a transaction.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            # Tables that batch mode drops (old email bodies, cleared columns) are overwritten.
            connection.exec_driver_sql("PRAGMA secure_delete=ON")
            connection.commit()
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=is_sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        if connection.in_transaction():
            connection.commit()
        if is_sqlite:
            problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if problems:
                raise RuntimeError(f"foreign key violations after migration: {problems[:5]}")
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()
    finally:
        if engine is not None:
            connection.close()
            engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
