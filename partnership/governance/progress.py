"""Did the gap close? An action linked to a dimension, followed across later cycles.

When an action is agreed with a dimension it keeps its **baseline**: the closed survey whose
snapshot showed the dimension (the survey that raised its issue, else the latest closed survey,
in cycle order up to the action's cycle, whose results have the dimension), its instrument
lineage, and the partnership's GAP red threshold in force in that snapshot (``gap_red``,
12.5 points by default).

Each later closed survey of the same lineage (in cycles after the baseline's, in cycle order)
shows the dimension's joint score J and gap G again, and a verdict:

- **closed** when |G| there is below the kept threshold (a value within 1e-9 of the
  threshold counts as on it, as in scoring.md section 6, so still open): the gap no longer
  reaches the level at which it became an issue;
- **not yet** when |G| is at or above it;
- **no data** when that snapshot does not report G (an organization below the privacy
  threshold, or the dimension missing): nothing is shown, nothing is concluded.

The action's verdict is the latest later survey's; "waiting" until a later survey has closed.
Every value is read from the surveys' current snapshots, so only reportable values appear, and
a value a later re-score withholds disappears here too. Gaps are shown as magnitudes
("gap 25.3 → 11.0: closed"); a gap that changed sides says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select

from partnership.extensions import db
from partnership.governance.models import Action, Issue
from partnership.instruments.models import Instrument
from partnership.results.services import current_snapshot
from partnership.scoring.format import fmt_score
from partnership.surveys.models import CYCLE_ORDER, Cycle, Survey

TOLERANCE = 1e-9
PULSE_KEY = "quarterly-pulse"
VERDICT_LABELS = {
    "closed": "closed",
    "not_yet": "not yet",
    "no_data": "not enough data",
    "waiting": "waiting for the next closed survey",
}


@dataclass(frozen=True)
class GapPoint:
    """The dimension in one closed survey's current snapshot (None: not reported)."""

    cycle_label: str
    survey_id: int
    J: float | None
    G: float | None

    @property
    def gap_text(self) -> str:
        return fmt_score(abs(self.G)) if self.G is not None else "–"

    @property
    def joint_text(self) -> str:
        return fmt_score(self.J)


@dataclass(frozen=True)
class GapProgress:
    dimension: str
    label: str
    instrument_name: str
    threshold: float | None
    baseline: GapPoint | None
    later: tuple[GapPoint, ...]

    def verdict_of(self, point: GapPoint) -> str:
        if point.G is None or self.threshold is None:
            return "no_data"
        return "closed" if abs(point.G) < self.threshold - TOLERANCE else "not_yet"

    @property
    def latest(self) -> GapPoint | None:
        return self.later[-1] if self.later else None

    @property
    def verdict(self) -> str:
        latest = self.latest
        return "waiting" if latest is None else self.verdict_of(latest)

    def flipped(self, point: GapPoint) -> bool:
        """Whether the gap changed sides since the baseline (A ahead, then B, or back)."""
        base = self.baseline.G if self.baseline is not None else None
        return (
            base is not None
            and point.G is not None
            and abs(base) > TOLERANCE
            and abs(point.G) > TOLERANCE
            and (base > 0) != (point.G > 0)
        )

    def line(self, point: GapPoint) -> str:
        """ "gap 25.3 → 11.0: closed" for one later survey."""
        start = self.baseline.gap_text if self.baseline is not None else "–"
        text = f"gap {start} → {point.gap_text}: {VERDICT_LABELS[self.verdict_of(point)]}"
        if self.flipped(point):
            text += " (the other organization is now ahead)"
        return text

    @property
    def summary(self) -> str:
        latest = self.latest
        if latest is None:
            start = self.baseline.gap_text if self.baseline is not None else "–"
            return f"gap {start}: {VERDICT_LABELS['waiting']}"
        return self.line(latest)


def _dimension(data: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    for dim in data.get("dimensions") or []:
        if isinstance(dim, Mapping) and dim.get("dimension") == key:
            return dim
    return None


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _point(survey: Survey, dimension: str) -> tuple[GapPoint, str | None]:
    snapshot = current_snapshot(survey)
    data = snapshot.data if snapshot is not None and isinstance(snapshot.data, Mapping) else {}
    dim = _dimension(data, dimension)
    point = GapPoint(
        cycle_label=survey.cycle.label,
        survey_id=survey.id,
        J=_number(dim.get("J")) if dim else None,
        G=_number(dim.get("G")) if dim else None,
    )
    return point, (str(dim.get("label")) if dim and dim.get("label") else None)


def gap_threshold(survey: Survey) -> float | None:
    """The GAP red threshold frozen in the survey's current snapshot."""
    snapshot = current_snapshot(survey)
    settings = (snapshot.data or {}).get("settings") if snapshot is not None else None
    return _number(settings.get("gap_red")) if isinstance(settings, Mapping) else None


def _has_dimension(survey: Survey, dimension: str) -> bool:
    snapshot = current_snapshot(survey)
    return snapshot is not None and _dimension(snapshot.data or {}, dimension) is not None


def baseline_for(
    cycle: Cycle, dimension: str | None, issue: Issue | None = None
) -> tuple[int, int, float | None] | None:
    """(instrument lineage, baseline survey, GAP red threshold) of an action on ``dimension``
    agreed in ``cycle``; None when no closed survey so far reports the dimension."""
    if not dimension:
        return None
    if issue is not None and issue.survey_id is not None and issue.dimension == dimension:
        survey = db.session.get(Survey, issue.survey_id)
        if survey is not None and _has_dimension(survey, dimension):
            return survey.instrument_id, survey.id, gap_threshold(survey)
    rows = list(
        db.session.execute(
            select(Survey, Instrument.builtin_key)
            .join(Cycle, Cycle.id == Survey.cycle_id)
            .join(Instrument, Instrument.id == Survey.instrument_id)
            .where(
                Survey.partnership_id == cycle.partnership_id,
                Survey.state == "closed",
                or_(
                    Cycle.starts_on < cycle.starts_on,
                    and_(Cycle.starts_on == cycle.starts_on, Cycle.id <= cycle.id),
                ),
            )
            .order_by(*(c.desc() for c in CYCLE_ORDER), Survey.id)
        ).tuples()
    )
    # the latest cycle first (the query's order); inside a cycle the quarterly pulse first
    rows.sort(key=lambda r: r[1] != PULSE_KEY)
    rows.sort(key=lambda r: (r[0].cycle.starts_on, r[0].cycle_id), reverse=True)
    for survey, _key in rows:
        if _has_dimension(survey, dimension):
            return survey.instrument_id, survey.id, gap_threshold(survey)
    return None


def gap_progress(action: Action) -> GapProgress | None:
    """The action's dimension at its baseline and at each later closed survey of the same
    lineage; None when the action has no dimension or no baseline lineage."""
    if not action.dimension or action.instrument_id is None:
        return None
    instrument = db.session.get(Instrument, action.instrument_id)
    baseline_survey = (
        db.session.get(Survey, action.baseline_survey_id)
        if action.baseline_survey_id is not None
        else None
    )
    label = None
    baseline = None
    if baseline_survey is not None:
        baseline, label = _point(baseline_survey, action.dimension)
        after: Cycle | None = baseline_survey.cycle
    else:
        after = db.session.get(Cycle, action.cycle_id)
    assert after is not None
    later_surveys = db.session.scalars(
        select(Survey)
        .join(Cycle, Cycle.id == Survey.cycle_id)
        .where(
            Survey.partnership_id == action.partnership_id,
            Survey.instrument_id == action.instrument_id,
            Survey.state == "closed",
            or_(
                Cycle.starts_on > after.starts_on,
                and_(Cycle.starts_on == after.starts_on, Cycle.id > after.id),
            ),
        )
        .order_by(*CYCLE_ORDER, Survey.id)
    ).all()
    later = []
    for survey in later_surveys:
        point, found = _point(survey, action.dimension)
        later.append(point)
        label = label or found
    return GapProgress(
        dimension=action.dimension,
        label=label or action.dimension.capitalize(),
        instrument_name=instrument.name if instrument is not None else "",
        threshold=action.gap_threshold,
        baseline=baseline,
        later=tuple(later),
    )
