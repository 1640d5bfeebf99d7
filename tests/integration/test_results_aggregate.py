"""The SQL aggregation of a survey equals the scoring package's reference aggregation on the
same raw answers (random data; run on SQLite and on PostgreSQL)."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace

import pytest

from partnership.extensions import db
from partnership.results import aggregate
from partnership.results.aggregate import survey_input
from partnership.scoring import (
    Comment,
    RawResponse,
    Segment,
    score_survey,
    survey_input_from_responses,
)
from tests.builders.basics import make_partnership
from tests.builders.results import invite, make_instrument, make_survey, respond

DIMS = ("cultural", "market", "execution")
SEGMENTS = [
    ("A", "sales", "executive"),
    ("A", "operations", "individual"),
    ("A", "operations", "manager"),
    ("B", "product", "individual"),
    ("B", "finance", "executive"),
]


def _random_answer(rng: random.Random, key: str) -> int | None:
    roll = rng.random()
    if roll < 0.08:
        return None  # not applicable
    if key == "nps":
        return rng.randint(0, 10)
    if key.startswith("sign-"):
        return rng.randint(1, 4)
    return rng.randint(1, 5)


def _person_key(p):
    return (p.segment, p.dimension, p.answered, round(p.score_sum, 6))


@pytest.mark.parametrize(
    ("seed", "bincount_keys"),
    [(1, aggregate.BINCOUNT_KEYS), (2, aggregate.BINCOUNT_KEYS), (3, 0)],
    ids=["counted-1", "counted-2", "sorted-3"],
)
def test_sql_aggregate_equals_the_reference_on_random_data(app, seed, bincount_keys, monkeypatch):
    # both ways of counting persons per segment and value: an array of counts, or sorting;
    # and on PostgreSQL both ways of summing: a constant lookup array, or a CASE per item
    monkeypatch.setattr(aggregate, "BINCOUNT_KEYS", bincount_keys)
    monkeypatch.setattr(aggregate, "LOOKUP_ENTRIES", bincount_keys and aggregate.LOOKUP_ENTRIES)
    monkeypatch.setattr(aggregate, "_plans", {})
    rng = random.Random(seed)
    partnership = make_partnership()
    instrument, version = make_instrument(
        partnership,
        dims=DIMS,
        per_dim=4,
        reverse=(2, 4),
        overall=True,
        likelihood=True,
        comment=True,
        signs=[(1, "demand"), (2, "demand"), (5, "capacity")],
    )
    survey = make_survey(partnership, instrument, version)
    keys = [i.key for i in version.items if i.kind != "comment"]
    raw: list[RawResponse] = []
    comments: list[tuple[Segment, str]] = []
    invited: dict[Segment, int] = {}
    for org, function, level in SEGMENTS:
        segment = Segment(org, function, level)
        count = rng.randint(0, 9)
        invited[segment] = count + rng.randint(0, 4)
        invite(survey, org, invited[segment], function, level)
        for _ in range(count):
            # skipped items have no row at all; N.A. is a NULL value
            answers = {k: _random_answer(rng, k) for k in keys if rng.random() > 0.1}
            text = rng.choice([None, "", f"Idea {rng.randint(1, 999)}"])
            respond(
                survey, org, answers, function=function, level=level, comment=text, commit=False
            )
            raw.append(RawResponse(segment, answers))
            if text:
                comments.append((segment, text))
    db.session.commit()

    sql = survey_input(survey)
    # a segment with nobody invited and nobody responding has no row in SQL
    invited = {segment: n for segment, n in invited.items() if n}
    reference = survey_input_from_responses(
        sql.items, sql.dimensions, raw, invited, {"A": "Alpha Software", "B": "Beta Hardware"}
    )

    assert [i.id for i in sql.items] == keys
    assert sql.dimensions == (*DIMS, "demand", "capacity")
    # person rows carry no person id: equal as multisets (sums to float tolerance); SQL sends
    # each distinct row once with its multiplicity, the reference one row per person
    assert _persons(sql.persons) == _persons(reference.persons)
    assert sum(p.count for p in sql.persons) == len(reference.persons) > 0
    assert all(p.count == 1 for p in reference.persons)
    assert len({_person_key(p) for p in sql.persons}) == len(sql.persons)
    assert Counter(sql.histograms) == Counter(reference.histograms)
    assert sorted(sql.invited, key=lambda i: i.segment) == sorted(
        reference.invited, key=lambda i: i.segment
    )
    assert dict(sql.org_names) == {"A": "Alpha Software", "B": "Beta Hardware"}
    assert Counter((c.segment, c.text) for c in sql.comments) == Counter(comments)
    assert all(isinstance(c, Comment) for c in sql.comments)
    # and so every score is the same
    ours = score_survey(sql).to_dict()
    theirs = score_survey(replace(reference, dimension_labels=sql.dimension_labels)).to_dict()
    ours["organizations"]["A"]["comments"] = theirs["organizations"]["A"]["comments"] = None
    ours["organizations"]["B"]["comments"] = theirs["organizations"]["B"]["comments"] = None
    assert _close(ours, theirs)


def _persons(rows) -> Counter:
    out: Counter = Counter()
    for p in rows:
        out[_person_key(p)] += p.count
    return out


def _close(a, b) -> bool:
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        return all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list):
        assert len(a) == len(b)
        return all(_close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):
        assert a == pytest.approx(b, rel=1e-12, abs=1e-9)
        return True
    assert a == b
    return True
