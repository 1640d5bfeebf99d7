"""The result of scoring one survey, and its JSON export schema.

Export pattern (public schema, version 1)
-----------------------------------------
Every value that can be withheld is a pair of sibling keys: ``"<key>"`` and
``"<key>_reason"``. When the value is shown, ``<key>`` holds it (floats at full precision)
and ``<key>_reason`` is ``null``; when it is withheld, ``<key>`` is ``null`` and
``<key>_reason`` says why::

    {"S": 64.58333333333333, "S_reason": null}
    {"S": null, "S_reason": "below_threshold"}

Reasons:

- ``below_threshold``: fewer persons behind the value than ``min_group``.
- ``complementary``: hidden to protect another, suppressed, segment of the same breakdown.
- ``survey_open``: the survey is still open; only participation is shown.
- ``not_computable``: the statistic does not exist for these data (s of one person, g with
  no spread, rwg under 5 persons, participation with nobody invited, an empty histogram).
- ``not_applicable``: the instrument has nothing to compute it from (no early-warning signs).

Values that are never withheld (names; invitee and respondent counts of an organization;
invitee counts of a segment, which the coach set; ``indicative`` flags; signals) have no
``_reason`` sibling. A withheld breakdown cell withholds its ``n`` too. Top-level keys::

    schema_version, state ("open" | "closed"), settings {min_group, thresholds...},
    organizations {A|B: {name, invited, responded, R, overall, sign_count, signs, comments}},
    overall_joint, dimensions [{dimension, label, headline, points, item_count, J, G, g,
      ci_low, ci_high, confirmed, census, health, organizations {A|B: {n, S, s, favorable,
      neutral, unfavorable, rwg, AD, indicative}}}],
    breakdowns {function: [cell], level: [cell]}, leadership_operations [...],
    participation {function: [...], level: [...]}, items [...], signals [...],
    escalations [...], health,
    kpis [{id, name, scope, organization, function, unit, direction, value, target,
      on_target, value_prev, target_prev, on_target_prev, linked_to, linked_local_ids}]

``kpis`` freezes the KPI values of the survey's cycle (and of the cycle before it) as they
stood when the snapshot was taken, each with the target recorded beside it; a value that was
not recorded is null, and so is its verdict (unknown, never off target). KPI values describe
the organizations, not persons: no privacy threshold applies, so they carry no ``_reason``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Generic, TypeVar

from partnership.scoring.model import KpiStatus, Settings
from partnership.scoring.signals import Escalation, Signal

SCHEMA_VERSION = 1
T = TypeVar("T")


@dataclass(frozen=True)
class Reported(Generic[T]):
    """A value that is either shown (``reason`` None) or withheld (``value`` None + reason)."""

    value: T | None
    reason: str | None = None

    def __post_init__(self) -> None:
        if (self.value is None) == (self.reason is None):
            raise ValueError("a Reported value is either shown, or null with a reason")

    @property
    def shown(self) -> bool:
        return self.value is not None

    @classmethod
    def of(cls, value: T | None, reason_if_missing: str) -> Reported[T]:
        return cls(value, None) if value is not None else cls(None, reason_if_missing)

    @classmethod
    def hidden(cls, reason: str) -> Reported[T]:
        return cls(None, reason)


def _json(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_json(v) for v in value]
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, Mapping):
        return {str(k): _json(v) for k, v in value.items()}
    return value


def _pairs(**values: Reported[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, rep in values.items():
        out[key] = _json(rep.value)
        out[f"{key}_reason"] = rep.reason
    return out


@dataclass(frozen=True)
class OrgDimensionResult:
    org: str
    n: Reported[int]
    S: Reported[float]
    s: Reported[float]
    favorable: Reported[float]
    neutral: Reported[float]
    unfavorable: Reported[float]
    rwg: Reported[float]
    AD: Reported[float]
    indicative: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            **_pairs(
                n=self.n,
                S=self.S,
                s=self.s,
                favorable=self.favorable,
                neutral=self.neutral,
                unfavorable=self.unfavorable,
                rwg=self.rwg,
                AD=self.AD,
            ),
            "indicative": self.indicative,
        }


@dataclass(frozen=True)
class DimensionResult:
    dimension: str
    label: str
    headline: bool
    points: int | None  # answer options A of the dimension's items; None without items
    item_count: int
    orgs: tuple[OrgDimensionResult, ...]  # A, then B
    J: Reported[float]
    G: Reported[float]
    g: Reported[float]
    ci_low: Reported[float]
    ci_high: Reported[float]
    confirmed: Reported[bool]
    census: Reported[bool]
    health: Reported[str]

    def org(self, org: str) -> OrgDimensionResult:
        return next(o for o in self.orgs if o.org == org)

    def to_dict(self) -> dict[str, Any]:
        return {
            "dimension": self.dimension,
            "label": self.label,
            "headline": self.headline,
            "points": self.points,
            "item_count": self.item_count,
            **_pairs(
                J=self.J,
                G=self.G,
                g=self.g,
                ci_low=self.ci_low,
                ci_high=self.ci_high,
                confirmed=self.confirmed,
                census=self.census,
                health=self.health,
            ),
            "organizations": {o.org: o.to_dict() for o in self.orgs},
        }


@dataclass(frozen=True)
class BreakdownCell:
    """One segment (a function or a level) of one organization in one dimension."""

    by: str  # "function" | "level"
    dimension: str
    org: str
    segment: str
    n: Reported[int]
    S: Reported[float]
    indicative: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "dimension": self.dimension,
            "org": self.org,
            self.by: self.segment,
            **_pairs(n=self.n, S=self.S),
            "indicative": self.indicative,
        }


@dataclass(frozen=True)
class LeadershipOperations:
    """Executives against individual contributors of one organization in one dimension."""

    dimension: str
    org: str
    executive: Reported[float]
    individual: Reported[float]
    difference: Reported[float]  # executive - individual

    def to_dict(self) -> dict[str, Any]:
        return {
            "dimension": self.dimension,
            "org": self.org,
            **_pairs(
                executive=self.executive, individual=self.individual, difference=self.difference
            ),
        }


@dataclass(frozen=True)
class ParticipationCell:
    by: str  # "function" | "level"
    org: str
    segment: str
    invited: int
    responded: Reported[int]
    R: Reported[float]
    indicative: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "org": self.org,
            self.by: self.segment,
            "invited": self.invited,
            **_pairs(responded=self.responded, R=self.R),
            "indicative": self.indicative,
        }


@dataclass(frozen=True)
class SignResult:
    sign: int
    item_id: str
    median: float | None  # None: nobody of the organization answered the item
    present: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class CommentOut:
    id: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class OrgResult:
    org: str
    name: str
    invited: int
    responded: int
    R: Reported[float]
    overall: Reported[float]  # mean of the organization's reportable dimension scores
    sign_count: Reported[int]
    signs: Reported[tuple[SignResult, ...]]
    comments: Reported[tuple[CommentOut, ...]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "invited": self.invited,
            "responded": self.responded,
            **_pairs(
                R=self.R,
                overall=self.overall,
                sign_count=self.sign_count,
                signs=self.signs,
                comments=self.comments,
            ),
        }


@dataclass(frozen=True)
class ItemOrgResult:
    org: str
    n: Reported[int]
    distribution: Reported[tuple[int, ...]]  # counts of raw answers from scale_min up
    mean: Reported[float]  # 0..100 score after direction; raw 0..10 mean for likelihood
    indicative: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            **_pairs(n=self.n, distribution=self.distribution, mean=self.mean),
            "indicative": self.indicative,
        }


@dataclass(frozen=True)
class ItemResult:
    """An item reported on its own: the overall item, a likelihood item."""

    item_id: str
    kind: str
    points: int
    scale_min: int
    orgs: tuple[ItemOrgResult, ...]
    joint_mean: Reported[float]  # organizations equally weighted, as J

    def org(self, org: str) -> ItemOrgResult:
        return next(o for o in self.orgs if o.org == org)

    def to_dict(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "kind": self.kind,
            "points": self.points,
            "scale_min": self.scale_min,
            "organizations": {o.org: o.to_dict() for o in self.orgs},
            **_pairs(joint_mean=self.joint_mean),
        }


def _signal_dict(s: Signal) -> dict[str, Any]:
    return {
        "rule": s.rule,
        "severity": s.severity,
        "dimension": s.dimension,
        "kpi_id": s.kpi_id,
        "explanation": s.explanation,
    }


def _escalation_dict(e: Escalation) -> dict[str, Any]:
    return {
        "kind": e.kind,
        "rule": e.rule,
        "dimension": e.dimension,
        "kpi_id": e.kpi_id,
        "explanation": e.explanation,
    }


def _kpi_dict(k: KpiStatus) -> dict[str, Any]:
    return {
        "id": k.kpi_id,
        "name": k.name,
        "scope": k.scope,
        "organization": k.organization,
        "function": k.function,
        "unit": k.unit,
        "direction": k.direction,
        "value": k.value,
        "target": k.target,
        "on_target": k.on_target_now,
        "value_prev": k.prev_value,
        "target_prev": k.prev_target,
        "on_target_prev": k.on_target_prev,
        "linked_to": k.linked_to,
        "linked_local_ids": list(k.linked_local_ids),
    }


@dataclass(frozen=True)
class SurveyResult:
    state: str  # "open" | "closed"
    settings: Settings
    organizations: tuple[OrgResult, ...]
    dimensions: tuple[DimensionResult, ...]  # headline order
    overall_joint: Reported[float]  # mean of the shown J values
    by_function: tuple[BreakdownCell, ...]  # = the org x function heatmap
    by_level: tuple[BreakdownCell, ...]
    leadership_operations: tuple[LeadershipOperations, ...]
    participation_by_function: tuple[ParticipationCell, ...]
    participation_by_level: tuple[ParticipationCell, ...]
    items: tuple[ItemResult, ...]
    signals: tuple[Signal, ...]
    escalations: tuple[Escalation, ...]
    health: Reported[str]
    kpis: tuple[KpiStatus, ...] = ()  # the cycle's KPIs, as the KPI rule judged them

    @property
    def min_group(self) -> int:
        return self.settings.min_group

    def org(self, org: str) -> OrgResult:
        return next(o for o in self.organizations if o.org == org)

    def dimension(self, key: str) -> DimensionResult:
        return next(d for d in self.dimensions if d.dimension == key)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (see the module docstring); floats at full precision."""
        return {
            "schema_version": SCHEMA_VERSION,
            "state": self.state,
            "settings": asdict(self.settings),
            "organizations": {o.org: o.to_dict() for o in self.organizations},
            **_pairs(overall_joint=self.overall_joint),
            "dimensions": [d.to_dict() for d in self.dimensions],
            "breakdowns": {
                "function": [c.to_dict() for c in self.by_function],
                "level": [c.to_dict() for c in self.by_level],
            },
            "leadership_operations": [x.to_dict() for x in self.leadership_operations],
            "participation": {
                "function": [c.to_dict() for c in self.participation_by_function],
                "level": [c.to_dict() for c in self.participation_by_level],
            },
            "items": [i.to_dict() for i in self.items],
            "signals": [_signal_dict(s) for s in self.signals],
            "escalations": [_escalation_dict(e) for e in self.escalations],
            **_pairs(health=self.health),
            "kpis": [_kpi_dict(k) for k in self.kpis],
        }
