"""The brief's plain-data model: the rules it keeps so that no renderer can break them."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from partnership.briefs.model import (
    MAX_TREND_CYCLES,
    Cover,
    DimensionResult,
    Organization,
    OrgDimensionResult,
    Participation,
    Records,
    Reported,
    Scores,
    SignalLine,
    Summary,
    Trends,
    TrendSeries,
    health_reason,
    reported,
)
from partnership.briefs.sample import build_sample

A, B = Organization("A", "Wisła Devices"), Organization("B", "Paulista Software")
WHEN = dt.datetime(2027, 1, 12, 8, 30, tzinfo=dt.UTC)


def dim(key: str, health: str = "green", j: float | None = 72.5) -> DimensionResult:
    """A dimension as the scoring package reports it (only what these tests read is set)."""
    w: Reported[float] = Reported(None, "below_threshold")
    orgs = tuple(
        OrgDimensionResult(o, Reported(None, "below_threshold"), w, w, w, w, w, w, w, False)
        for o in ("A", "B")
    )
    return DimensionResult(
        key, key.capitalize(), key in ("cultural", "market", "execution"), 5, 4, orgs,
        J=Reported.of(j, "below_threshold"), G=w, g=w, ci_low=w, ci_high=w,
        confirmed=Reported(None, "below_threshold"), census=Reported(None, "below_threshold"),
        health=Reported(health),
    )  # fmt: skip


def test_a_withheld_value_cannot_carry_its_number() -> None:
    with pytest.raises(ValueError):
        Reported(41.7, "below_threshold")
    with pytest.raises(ValueError):
        Reported(None)
    assert not Reported(None, "below_threshold").shown


def test_reported_reads_a_snapshot_pair() -> None:
    cell = {"S": 64.58333333333333, "S_reason": None, "n": None, "n_reason": "complementary"}
    assert reported(cell, "S") == Reported(64.58333333333333)
    assert reported(cell, "n") == Reported(None, "complementary")
    assert reported(cell, "rwg") == Reported(None, "not_computable")


def test_records_none_yet_is_not_an_empty_period() -> None:
    never: Records[str] = Records.none_yet()
    empty: Records[str] = Records.of(())
    assert never.none_recorded_yet and not empty.none_recorded_yet
    assert len(never) == len(empty) == 0
    with pytest.raises(ValueError):
        Records(("a decision",), recorded=False)


def test_red_signals_and_headline_dimensions_come_first() -> None:
    amber = SignalLine("amber", "LEVEL", "Market", "J is 58.0.")
    red = SignalLine("red", "PARTICIPATION", None, "Participation in B is 35%.")
    red2 = SignalLine("red", "GAP", "Execution", "G is +14.0.")
    part = (Participation(A, 10, 7, Reported(0.7)), Participation(B, 12, 6, Reported(0.5)))
    summary = Summary(
        health="red",
        health_reason="",
        overall_joint=Reported(61.0),
        signals=(amber, red, amber, red2),
        participation=part,
    )
    assert summary.top_signals == (red, red2, amber)
    scores = Scores((dim("communication"), dim("execution"), dim("governance"), dim("cultural")))
    assert [d.dimension for d in scores.dimensions] == [
        "cultural",
        "execution",
        "governance",
        "communication",
    ]
    with pytest.raises(ValueError):
        Scores((dim("market", health="purple"),))
    assert summary.decisions_requested.none_recorded_yet


def test_trends_hold_at_most_eight_cycles_with_one_value_each() -> None:
    labels = tuple(f"C{k}" for k in range(MAX_TREND_CYCLES + 1))
    one = (Reported(60.0),)
    with pytest.raises(ValueError):
        Trends(labels, ())
    with pytest.raises(ValueError):
        Trends(("2026-Q3", "2026-Q4"), (TrendSeries("market", "Market", one, one),))


def test_cover_times_carry_a_zone_and_run_forward() -> None:
    with pytest.raises(ValueError):
        Cover("P", (A, B), "2026-Q4", WHEN.replace(tzinfo=None), "Europe/Warsaw")
    with pytest.raises(ValueError):
        Cover("P", (A, B), "2026-Q4", WHEN, "Europe/Warsaw", previous_as_of=WHEN + dt.timedelta(1))
    with pytest.raises(ValueError):
        Cover("P", (B, A), "2026-Q4", WHEN, "Europe/Warsaw")


def test_health_reason_names_what_drives_it() -> None:
    dims = (dim("cultural"), dim("market", "amber", 66.0), dim("execution", "red"))
    signals = (
        SignalLine("red", "GAP", "Execution", "..."),
        SignalLine("red", "PARTICIPATION", None, "..."),
        SignalLine("amber", "LEVEL", "Market", "..."),
    )
    # the brief prints the one wording of partnership.scoring.words: plain names, no codes
    assert signals[0].title == "Gap between the organizations"
    assert health_reason("red", dims, signals) == (
        "Red: 2 red signals (gap on execution, low participation)."
    )
    assert health_reason("amber", dims[:2], ()) == ("Amber: joint score below 70 in market.")
    assert health_reason("amber", dims[:2], signals[2:]) == (
        "Amber: 1 amber signal (low score on market)."
    )
    assert health_reason("green", (dim("cultural"),), (), amber_below=72.5).endswith(
        "at least 72.5."
    )
    assert health_reason("not_enough_data", (), ()).startswith("Not enough data")


def test_sample_fills_every_section_and_is_reproducible() -> None:
    sample = build_sample()
    brief = sample.brief
    for field in dataclasses.fields(brief):
        value = getattr(brief, field.name)
        if isinstance(value, Records):
            assert value.items, f"{field.name} is empty in the sample"
    assert brief.plan_check.signs.items and brief.appendix.comments
    assert build_sample() == sample
    bare = build_sample(governance=False).brief
    assert all(
        getattr(bare, f).none_recorded_yet
        for f in ("stages", "actions", "escalations", "meetings", "decisions", "lessons")
    )
