"""Scoring benchmark: SQL aggregation + scoring of a survey against the fastest bare SQL count.

    .venv/bin/python benchmarks/scoring.py [--db sqlite|postgresql] [--sizes 1000,10000,20000]
        [--rounds 5]

One database holds a closed survey per size (respondents x 20 items: a quarterly pulse of five
dimensions of four agreement items, a third reverse-keyed, some "not applicable"), written as a
past with the builders of partnership.surveys.history, so that each survey is measured among
the others' answers as in a real database, then ANALYZEd. For each size, alternating, best of
`--rounds` (five times as many up to 1000 respondents, which take a few milliseconds each):

- scoring: ``survey_input(survey)`` (the SQL aggregation) + ``score_survey`` (statistics,
  privacy, signals), i.e. everything a snapshot costs but the INSERT;
- floor: the fastest plain SQL we could write for the counts of the survey's answers per item
  and value, index-backed: it reaches the survey's responses and their answers through indexes
  and never sorts or hashes an answer row on a text key (its plan is printed; see
  benchmarks/README.md for the formulations tried):
  - SQLite (no hash aggregation; a GROUP BY item, value sorts every answer in a temporary
    B-tree): the survey's responses as one rowid range (first and last rowid from the survey
    index), its answers summed per response into one packed integer (3 bits per item), the
    groups streaming in rowid order, then the per-item counts summed from those integers;
  - PostgreSQL: each response's answers fetched through the answer index (LATERAL), counted
    per item and value in a hash of 100 entries.

It prints wall-clock times (best of the rounds) and CPU times (this process plus the database
session's backend, from /proc/PID/schedstat: steadier than wall-clock on a busy machine), the
ratios, and where the product's time goes (SQL aggregation, then Python). Goals (issue 20): at
most 3x the floor at 10k and 20k respondents, at most 30 ms at 1k. It reports; it never fails a
build (exit status 0 whatever it measures).

PostgreSQL: a throw-away database is created next to PARTNERSHIP_BENCH_DATABASE_URL
(default postgresql://postgres@127.0.0.1:5432/test) and dropped afterwards.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from collections.abc import Callable

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import insert, select, text  # noqa: E402

from benchmarks.common import database  # noqa: E402
from partnership import create_app  # noqa: E402
from partnership.db import utcnow  # noqa: E402
from partnership.extensions import db  # noqa: E402

MAX_RATIO = 3.0  # at 10k and 20k respondents
MAX_SMALL_MS = 30.0  # at 1k respondents
DIMENSIONS = ("cultural", "market", "execution", "governance", "communication")
ITEMS_PER_DIMENSION = 4
ITEMS = len(DIMENSIONS) * ITEMS_PER_DIMENSION
VALUES = 5  # agreement items: 1..5, NULL = not applicable
FUNCTIONS = ("sales", "operations", "procurement", "finance", "product")
LEVELS = ("executive", "manager", "individual", "individual", "individual")
SPAN_SQL = text("SELECT min(rowid), max(rowid) FROM responses WHERE survey_id = :s")


def floor_sql(dialect: str, first_item: int) -> str:
    """The floor's statement: counts of one survey's answers per item and value."""
    if dialect == "postgresql":
        return (
            "SELECT a.item_id, a.value, count(*) FROM responses r CROSS JOIN LATERAL ("
            "SELECT item_id, value FROM answers WHERE response_id = r.id OFFSET 0) a "
            "WHERE r.survey_id = :s GROUP BY a.item_id, a.value"
        )
    # SQLite: item k's answer in bits 3k..3k+2 of one integer per response (0 = none), then per
    # item the counts of values 1..3 and 4..5 in 20-bit fields of two sums
    per_response = (
        f"SELECT sum(a.value << (3 * (a.item_id - {first_item}))) AS w "
        "FROM responses r JOIN answers a ON a.response_id = r.id "
        "WHERE r.survey_id = :s AND r.rowid BETWEEN :lo AND :hi GROUP BY r.rowid"
    )
    sums = []
    for k in range(ITEMS):
        code = f"((w >> {3 * k}) & 7)"
        sums.append(f"sum(CASE WHEN {code} BETWEEN 1 AND 3 THEN 1 << (20 * ({code} - 1)) END)")
        sums.append(f"sum(CASE WHEN {code} >= 4 THEN 1 << (20 * ({code} - 4)) END)")
    return f"SELECT {', '.join(sums)} FROM ({per_response})"


def floor_counts(dialect: str, rows: list[tuple[int, ...]], first_item: int) -> dict:
    """{(item id, value): count} from the floor's rows (to check it counts what it should)."""
    if dialect == "postgresql":
        return {(item, value): n for item, value, n in rows if value is not None}
    counts = {}
    (sums,) = rows
    for k in range(ITEMS):
        low, high = sums[2 * k] or 0, sums[2 * k + 1] or 0
        for value in range(1, VALUES + 1):
            word, slot = (low, value - 1) if value <= 3 else (high, value - 4)
            n = (word >> (20 * slot)) & ((1 << 20) - 1)
            if n:
                counts[(first_item + k, value)] = n
    return counts


def session_cpu(backend_pid: int | None) -> float:
    """CPU seconds so far of this process and of the database session's backend (idle
    between statements, so its /proc/PID/schedstat is up to date)."""
    total = time.process_time()
    if backend_pid:
        with open(f"/proc/{backend_pid}/schedstat") as f:
            total += int(f.read().split()[0]) / 1e9
    return total


def setup_partnership():
    from partnership.instruments.models import Instrument, InstrumentVersion, Item
    from partnership.partnerships.models import Organization, Partnership

    partnership = Partnership(name="Benchmark", timezone="UTC", min_group=5, thresholds={})
    partnership.functions = list(FUNCTIONS)
    db.session.add(partnership)
    db.session.flush()
    for position, name in ((1, "Alpha Software"), (2, "Beta Hardware")):
        db.session.add(
            Organization(
                partnership_id=partnership.id, position=position, name=name, short_code=name[:3]
            )
        )
    instrument = Instrument(partnership_id=partnership.id, name="Benchmark pulse")
    db.session.add(instrument)
    db.session.flush()
    version = InstrumentVersion(instrument_id=instrument.id, number=1, dimensions=list(DIMENSIONS))
    db.session.add(version)
    db.session.flush()
    position = 0
    for dim in DIMENSIONS:
        for k in range(ITEMS_PER_DIMENSION):
            position += 1
            db.session.add(
                Item(
                    version_id=version.id,
                    key=f"{dim}-{k + 1}",
                    position=position,
                    kind="agreement",
                    text=f"{dim} {k + 1}",
                    dimension=dim,
                    is_reverse=k % 3 == 1,
                )
            )
    db.session.commit()
    db.session.refresh(partnership)
    return partnership, instrument, version


def make_survey(partnership, instrument, version, size: int, rng: random.Random):
    """A closed survey with ``size`` respondents x 20 answers, written as a past with the
    builders the demo and the tests use (partnership.surveys.history)."""
    from partnership.instruments.models import Item
    from partnership.partnerships.models import Stakeholder
    from partnership.surveys.history import (
        Invitee,
        PastResponse,
        record_invitations,
        record_responses,
    )
    from partnership.surveys.models import Cycle, Survey

    cycle = Cycle(partnership_id=partnership.id, label=f"bench-{size}")
    db.session.add(cycle)
    db.session.flush()
    now = utcnow()
    survey = Survey(
        partnership_id=partnership.id,
        cycle_id=cycle.id,
        instrument_id=instrument.id,
        instrument_version_id=version.id,
        state="closed",
        opened_at=now - dt.timedelta(days=14),
        closed_at=now,
    )
    db.session.add(survey)
    db.session.flush()
    orgs = [o.id for o in partnership.organizations]
    invited = size + size // 9  # about 90 % participation
    segments = [
        (orgs[i % 2], FUNCTIONS[(i // 2) % len(FUNCTIONS)], LEVELS[(i // 10) % len(LEVELS)])
        for i in range(invited)
    ]
    conn = db.session.connection()
    conn.execute(
        insert(Stakeholder),
        [
            {
                "partnership_id": partnership.id,
                "organization_id": org,
                "name": f"Person {survey.id}-{i}",
                "email": f"p{survey.id}-{i}@bench.example",
                "function": function,
                "level": level,
                "is_active": True,
                "is_reminder_opt_out": False,
                "created_at": now,
            }
            for i, (org, function, level) in enumerate(segments)
        ],
    )
    stakeholder_ids = list(
        db.session.scalars(
            select(Stakeholder.id)
            .where(Stakeholder.email.like(f"p{survey.id}-%"))
            .order_by(Stakeholder.id)
        )
    )
    record_invitations(
        survey.id,
        (
            Invitee(sid, org, function, level, is_used=i < size)
            for i, (sid, (org, function, level)) in enumerate(
                zip(stakeholder_ids, segments, strict=True)
            )
        ),
    )
    item_ids = list(
        db.session.scalars(
            select(Item.id).where(Item.version_id == version.id).order_by(Item.position)
        )
    )
    responses = []
    for i in range(size):
        lean = 1 if i % 2 == 0 else -1  # the two organizations see things differently
        answers = {
            item_id: None if rng.random() < 0.05 else min(5, max(1, 3 + lean + rng.randint(-2, 2)))
            for item_id in item_ids
        }
        org, function, level = segments[i]
        responses.append(PastResponse(org, function, level, answers, on=now.date()))
    record_responses(survey.id, responses)
    db.session.commit()
    return survey


class Timer:
    """Best wall-clock and CPU time of a function over rounds, each in a fresh transaction."""

    def __init__(self, fn: Callable[[], object], backend_pid: int | None) -> None:
        self.fn = fn
        self.backend_pid = backend_pid
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def once(self) -> object:
        db.session.expire_all()
        cpu = session_cpu(self.backend_pid)
        start = time.perf_counter()
        result = self.fn()
        self.wall.append(time.perf_counter() - start)
        self.cpu.append(session_cpu(self.backend_pid) - cpu)
        db.session.commit()
        return result

    @property
    def best_ms(self) -> float:
        return min(self.wall) * 1000

    @property
    def best_cpu_ms(self) -> float:
        return min(self.cpu) * 1000


def run(kind: str, sizes: list[int], rounds: int) -> int:
    from partnership.cli import upgrade
    from partnership.instruments.models import Item
    from partnership.results.aggregate import survey_input
    from partnership.results.services import settings_for
    from partnership.scoring import score_survey

    rng = random.Random(4)
    with database(kind) as url:
        upgrade(url)
        app = create_app(
            {
                "TESTING": True,
                "ENV": "development",
                "SECRET_KEY": "benchmark-" + "x" * 20,
                "DATABASE_URL": url,
            }
        )
        rows = []
        with app.app_context():
            dialect = db.engine.dialect.name
            partnership, instrument, version = setup_partnership()
            settings = settings_for(partnership)
            surveys = [make_survey(partnership, instrument, version, n, rng) for n in sizes]
            db.session.execute(text("ANALYZE"))
            db.session.commit()
            item_ids = list(
                db.session.scalars(select(Item.id).where(Item.version_id == version.id))
            )
            first_item = min(item_ids)
            assert sorted(item_ids) == list(range(first_item, first_item + ITEMS))
            floor_statement = text(floor_sql(dialect, first_item))
            backend_pid = None
            if dialect == "postgresql":
                backend_pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
            db.session.commit()
            print(
                f"Scoring benchmark on {dialect}: {len(sizes)} surveys in one database "
                f"({sum(sizes)} respondents, {sum(sizes) * ITEMS} answers), best of {rounds} "
                f"(5x that up to 1000 respondents); load average {os.getloadavg()[0]:.1f} "
                f"on {os.cpu_count()} CPUs"
            )

            def floor(survey) -> list:  # type: ignore[no-untyped-def]
                params = {"s": survey.id}
                if dialect == "sqlite":
                    params["lo"], params["hi"] = db.session.execute(SPAN_SQL, params).one()
                else:  # whatever the server's settings: compiling would cost more than running
                    db.session.execute(text("SET LOCAL jit = off"))
                return [tuple(r) for r in db.session.execute(floor_statement, params)]

            explain = "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN "
            params = {"s": surveys[-1].id, "lo": 0, "hi": 0}
            if dialect == "postgresql":
                db.session.execute(text("SET LOCAL jit = off"))  # as when it runs
            plan = db.session.execute(text(explain + floor_sql(dialect, first_item)), params)
            print("floor plan: " + "; ".join(str(r[-1]).strip() for r in plan))
            db.session.commit()

            for size, survey in zip(sizes, surveys, strict=True):
                expected = dict(
                    db.session.execute(
                        text(
                            "SELECT a.item_id * 16 + a.value, count(*) FROM answers a "
                            "JOIN responses r ON r.id = a.response_id WHERE r.survey_id = :s "
                            "AND a.value IS NOT NULL GROUP BY a.item_id, a.value"
                        ),
                        {"s": survey.id},
                    ).all()
                )
                got = floor_counts(dialect, floor(survey), first_item)
                assert {i * 16 + v: n for (i, v), n in got.items()} == expected, "floor miscounts"
                db.session.commit()
                timers = {
                    "floor": Timer(lambda survey=survey: floor(survey), backend_pid),
                    "scoring": Timer(
                        lambda survey=survey: score_survey(survey_input(survey), settings),
                        backend_pid,
                    ),
                    "sql": Timer(lambda survey=survey: survey_input(survey), backend_pid),
                }
                data = survey_input(survey)
                db.session.commit()
                timers["python"] = Timer(lambda data=data: score_survey(data, settings), None)
                for timer in timers.values():  # warm both alike (caches, statements)
                    timer.fn()
                    db.session.commit()
                # alternate, so that both see the same machine; a small survey takes a few
                # milliseconds, so it gets more rounds for its best to be a quiet moment
                for n in range(rounds * max(1, min(5, 5000 // size))):
                    for timer in timers.values() if n % 2 == 0 else reversed(timers.values()):
                        timer.once()
                rows.append((size, timers))
        db.dispose()

    print(
        f"{'respondents':>11} {'floor ms':>9} {'scoring ms':>11} {'ratio':>6}   "
        f"{'cpu: floor':>10} {'scoring':>8} {'ratio':>6}   "
        f"{'scoring = SQL ms':>16} {'+ Python ms':>11}"
    )
    verdicts = []
    for size, t in rows:
        floor_t, scoring_t = t["floor"], t["scoring"]
        ratio = scoring_t.best_ms / floor_t.best_ms
        cpu_ratio = scoring_t.best_cpu_ms / floor_t.best_cpu_ms
        print(
            f"{size:>11} {floor_t.best_ms:>9.1f} {scoring_t.best_ms:>11.1f} {ratio:>6.2f}   "
            f"{floor_t.best_cpu_ms:>10.1f} {scoring_t.best_cpu_ms:>8.1f} {cpu_ratio:>6.2f}   "
            f"{t['sql'].best_ms:>16.1f} {t['python'].best_ms:>11.1f}"
        )
        if size <= 1000:
            ok = scoring_t.best_ms <= MAX_SMALL_MS
            verdicts.append(
                f"{size} respondents: {scoring_t.best_ms:.1f} ms (goal <= {MAX_SMALL_MS:g} ms): "
                + ("met" if ok else "missed")
            )
        else:
            ok = ratio <= MAX_RATIO
            verdicts.append(
                f"{size} respondents: {ratio:.2f}x the floor (goal <= {MAX_RATIO:g}x): "
                + ("met" if ok else "missed")
                + f" (CPU {cpu_ratio:.2f}x)"
            )
    for line in verdicts:
        print(line)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--sizes", default="1000,10000,20000")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    return run(args.db, sizes, args.rounds)


if __name__ == "__main__":
    sys.exit(main())
