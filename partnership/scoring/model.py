"""Input data of the scoring package: what the app aggregates (in SQL) and hands over.

Everything here is a frozen dataclass of plain values. The app builds a ``SurveyInput`` from
its tables (or, in tests, from raw responses through ``aggregate``); ``score_survey`` turns it
into a ``SurveyResult``. Nothing here knows about Flask, SQLAlchemy or the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from partnership.scoring.formulas import kpi_on_target

ORGS: tuple[str, str] = ("A", "B")
LEVELS: tuple[str, ...] = ("executive", "manager", "individual")
KINDS: tuple[str, ...] = ("agreement", "frequency", "likelihood")
KPI_SCOPES: tuple[str, ...] = ("shared", "local")
KPI_DIRECTION_LABELS: Mapping[str, str] = MappingProxyType(
    {"higher": "Higher is better", "lower": "Lower is better"}
)
# decisions.md: cultural, market and execution are the headline three, shown first everywhere,
# then governance and communication, then any other dimension in instrument order.
HEADLINE_DIMENSIONS: tuple[str, ...] = ("cultural", "market", "execution")
LEADING_DIMENSIONS: tuple[str, ...] = (*HEADLINE_DIMENSIONS, "governance", "communication")


def _frozen_mapping(value: Mapping[Any, Any] | None) -> Mapping[Any, Any]:
    return MappingProxyType(dict(value or {}))


@dataclass(frozen=True)
class ItemSpec:
    """One scored item of the instrument version.

    ``points`` is the number of answer options A: 5 for agreement, 4 for frequency, 11 for the
    0-10 likelihood item (values 0..10, never scored into a dimension). Raw answers run from
    ``scale_min`` (1, or 0 for likelihood) to ``scale_max``.
    """

    id: str
    dimension: str | None
    points: int
    reverse: bool
    kind: str
    sign: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"item {self.id}: unknown kind {self.kind!r}")
        if self.kind == "likelihood":
            if self.points != 11 or self.dimension is not None:
                raise ValueError(f"item {self.id}: a likelihood item has 11 points, no dimension")
        elif self.points < 2:
            raise ValueError(f"item {self.id}: a scale needs at least 2 points")
        if self.sign is not None and not 1 <= self.sign <= 10:
            raise ValueError(f"item {self.id}: sign must be 1..10")

    @property
    def scale_min(self) -> int:
        return 0 if self.kind == "likelihood" else 1

    @property
    def scale_max(self) -> int:
        return self.scale_min + self.points - 1

    @property
    def is_reverse(self) -> bool:
        """Scored in reverse: reverse-keyed, or a frequency item of the early-warning check."""
        return self.reverse or (self.kind == "frequency" and self.sign is not None)


@dataclass(frozen=True, order=True)
class Segment:
    """Where a respondent sits, copied from the invitation: organization, function, level."""

    org: str
    function: str
    level: str

    def __post_init__(self) -> None:
        if self.org not in ORGS:
            raise ValueError(f"segment org must be one of {ORGS}, not {self.org!r}")


@dataclass(frozen=True)
class RawResponse:
    """One submitted response: its segment and its answers by item id (None = missing/N.A.)."""

    segment: Segment
    answers: Mapping[str, int | None]

    def __post_init__(self) -> None:
        object.__setattr__(self, "answers", _frozen_mapping(self.answers))


@dataclass(frozen=True)
class PersonDimension:
    """One respondent x one dimension: sum of item scores (0..100 after direction) and count.

    ``count``: how many respondents of the segment have exactly this sum and count. Such
    persons are indistinguishable to scoring, so the app sends each distinct row once with
    its multiplicity (a 20k-respondent survey has a few thousand distinct rows); the result
    is the same as listing the row ``count`` times.
    """

    segment: Segment
    dimension: str
    score_sum: float
    answered: int
    count: int = 1

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValueError("a person row stands for at least one respondent")


@dataclass(frozen=True)
class ItemHistogram:
    """One segment x item: counts of raw answers; index 0 is the item's ``scale_min``."""

    segment: Segment
    item_id: str
    counts: tuple[int, ...]


@dataclass(frozen=True)
class Invited:
    """One segment: invitees and submitted responses (whatever they answered)."""

    segment: Segment
    invited: int
    responded: int


@dataclass(frozen=True)
class Comment:
    segment: Segment
    id: str
    text: str


@dataclass(frozen=True)
class KpiStatus:
    """A KPI of the partnership in the survey's cycle and in the cycle before it: each value
    with the target as it was recorded then (None: no value recorded for that cycle).

    ``scope`` "shared": a system-level KPI both partners own; ``linked_local_ids`` are the
    local KPIs linked to it (the caller passes the active ones). ``scope`` "local": one
    organization's own target (``organization`` "A" or "B", optionally a ``function``), with
    ``linked_to`` the shared KPI it serves, if any. ``direction``: "higher" or "lower" is
    better.
    """

    kpi_id: str
    name: str
    scope: str
    direction: str = "higher"
    value: float | None = None
    target: float | None = None
    prev_value: float | None = None
    prev_target: float | None = None
    unit: str = ""
    organization: str | None = None
    function: str | None = None
    linked_to: str | None = None
    linked_local_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.scope not in KPI_SCOPES:
            raise ValueError(f"KPI {self.kpi_id}: scope must be one of {KPI_SCOPES}")
        if self.direction not in KPI_DIRECTION_LABELS:
            raise ValueError(
                f"KPI {self.kpi_id}: direction must be one of {tuple(KPI_DIRECTION_LABELS)}"
            )
        if (self.value is None) != (self.target is None) or (self.prev_value is None) != (
            self.prev_target is None
        ):
            raise ValueError(f"KPI {self.kpi_id}: a recorded value needs its target")
        if self.scope == "local" and self.organization not in ORGS:
            raise ValueError(f"KPI {self.kpi_id}: a local KPI belongs to organization A or B")
        object.__setattr__(self, "linked_local_ids", tuple(self.linked_local_ids))

    @property
    def is_shared(self) -> bool:
        return self.scope == "shared"

    @property
    def on_target_now(self) -> bool | None:
        return kpi_on_target(self.value, self.target, self.direction)

    @property
    def on_target_prev(self) -> bool | None:
        return kpi_on_target(self.prev_value, self.prev_target, self.direction)


@dataclass(frozen=True)
class Settings:
    """Per-partnership thresholds; defaults are scoring.md's. Trend drops are magnitudes."""

    min_group: int = 5
    level_amber: float = 60
    level_red: float = 50
    gap_amber: float = 10
    gap_red: float = 12.5
    gap_red_g: float = 0.5
    trend_amber: float = 8
    trend_red_2: float = 12
    trend_red_1: float = 10
    divergence: float = 8
    rwg_min: float = 0.5
    polarized_share: float = 0.25
    participation_amber: float = 0.60
    participation_red: float = 0.40
    participation_drop: float = 0.20
    participation_diff: float = 0.25
    signs_amber: int = 3
    signs_red: int = 4
    health_amber_j: float = 70

    def __post_init__(self) -> None:
        if not 3 <= self.min_group <= 50:
            raise ValueError("min_group must be 3..50")


@dataclass(frozen=True)
class SurveyInput:
    """Everything ``score_survey`` needs about one survey, aggregated.

    ``dimensions`` lists the instrument's dimensions in instrument order; results come in
    headline order (see ``headline_order``). ``org_names`` and ``dimension_labels`` are used
    only in explanations.
    """

    items: tuple[ItemSpec, ...]
    dimensions: tuple[str, ...]
    persons: tuple[PersonDimension, ...] = ()
    histograms: tuple[ItemHistogram, ...] = ()
    invited: tuple[Invited, ...] = ()
    org_names: Mapping[str, str] = field(
        default_factory=lambda: {"A": "Organization A", "B": "Organization B"}
    )
    comments: tuple[Comment, ...] = ()
    dimension_labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = {"A": "Organization A", "B": "Organization B", **dict(self.org_names)}
        object.__setattr__(self, "org_names", _frozen_mapping(names))
        object.__setattr__(self, "dimension_labels", _frozen_mapping(self.dimension_labels))
        by_id = {}
        for item in self.items:
            if item.id in by_id:
                raise ValueError(f"duplicate item id {item.id!r}")
            by_id[item.id] = item
            if item.dimension is not None and item.dimension not in self.dimensions:
                raise ValueError(f"item {item.id}: dimension {item.dimension!r} not listed")
        for dim in self.dimensions:
            scales = {(i.kind, i.points) for i in self.items if i.dimension == dim}
            if len(scales) > 1:
                raise ValueError(f"dimension {dim!r} mixes scales {sorted(scales)}")
        for hist in self.histograms:
            known = by_id.get(hist.item_id)
            if known is None:
                raise ValueError(f"histogram for unknown item {hist.item_id!r}")
            if len(hist.counts) != known.points or min(hist.counts, default=0) < 0:
                raise ValueError(f"histogram for {hist.item_id!r} does not fit its scale")
        for person in self.persons:
            if person.dimension not in self.dimensions:
                raise ValueError(f"person score for unknown dimension {person.dimension!r}")
        for inv in self.invited:
            if inv.invited < 0 or inv.responded < 0:
                raise ValueError("negative invited or responded count")

    def item(self, item_id: str) -> ItemSpec:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def dimension_items(self, dimension: str) -> tuple[ItemSpec, ...]:
        return tuple(i for i in self.items if i.dimension == dimension)

    def label(self, dimension: str) -> str:
        return self.dimension_labels.get(dimension) or dimension.replace("_", " ").capitalize()


def headline_order(dimensions: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Cultural, market, execution, governance, communication first; the rest as given."""
    leading = [d for d in LEADING_DIMENSIONS if d in dimensions]
    return (*leading, *(d for d in dimensions if d not in LEADING_DIMENSIONS))
