"""The scheduler as real processes: one lock holder at a time, a killed holder's work taken
over, and every email received exactly once by a real SMTP server on loopback.

How the three-process test avoids being flaky without hiding a real duplicate: the holder is
killed at a chosen point, not after a guessed delay. The SMTP server holds its reply to the
K-th message until the test has SIGKILLed the holder, then refuses it (451), so that message
was never accepted and must arrive once more, from the process that takes over once the row's
lease expires; every other message was either accepted and marked sent or never claimed. The
server records every accepted message, without de-duplicating, and the test waits for
conditions (all messages in, a new holder) with generous deadlines, then a quiet period longer
than the lease, so a duplicate that would arrive late is still caught. The lease (8 s) is
longer than the SMTP timeout (5 s), so a slow but living sender cannot lose its row.
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from email import message_from_bytes, policy

import pytest
from sqlalchemy import func, select

from partnership.db import utcnow
from partnership.extensions import db
from partnership.jobs.lock import SchedulerLock
from partnership.jobs.models import SchedulerHeartbeat
from partnership.outbox.models import OutboxMessage
from partnership.outbox.services import message_id
from partnership.surveys.models import Survey
from tests.builders.basics import make_partnership
from tests.builders.schedule import people, plan
from tests.builders.surveys import make_instrument
from tests.servers import ROOT, free_port, server_env

pytestmark = pytest.mark.xdist_group("scheduler")

SECRET = "live-server-secret-key-0123456789"  # server_env's
MAIL_FROM = "Partnership Pulse <pulse@localhost>"
LEASE = 8


def wait_until(condition, timeout: float, what: str, step: float = 0.1):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def start_scheduler(database_url: str, log_dir, name: str, **env: str) -> subprocess.Popen:  # type: ignore[no-untyped-def, type-arg]
    log = open(log_dir / f"{name}.log", "w")  # noqa: SIM115 - closed after Popen took it
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "jobs", "run"],
        cwd=ROOT,
        env=server_env(database_url, "http://127.0.0.1:5000", **env),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    return process


def stop(processes) -> None:  # type: ignore[no-untyped-def]
    for p in processes:
        if p.poll() is None:
            p.terminate()
    for p in processes:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def holder_pid() -> int | None:
    db.session.commit()  # a fresh snapshot
    beat = db.session.get(SchedulerHeartbeat, 1, populate_existing=True)
    return beat.pid if beat is not None else None


def test_the_sqlite_lock_admits_one_process_and_a_killed_holder_releases_it(tmp_path):
    from partnership.cli import upgrade

    url = "sqlite:///" + str(tmp_path / "lock.db")
    upgrade(url)
    env = {
        "PARTNERSHIP_SCHEDULER_LOCK_RETRY_SECONDS": "0.2",
        "PARTNERSHIP_SCHEDULER_HEARTBEAT_SECONDS": "0.5",
    }
    first = start_scheduler(url, tmp_path, "first", **env)
    processes = [first]
    try:
        wait_until(
            lambda: "Scheduler running" in (tmp_path / "first.log").read_text(),
            30,
            "the first scheduler to take the lock",
        )
        lock = SchedulerLock(url)
        assert not lock.try_acquire()
        # A one-pass tick in another process cannot take it either, and does nothing.
        tick = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", "jobs", "tick"],
            cwd=ROOT,
            env=server_env(url, "http://127.0.0.1:5000"),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert tick.returncode == 1 and "Another scheduler holds the lock" in tick.stderr
        second = start_scheduler(url, tmp_path, "second", **env)
        processes.append(second)
        wait_until(
            lambda: "waits and takes over" in (tmp_path / "second.log").read_text(),
            30,
            "the second scheduler to wait",
        )
        assert second.poll() is None and not lock.try_acquire()

        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        wait_until(
            lambda: "Scheduler running" in (tmp_path / "second.log").read_text(),
            30,
            "the second scheduler to take over",
        )
        assert not lock.try_acquire()
        second.terminate()
        assert second.wait(timeout=20) == 0  # a clean stop
        assert lock.try_acquire()  # and the lock is free again
        lock.release()
    finally:
        stop(processes)


class GatedMailbox:
    """Accepts and records every message, except the `block_at`-th: its reply waits until the
    test releases it, and is then a refusal (the sender was killed before it came)."""

    def __init__(self, block_at: int) -> None:
        self.block_at = block_at
        self.accepted: list[tuple[str, str]] = []
        self.data_calls = 0
        self.blocked = threading.Event()
        self.release = threading.Event()
        self.blocked_id = ""

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.data_calls += 1
        if self.data_calls == self.block_at:
            self.blocked_id = str(message["Message-ID"])
            self.blocked.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 Try again later"
        self.accepted.append((str(message["Message-ID"]), str(message["To"])))
        return "250 2.0.0 Accepted"


def test_three_schedulers_one_killed_mid_batch_every_email_arrives_exactly_once(
    app, migrated, tmp_path
):
    from aiosmtpd.controller import Controller

    people_count, block_at = 24, 9
    partnership = make_partnership()
    instrument = make_instrument(partnership)
    invited = people(partnership, people_count)
    survey = plan(
        partnership,
        instrument,
        opens=dt.datetime.now() + dt.timedelta(days=1),
        closes=dt.datetime.now() + dt.timedelta(days=20),
    )
    survey.opens_at = utcnow() - dt.timedelta(seconds=1)  # due: the first pass opens it
    db.session.commit()

    mailbox = GatedMailbox(block_at)
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    env = {
        "PARTNERSHIP_SMTP_HOST": "127.0.0.1",
        "PARTNERSHIP_SMTP_PORT": str(port),
        "PARTNERSHIP_SMTP_TIMEOUT": "5",
        "PARTNERSHIP_OUTBOX_LEASE_SECONDS": str(LEASE),
        "PARTNERSHIP_SCHEDULER_LOCK_RETRY_SECONDS": "0.3",
        "PARTNERSHIP_SCHEDULER_HEARTBEAT_SECONDS": "1",
        "PARTNERSHIP_JOBS_EVERY": '{"open_surveys": 1, "deliver_outbox": 1}',
    }
    processes = [start_scheduler(migrated, tmp_path, f"s{n}", **env) for n in range(3)]
    pids = {p.pid: p for p in processes}
    try:
        assert mailbox.blocked.wait(90), "the holder never reached the chosen message"
        holder = holder_pid()
        assert holder in pids
        killed = pids[holder]
        killed.send_signal(signal.SIGKILL)
        killed.wait(timeout=10)
        mailbox.release.set()

        new_holder = wait_until(
            lambda: (pid := holder_pid()) != holder and pid, 60, "another process to take over"
        )
        assert new_holder in pids and pids[new_holder].poll() is None
        wait_until(
            lambda: len({mid for mid, _to in mailbox.accepted}) >= people_count,
            90,
            "every invitation to arrive",
        )
        time.sleep(LEASE + 3)  # a late duplicate would arrive within a lease

        db.session.commit()  # read what the schedulers wrote, not an older snapshot
        ids = collections.Counter(mid for mid, _to in mailbox.accepted)
        assert all(n == 1 for n in ids.values()), [m for m, n in ids.items() if n > 1]
        rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        expected = {message_id(r.idempotency_key, SECRET, MAIL_FROM) for r in rows}
        assert set(ids) == expected and len(ids) == people_count
        assert sorted(to for _mid, to in mailbox.accepted) == sorted(p.email for p in invited)
        assert all(r.status == "sent" for r in rows)
        # Only the message in flight when the holder died was tried twice.
        assert [r.attempts for r in rows].count(2) == 1
        assert mailbox.blocked_id in ids
        db.session.expire_all()
        assert db.session.get(Survey, survey.id).state == "open"
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == people_count
    finally:
        stop(processes)
        controller.stop()
        for name in ("s0", "s1", "s2"):
            log = (tmp_path / f"{name}.log").read_text()
            if "Traceback" in log:
                print(f"--- {name}.log ---\n{log[-3000:]}")


def test_a_slow_mail_server_does_not_make_a_running_scheduler_look_dead(
    app, migrated, runner, tmp_path
):
    """The heartbeat does not wait behind a job: while the mail server holds a batch for
    longer than the stale limit, `flask jobs status` still says the scheduler runs."""
    from aiosmtpd.controller import Controller

    partnership = make_partnership()
    people(partnership, 2)
    survey = plan(
        partnership,
        make_instrument(partnership),
        opens=dt.datetime.now() + dt.timedelta(days=1),
        closes=dt.datetime.now() + dt.timedelta(days=20),
    )
    survey.opens_at = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    mailbox = GatedMailbox(block_at=1)
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    stale_seconds = 3
    app.config["SCHEDULER_STALE_MINUTES"] = stale_seconds / 60
    scheduler = start_scheduler(
        migrated,
        tmp_path,
        "slow",
        PARTNERSHIP_SMTP_HOST="127.0.0.1",
        PARTNERSHIP_SMTP_PORT=str(port),
        PARTNERSHIP_SMTP_TIMEOUT="30",
        PARTNERSHIP_SCHEDULER_HEARTBEAT_SECONDS="0.5",
        PARTNERSHIP_JOBS_EVERY='{"open_surveys": 1, "deliver_outbox": 1}',
    )
    try:
        assert mailbox.blocked.wait(60), "the scheduler never sent the first email"
        held_since = time.monotonic()
        while time.monotonic() - held_since < 1.5 * stale_seconds:
            db.session.remove()  # read afresh, as the command run by a monitor would
            status = runner.invoke(args=["jobs", "status"])
            assert status.exit_code == 0, status.output
            assert "Scheduler: running" in status.output
            time.sleep(0.5)
        assert not mailbox.accepted  # the batch was held all along
    finally:
        mailbox.release.set()
        stop([scheduler])
        controller.stop()


def test_the_web_app_never_starts_a_scheduler(migrated):
    """Neither building the app nor serving a request imports APScheduler."""
    code = (
        "import sys; from partnership import create_app; "
        "app = create_app(); app.test_client().get('/login'); "
        "print('apscheduler' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=server_env(migrated, "http://127.0.0.1:5000"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
    assert os.path.exists(os.path.join(ROOT, "partnership", "jobs", "process.py"))
