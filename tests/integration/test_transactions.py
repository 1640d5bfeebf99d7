"""The transaction mode belongs to the use case: a service that writes runs in
`db.writing()` (IMMEDIATE on SQLite, whatever the HTTP method), everything else reads in
transactions that take no lock; a refused use case changes nothing."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import select

from partnership.accounts.models import User
from partnership.errors import Refused
from partnership.extensions import db
from tests.builders.basics import make_user


def _other_writer_can_start() -> bool:
    """Whether another connection gets SQLite's write lock right now (no waiting)."""
    assert db.engine is not None
    path = db.engine.url.database
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()


def test_reads_take_no_lock_and_a_writing_use_case_takes_it_up_front(app):
    user = make_user()
    db.session.scalar(select(User.id))  # a read transaction is open now
    if db.is_sqlite:
        assert _other_writer_can_start()
    with db.writing():
        db.session.scalar(select(User.id).where(User.id == user.id))
        if db.is_sqlite:  # the first statement began IMMEDIATE: the lock is held already
            assert not _other_writer_can_start()
        user.name = "Changed while writing"
    db.session.expire_all()
    assert db.session.get(User, user.id).name == "Changed while writing"


def test_a_refused_writing_use_case_changes_nothing(app):
    user = make_user()
    name = user.name

    @db.writes
    def rename_then_refuse() -> None:
        user.name = "Half done"
        db.session.flush()
        raise Refused("no")

    with pytest.raises(Refused):
        rename_then_refuse()
    db.session.expire_all()
    assert db.session.get(User, user.id).name == name


def test_nested_writing_blocks_are_one_transaction(app):
    user = make_user()

    @db.writes
    def inner() -> None:
        user.name = "Inner"

    with pytest.raises(RuntimeError), db.writing():
        inner()  # joins the outer block: nothing committed yet
        raise RuntimeError("outer fails after the inner step")
    db.session.expire_all()
    assert db.session.get(User, user.id).name != "Inner"
