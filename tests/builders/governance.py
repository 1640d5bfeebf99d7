"""Builders for governance tests: a quarter's pulse closed through the one close use case,
and the issue keys its snapshot should raise."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from partnership.extensions import db
from partnership.governance.models import Issue
from partnership.results.services import close_survey, current_snapshot
from partnership.surveys.models import Survey
from tests.builders.pulse import build_closed_survey, make_pulse_instrument

#: When the builders' quarters close unless told otherwise.
CLOSED_AT = dt.datetime(2026, 5, 20, 9, 0, tzinfo=dt.UTC)


def close_quarter(
    partnership,  # type: ignore[no-untyped-def]
    label: str,
    *,
    seed: int = 7,
    shift: float = 0.0,
    attitudes: dict[str, dict[str, float]] | None = None,
    when: dt.datetime = CLOSED_AT,
) -> Survey:
    """A pulse survey of the quarter with answers (Alpha ahead of Beta on execution unless
    ``attitudes`` says otherwise), closed through the one close use case (issues included)."""
    pulse = make_pulse_instrument(partnership)
    survey = build_closed_survey(
        partnership,
        instrument=pulse,
        label=label,
        seed=seed,
        shift=shift,
        attitudes=attitudes,
        state="open",
    ).survey
    close_survey(survey, now=when)
    return survey


def subject_of(signal: dict) -> str:  # type: ignore[type-arg]
    if signal.get("dimension"):
        return f"dimension:{signal['dimension']}"
    if signal.get("kpi_id") is not None:
        return f"kpi:{signal['kpi_id']}"
    return ""


def expected_keys(survey: Survey) -> set[tuple[str, str]]:
    """(rule, subject) of every red signal and escalation of the survey's current snapshot."""
    data = current_snapshot(survey).data
    keys = {(s["rule"], subject_of(s)) for s in data["signals"] if s["severity"] == "red"}
    for e in data["escalations"]:
        if e["kind"] == "multiple_amber":
            keys.add(("MULTIPLE_AMBER", subject_of(e)))
        elif e.get("rule"):
            keys.add((e["rule"], subject_of(e)))
    return keys


def issue_keys(cycle_id: int) -> set[tuple[str, str]]:
    return {
        (i.rule, i.subject)
        for i in db.session.scalars(select(Issue).where(Issue.cycle_id == cycle_id))
    }
