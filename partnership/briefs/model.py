"""The steering-committee brief as plain data: what the data step fills and the renderers read.

The brief is built in two steps (conventions.md, "data first, then format"): a data step reads
the cycle's snapshots and governance records and fills these frozen dataclasses; a renderer
turns them into a PDF (``partnership.briefs.render``) or, later, an HTML page. Nothing here
knows about Flask, SQLAlchemy, ReportLab or the database, so the web app can import it without
paying for ReportLab, and the HTML twin can hand the same objects to Jinja (plain attributes,
tuples, no methods needed to read a value).

Rules the model keeps, so that no renderer can get them wrong:

- **Numbers at full precision.** Scores, gaps, shares and statistics are floats as the snapshot
  holds them; rounding happens only when a renderer formats them through
  ``partnership.scoring.format`` (the one formatter).
- **Withheld values are explicit.** Anything the privacy rules may withhold is a
  ``Reported`` (from the scoring package): either a value, or ``None`` with the snapshot's
  reason code (``below_threshold``, ``complementary``, ``not_computable``, ...). A withheld value
  is never in the model at all, so it cannot be printed.
- **Sections that have no records yet** (no meetings or decisions recorded, the governance
  capabilities not used yet) are ``Records`` with ``recorded=False``: renderers say "None
  recorded yet." An empty ``Records`` with ``recorded=True`` means "there are records, none in
  this period" and gets the section's own sentence ("No decisions since the last brief.").
- **Order is part of the data.** Every collection is a tuple in the order it is printed:
  dimensions headline first (cultural, market, execution, then governance and communication),
  signals most severe first, comments in the snapshot's keyed-hash order. Nothing depends on
  dict or set iteration, so the same model always renders to the same bytes.
- **Dates come from the model.** ``Cover.as_of`` (the brief version's stored time) is the only
  "now" a renderer may use; "since the last brief" is ``Cover.previous_as_of``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from partnership.scoring import words
from partnership.scoring.model import ORGS, headline_order
from partnership.scoring.result import DimensionResult, OrgDimensionResult, Reported

__all__ = [
    "HEALTH_CODES",
    "MAX_TREND_CYCLES",
    "SEVERITIES",
    "STAGES",
    "ActionLine",
    "Appendix",
    "Brief",
    "CommentGroup",
    "Cover",
    "DecisionLine",
    "DecisionRequest",
    "DimensionResult",
    "EscalationLine",
    "GapProgress",
    "HeatCell",
    "HeatRow",
    "Heatmap",
    "InstrumentRun",
    "KpiGroup",
    "KpiLine",
    "LessonLine",
    "MeetingLine",
    "MethodNote",
    "OrgDimensionResult",
    "Organization",
    "Participation",
    "PlanCheck",
    "Records",
    "Reported",
    "Scores",
    "SignRow",
    "SignalLine",
    "SingleItem",
    "SingleItemOrg",
    "StageLine",
    "Summary",
    "ThresholdLine",
    "TrendSeries",
    "Trends",
    "health_reason",
    "reported",
]

T = TypeVar("T")

HEALTH_CODES: tuple[str, ...] = ("green", "amber", "red", "not_enough_data")
SEVERITIES: tuple[str, ...] = ("red", "amber")
#: Trends show at most this many cycles (the current one and seven before it).
MAX_TREND_CYCLES = 8
#: The stages of the Continuous Alignment Model (domain.md), in order, with their labels.
STAGES: tuple[tuple[str, str], ...] = (
    ("assess", "Regular assessment"),
    ("adapt", "Proactive adaptation"),
    ("communicate", "Open communication"),
    ("learn", "Shared learning"),
    ("done", "Cycle closed"),
)
STAGE_STATES: tuple[str, ...] = ("done", "current", "not_started")
ACTION_STATES: tuple[str, ...] = ("open", "in_progress", "done", "dropped")
ESCALATION_STATES: tuple[str, ...] = ("open", "in_progress", "resolved", "dropped")


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def _aware(when: dt.datetime | None, name: str) -> None:
    _check(when is None or when.utcoffset() is not None, f"{name} must carry a time zone")


def reported(obj: Mapping[str, Any], key: str) -> Reported[Any]:
    """The value ``key`` of a snapshot dict (``SurveyResult.to_dict()``) with its reason.

    The export writes every value that can be withheld as ``key`` and ``key_reason``; this
    reads the pair back. A null without a reason (a key the snapshot does not have) reads as
    ``not_computable``.
    """
    value = obj.get(key)
    if value is not None:
        return Reported(value)
    return Reported(None, obj.get(f"{key}_reason") or "not_computable")


# --- building blocks ------------------------------------------------------------------------


@dataclass(frozen=True)
class Organization:
    """One partner organization: ``letter`` "A" is the partnership's first (G = S_A - S_B)."""

    letter: str
    name: str

    def __post_init__(self) -> None:
        _check(self.letter in ORGS, f"organization letter must be one of {ORGS}")


@dataclass(frozen=True)
class Records(Generic[T]):
    """Records of one kind for a section (actions, decisions, lessons, ...).

    ``recorded`` False: the partnership has never recorded anything of this kind (the
    capability is not used yet); renderers print "None recorded yet." ``recorded`` True with no
    ``items``: there are records, none for this brief's period.
    """

    items: tuple[T, ...] = ()
    recorded: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", tuple(self.items))
        _check(self.recorded or not self.items, "records that were never recorded have no items")

    @classmethod
    def none_yet(cls) -> Records[T]:
        return cls((), recorded=False)

    @classmethod
    def of(cls, items: Iterable[T]) -> Records[T]:
        return cls(tuple(items), recorded=True)

    @property
    def none_recorded_yet(self) -> bool:
        return not self.recorded

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


@dataclass(frozen=True)
class SignalLine:
    """An early-warning signal: its ``rule`` code (scoring.md section 6), its subject (a
    dimension's label, a KPI's name, or None for the whole partnership) and the snapshot's
    one-sentence explanation, which quotes only reportable values. The code is never printed:
    ``title`` ("Gap between the organizations") and ``name`` ("market alignment gap") are the
    plain words of ``partnership.scoring.words``, the same as the pages, CSV and XLSX."""

    severity: str
    rule: str
    subject: str | None
    explanation: str

    def __post_init__(self) -> None:
        _check(self.severity in SEVERITIES, f"severity must be one of {SEVERITIES}")

    @property
    def title(self) -> str:
        return words.rule_title(self.rule)

    @property
    def name(self) -> str:
        return words.signal_name(self.rule, self.subject)


# --- cover and summary ----------------------------------------------------------------------


@dataclass(frozen=True)
class Cover:
    """``as_of``: the brief version's stored time (aware); printed in ``time_zone`` (an IANA
    name, the partnership's). ``previous_as_of``: the last brief's, for "since the last brief"
    (None for the first brief). ``author`` goes into the PDF's metadata."""

    partnership: str
    organizations: tuple[Organization, Organization]
    cycle_label: str
    as_of: dt.datetime
    time_zone: str
    previous_as_of: dt.datetime | None = None
    author: str = "Partnership Pulse"
    confidentiality: str = "Confidential"

    def __post_init__(self) -> None:
        letters = tuple(o.letter for o in self.organizations)
        _check(letters == ORGS, "the cover names organization A, then B")
        _aware(self.as_of, "as_of")
        _aware(self.previous_as_of, "previous_as_of")
        _check(
            self.previous_as_of is None or self.previous_as_of <= self.as_of,
            "the previous brief cannot be later than this one",
        )


@dataclass(frozen=True)
class Participation:
    """Invited and responded are never withheld for a whole organization; R is null when
    nobody was invited (``not_computable``)."""

    org: Organization
    invited: int
    responded: int
    R: Reported[float]

    def __post_init__(self) -> None:
        _check(0 <= self.responded <= self.invited, "responded must be within 0..invited")


@dataclass(frozen=True)
class DecisionRequest:
    """A decision the committee is asked to take at its next meeting (the agenda's
    "decisions requested")."""

    title: str
    detail: str = ""
    requested_by: str | None = None
    trades_off: str | None = None


def _by_severity(signals: Iterable[SignalLine]) -> tuple[SignalLine, ...]:
    # stable: inside one severity the data step's order (headline dimension order) stays
    return tuple(sorted(signals, key=lambda s: SEVERITIES.index(s.severity)))


def _headline_first(dimensions: Iterable[Any], key: Callable[[Any], str]) -> tuple[Any, ...]:
    dims = tuple(dimensions)
    keys = [key(d) for d in dims]
    _check(len(set(keys)) == len(keys), "each dimension appears once")
    order = {k: n for n, k in enumerate(headline_order(keys))}
    return tuple(sorted(dims, key=lambda d: order[key(d)]))


@dataclass(frozen=True)
class Summary:
    """The one-page summary (its dimension table reads ``Brief.scores``). ``signals`` are all
    the cycle's signals, put in print order here: red before amber, the data step's order
    (headline dimensions first) inside each severity."""

    health: str
    health_reason: str
    overall_joint: Reported[float]
    signals: tuple[SignalLine, ...]
    participation: tuple[Participation, Participation]
    decisions_requested: Records[DecisionRequest] = field(default_factory=Records.none_yet)

    def __post_init__(self) -> None:
        _check(self.health in HEALTH_CODES, f"health must be one of {HEALTH_CODES}")
        object.__setattr__(self, "signals", _by_severity(self.signals))
        letters = tuple(p.org.letter for p in self.participation)
        _check(letters == ORGS, "participation lists organization A, then B")

    @property
    def top_signals(self) -> tuple[SignalLine, ...]:
        """The three most severe signals, for the summary page."""
        return self.signals[:3]


def health_reason(
    health: str,
    dimensions: Iterable[DimensionResult],
    signals: Iterable[SignalLine],
    *,
    amber_below: float = 70,
) -> str:
    """Why the partnership has its health, in one sentence naming the rule of scoring.md
    section 6 that set it: the one wording of ``partnership.scoring.words.health_reason``,
    which the results pages, CSV and XLSX use too. ``amber_below`` is the partnership's
    "at least amber when J is below" setting."""
    _check(health in HEALTH_CODES, f"health must be one of {HEALTH_CODES}")
    dimensions = tuple(dimensions)
    labels = {d.label for d in dimensions}
    return words.health_reason(
        health,
        [(s.severity, s.subject if s.subject in labels else None, s.name) for s in signals],
        [(d.label, d.health.value) for d in dimensions],
        amber_below=amber_below,
    )


# --- scores ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scores:
    """The cycle's dimensions as the snapshot scored them: the scoring package's own
    ``DimensionResult`` (S, n, s, rwg, AD and the split of each organization; J, G with its
    95% interval, g, confirmed, census, health), so the brief carries exactly the export's
    values. Put in headline order here."""

    dimensions: tuple[DimensionResult, ...]

    def __post_init__(self) -> None:
        dims = tuple(self.dimensions)
        for d in dims:
            _check(tuple(o.org for o in d.orgs) == ORGS, f"{d.dimension}: organizations A, then B")
            _check(
                d.health.value is None or d.health.value in HEALTH_CODES,
                f"{d.dimension}: health must be one of {HEALTH_CODES}",
            )
        object.__setattr__(
            self, "dimensions", _headline_first(dims, key=lambda d: str(d.dimension))
        )


# --- trends and heatmap ---------------------------------------------------------------------


@dataclass(frozen=True)
class TrendSeries:
    """One dimension across the brief's cycles (oldest first): J and G per cycle."""

    key: str
    label: str
    J: tuple[Reported[float], ...]
    G: tuple[Reported[float], ...]


@dataclass(frozen=True)
class Trends:
    """Up to ``MAX_TREND_CYCLES`` closed cycles of one instrument lineage (``instrument``, its
    name), oldest first, the brief's own cycle last."""

    cycles: tuple[str, ...]
    series: tuple[TrendSeries, ...]
    instrument: str = "Quarterly partnership pulse"

    def __post_init__(self) -> None:
        _check(len(self.cycles) <= MAX_TREND_CYCLES, f"at most {MAX_TREND_CYCLES} cycles")
        for s in self.series:
            _check(
                len(s.J) == len(s.G) == len(self.cycles),
                f"trend {s.key}: one value per cycle",
            )
        object.__setattr__(self, "series", _headline_first(self.series, key=lambda s: s.key))


@dataclass(frozen=True)
class HeatCell:
    S: Reported[float]
    n: Reported[int]
    indicative: bool = False


@dataclass(frozen=True)
class HeatRow:
    org: Organization
    segment: str
    cells: tuple[HeatCell, ...]


@dataclass(frozen=True)
class Heatmap:
    """Scores of each function of each organization (rows) per dimension (``columns``, the
    dimension labels in headline order). Withheld cells (small groups, and the complementary
    cells that protect them) are ``Reported`` with their reason."""

    columns: tuple[str, ...]
    rows: tuple[HeatRow, ...]
    by: str = "function"

    def __post_init__(self) -> None:
        for row in self.rows:
            _check(len(row.cells) == len(self.columns), "one heatmap cell per column")


# --- plan and execution check -----------------------------------------------------------------


@dataclass(frozen=True)
class SignRow:
    """One of the ten plan-and-execution signs: present in each organization (median answer
    "most cycles" or more often), withheld for an organization below the threshold."""

    number: int
    group: str
    text: str
    A: Reported[bool]
    B: Reported[bool]

    def __post_init__(self) -> None:
        _check(1 <= self.number <= 10, "signs are numbered 1..10")


@dataclass(frozen=True)
class PlanCheck:
    """The plan-and-execution early-warning check of the cycle. ``signs`` not recorded: the
    check was not run in this cycle. ``counts``: signs present in A and in B."""

    signs: Records[SignRow] = field(default_factory=Records.none_yet)
    counts: tuple[Reported[int], Reported[int]] = (
        Reported(None, "not_applicable"),
        Reported(None, "not_applicable"),
    )
    respondents: tuple[int, int] = (0, 0)


# --- KPIs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KpiLine:
    """A KPI as the snapshot froze it: this cycle's value and target and the previous cycle's.
    KPIs describe organizations, not people: no privacy threshold applies. ``on_target`` None:
    no value recorded (unknown, never off target)."""

    name: str
    scope: str  # "shared" | "local"
    direction: str  # "higher" | "lower" is better
    unit: str
    value: float | None
    target: float | None
    on_target: bool | None
    prev_value: float | None = None
    prev_target: float | None = None
    on_target_prev: bool | None = None
    organization: Organization | None = None
    function: str | None = None

    def __post_init__(self) -> None:
        _check(self.scope in ("shared", "local"), "KPI scope is shared or local")
        _check(self.direction in ("higher", "lower"), "KPI direction is higher or lower")
        _check(
            self.scope == "shared" or self.organization is not None,
            "a local KPI belongs to an organization",
        )


@dataclass(frozen=True)
class KpiGroup:
    """A shared KPI with the local KPIs linked to it ("local against shared"), and the KPI
    signal it raised, if any. ``shared`` None: local KPIs linked to no shared KPI."""

    shared: KpiLine | None
    local: tuple[KpiLine, ...] = ()
    signal: SignalLine | None = None


# --- governance -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageLine:
    """One stage of the cycle: done, current or not started; ``due`` from the partnership's
    target days; ``note``: what the stage's guard still needs, in words."""

    key: str
    label: str
    state: str
    started_on: dt.date | None = None
    finished_on: dt.date | None = None
    due: dt.date | None = None
    overdue: bool = False
    note: str = ""

    def __post_init__(self) -> None:
        _check(self.state in STAGE_STATES, f"stage state must be one of {STAGE_STATES}")


@dataclass(frozen=True)
class GapProgress:
    """Did the gap an action addresses close? ``at_start``: G of the dimension when the action
    was created; ``latest``: G at the latest closed cycle of the lineage (``latest_cycle``);
    ``closed``: the governance rule's verdict, None while no later cycle has closed."""

    dimension: str
    at_start: Reported[float]
    latest: Reported[float] | None = None
    latest_cycle: str | None = None
    closed: bool | None = None


@dataclass(frozen=True)
class ActionLine:
    """An action item. ``overdue``: open past its due date at the brief's ``as_of``."""

    title: str
    owner: str
    owner_org: Organization | None
    status: str
    due: dt.date | None = None
    done_on: dt.date | None = None
    overdue: bool = False
    issue: str | None = None
    gap: GapProgress | None = None

    def __post_init__(self) -> None:
        _check(self.status in ACTION_STATES, f"action status must be one of {ACTION_STATES}")
        _check(not (self.overdue and self.status == "done"), "a done action is not overdue")


@dataclass(frozen=True)
class EscalationLine:
    """An escalation: the flag of the snapshot (``title``, ``subject``, ``explanation``) and,
    once recorded, where it sits on the escalation path and by when it must be handled."""

    title: str
    subject: str | None
    explanation: str
    status: str = "open"
    level: str | None = None
    owner: str | None = None
    deadline: dt.date | None = None
    overdue: bool = False

    def __post_init__(self) -> None:
        _check(
            self.status in ESCALATION_STATES,
            f"escalation status must be one of {ESCALATION_STATES}",
        )


@dataclass(frozen=True)
class MeetingLine:
    held_on: dt.date
    title: str
    attendees: tuple[str, ...] = ()
    items_discussed: int = 0
    decisions_made: int = 0


@dataclass(frozen=True)
class DecisionLine:
    decided_on: dt.date
    decision: str
    rationale: str = ""
    decided_by: tuple[str, ...] = ()
    trades_off: str | None = None
    linked: tuple[str, ...] = ()


@dataclass(frozen=True)
class LessonLine:
    cycle_label: str
    what_happened: str
    worked: str = ""
    failed: str = ""
    dimension: str | None = None
    tags: tuple[str, ...] = ()


# --- appendix and method -------------------------------------------------------------------


@dataclass(frozen=True)
class SingleItemOrg:
    """One organization's answers to an item reported on its own. ``distribution``: counts
    per option, in option order; ``mean``: 0-100 score (0-10 mean for a likelihood item)."""

    org: Organization
    n: Reported[int]
    distribution: Reported[tuple[int, ...]]
    mean: Reported[float]
    indicative: bool = False


@dataclass(frozen=True)
class SingleItem:
    """The overall item or a 0-10 likelihood item: ``options`` are the answer labels."""

    text: str
    kind: str  # "agreement" | "frequency" | "likelihood"
    options: tuple[str, ...]
    A: SingleItemOrg
    B: SingleItemOrg
    joint_mean: Reported[float]

    def __post_init__(self) -> None:
        for org in (self.A, self.B):
            dist = org.distribution.value
            _check(dist is None or len(dist) == len(self.options), "one count per option")


@dataclass(frozen=True)
class CommentGroup:
    """Comments of one organization in the snapshot's order (a keyed hash, never submission
    order), without the ones a coach hid; withheld below the threshold."""

    org: Organization
    comments: Reported[tuple[str, ...]]


@dataclass(frozen=True)
class Appendix:
    single_items: tuple[SingleItem, ...] = ()
    comments: tuple[CommentGroup, ...] = ()


@dataclass(frozen=True)
class ThresholdLine:
    """A threshold in force: the rule's plain name, what it says, and the value as the coach
    typed it with its unit ("60 %", "12.5 points")."""

    rule: str
    label: str
    value: str


@dataclass(frozen=True)
class InstrumentRun:
    """One survey the brief draws on: instrument, version, close time, snapshot version."""

    instrument: str
    version: int
    closed_at: dt.datetime | None
    snapshot_version: int
    invited: tuple[int, int]
    responded: tuple[int, int]

    def __post_init__(self) -> None:
        _aware(self.closed_at, "closed_at")


@dataclass(frozen=True)
class MethodNote:
    min_group: int
    surveys: tuple[InstrumentRun, ...]
    thresholds: tuple[ThresholdLine, ...]


# --- the brief ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Brief:
    """The whole steering-committee brief of one cycle, in print order."""

    cover: Cover
    summary: Summary
    scores: Scores
    trends: Trends
    heatmap: Heatmap
    plan_check: PlanCheck
    kpis: Records[KpiGroup]
    stages: Records[StageLine]
    actions: Records[ActionLine]
    escalations: Records[EscalationLine]
    meetings: Records[MeetingLine]
    decisions: Records[DecisionLine]
    lessons: Records[LessonLine]
    appendix: Appendix
    method: MethodNote

    @property
    def organizations(self) -> tuple[Organization, Organization]:
        return self.cover.organizations

    @property
    def open_actions(self) -> tuple[ActionLine, ...]:
        """Open and in-progress actions that are not overdue."""
        return tuple(
            a for a in self.actions if a.status in ("open", "in_progress") and not a.overdue
        )

    @property
    def overdue_actions(self) -> tuple[ActionLine, ...]:
        return tuple(a for a in self.actions if a.overdue)

    @property
    def done_actions(self) -> tuple[ActionLine, ...]:
        """Actions done (or dropped, with their status shown) since the last brief; the data
        step passes only the ones closed in that period."""
        return tuple(a for a in self.actions if a.status in ("done", "dropped"))
