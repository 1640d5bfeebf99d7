"""What the results pages show, built from a stored snapshot (``SurveyResult.to_dict()``).

Pure functions: no Flask, no database, so the PDF brief can reuse them. The snapshot is the
only source: nothing here recomputes a statistic from answers. Two rules hold throughout:

- Every number is formatted by ``partnership.scoring.format`` (the one display formatter).
- A value the snapshot withholds (``null`` with a ``*_reason``) is never shown: it becomes an
  en dash that carries the reason in words.

A snapshot that does not have the expected shape (an empty dict, a future schema) raises
``MalformedResult``; pages then say that no results are stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from partnership.instruments.catalog import option_labels
from partnership.partnerships.levels import LEVEL_GROUP_LABELS
from partnership.results.chart_rows import GapRow, SplitRow
from partnership.scoring import words
from partnership.scoring.format import NA, fmt_number, fmt_pct, fmt_score, fmt_stat
from partnership.scoring.model import KPI_DIRECTION_LABELS, headline_order

ORGS = ("A", "B")

REASONS = {
    "below_threshold": "withheld: fewer than {min_group} people",
    "complementary": "withheld so that a smaller withheld group cannot be worked out",
    "survey_open": "shown when the survey closes",
    "not_computable": "cannot be computed from these answers",
    "not_applicable": "does not apply to this instrument",
}

# css class of each health; the words come from partnership.scoring.words (one wording)
HEALTH_CSS = {"green": "green", "amber": "amber", "red": "red", "not_enough_data": "grey"}


class MalformedResult(ValueError):
    """The stored snapshot does not have the shape of a scoring result."""


# --- values -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    """One displayed value: its text, or an en dash with the reason it is not shown."""

    text: str
    shown: bool
    reason: str | None = None
    indicative: bool = False
    note: str | None = None  # e.g. the number of people behind a shown breakdown cell

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Badge:
    css: str
    label: str


def _number(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MalformedResult(f"not a number: {value!r}")
    return float(value)


def reason_text(code: str | None, min_group: int) -> str:
    """Why a value is withheld, in the pages' words: "withheld: fewer than 5 people"."""
    if code is None:
        return "not available"
    return REASONS.get(code, code.replace("_", " ")).format(min_group=min_group)


class _Reader:
    """Reads values and their reasons out of a snapshot dict, with the page's wording."""

    def __init__(self, data: Mapping[str, Any], *, scores: bool = True) -> None:
        # Participation alone is readable from any dict with organizations (open surveys).
        if scores and not is_result(data):
            raise MalformedResult("not a scoring result")
        if not isinstance(data, Mapping):
            raise MalformedResult("not a mapping")
        self.data = data
        settings = data.get("settings") or {}
        self.min_group = int(settings.get("min_group", 5))

    def reason(self, code: str | None) -> str:
        return reason_text(code, self.min_group)

    def value(
        self,
        obj: Mapping[str, Any],
        key: str,
        fmt: Callable[[float | None], str] = fmt_score,
        *,
        indicative: bool = False,
    ) -> Value:
        raw = _number(obj.get(key))
        if raw is None:
            return Value(NA, False, self.reason(obj.get(f"{key}_reason")))
        return Value(fmt(raw), True, None, indicative)

    def count(self, obj: Mapping[str, Any], key: str, *, indicative: bool = False) -> Value:
        raw = obj.get(key)
        if raw is None:
            return Value(NA, False, self.reason(obj.get(f"{key}_reason")))
        return Value(str(int(raw)), True, None, indicative)


def is_result(data: Any) -> bool:
    """True when ``data`` has the shape of ``SurveyResult.to_dict()``."""
    if not isinstance(data, Mapping):
        return False
    orgs = data.get("organizations")
    dims = data.get("dimensions")
    return (
        isinstance(orgs, Mapping)
        and all(isinstance(orgs.get(o), Mapping) for o in ORGS)
        and isinstance(dims, list)
        and all(isinstance(d, Mapping) and "dimension" in d for d in dims)
    )


def health_badge(code: str | None) -> Badge | None:
    if code is None:
        return None
    return Badge(HEALTH_CSS.get(code, "grey"), words.health_word(code))


def _signed_score(x: float | None) -> str:
    return fmt_score(x, signed=True)


def _signed_stat(x: float | None) -> str:
    return fmt_stat(x, signed=True)


def _label(dim: Mapping[str, Any]) -> str:
    return str(dim.get("label") or str(dim["dimension"]).replace("_", " ").capitalize())


# --- rows ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrgSummary:
    letter: str
    name: str
    invited: int
    responded: int
    R: Value
    overall: Value


@dataclass(frozen=True)
class DimensionRow:
    key: str
    label: str
    headline: bool
    health: Badge | None
    S: dict[str, Value]
    n: dict[str, Value]
    J: Value
    G: Value
    interval: Value
    g: Value
    verdict: str
    verdict_css: str


@dataclass(frozen=True)
class SplitView:
    dimension: str
    org: str
    org_name: str
    favorable: Value
    neutral: Value
    unfavorable: Value


@dataclass(frozen=True)
class AgreementRow:
    dimension: str
    org: str
    org_name: str
    n: Value
    s: Value
    rwg: Value
    AD: Value
    ad_cutoff: str
    reading: str


@dataclass(frozen=True)
class BreakdownTable:
    by: str
    columns: list[str]
    rows: list[tuple[str, str, list[Value]]]  # (org name, segment label, cells per column)
    raw: list[list[float | None]]  # the shown scores at full precision, None where withheld
    any_withheld: bool
    any_indicative: bool


@dataclass(frozen=True)
class LeadershipRow:
    dimension: str
    org_name: str
    executive: Value
    individual: Value
    difference: Value


@dataclass(frozen=True)
class ParticipationRow:
    org_name: str
    segment: str
    invited: int
    responded: Value
    R: Value


@dataclass(frozen=True)
class ItemOrgView:
    org_name: str
    n: Value
    counts: list[str] | None
    mean: Value


@dataclass(frozen=True)
class ItemView:
    item_id: str
    text: str
    kind: str
    options: list[str]
    mean_label: str
    orgs: list[ItemOrgView]
    joint_mean: Value


@dataclass(frozen=True)
class SignalView:
    rule: str  # the code, for anchors and tests; never shown (decisions.md)
    rule_label: str  # its plain title: "Gap between the organizations"
    severity: Badge
    dimension: str | None  # what it is about: a dimension's label, a KPI's name, or None
    explanation: str
    name: str = ""  # a few words for lists: "market alignment gap"


@dataclass(frozen=True)
class EscalationView:
    kind: str
    kind_label: str
    dimension: str | None
    explanation: str


@dataclass(frozen=True)
class KpiView:
    """One KPI of the survey's cycle as the snapshot froze it; ``on_target`` None means no
    value was recorded (unknown, never off target)."""

    name: str
    kind: str  # "Shared", or "Local · <organization>[ · <function>]"
    direction: str
    value: str
    target: str
    on_target: bool | None
    previous: str  # the previous cycle's value against its target, or "not recorded"
    on_target_prev: bool | None
    linked: bool  # a local KPI listed under the shared KPI it serves


@dataclass(frozen=True)
class CommentGroup:
    org: str
    org_name: str
    shown: bool
    reason: str
    comments: list[tuple[str, str]] = field(default_factory=list)  # (id, text)


# --- builders -----------------------------------------------------------------------------


def org_names(data: Mapping[str, Any]) -> dict[str, str]:
    orgs = data.get("organizations") or {}
    return {o: str((orgs.get(o) or {}).get("name") or f"Organization {o}") for o in ORGS}


def participation_summary(data: Mapping[str, Any]) -> list[OrgSummary]:
    """Invited, responded and participation per organization (shown while open too)."""
    orgs = data.get("organizations")
    if not isinstance(orgs, Mapping):
        raise MalformedResult("no organizations")
    reader = _Reader(data, scores=False)
    out = []
    for o in ORGS:
        org = orgs.get(o)
        if not isinstance(org, Mapping):
            raise MalformedResult(f"no organization {o}")
        out.append(
            OrgSummary(
                letter=o,
                name=str(org.get("name") or f"Organization {o}"),
                invited=int(org.get("invited") or 0),
                responded=int(org.get("responded") or 0),
                R=reader.value(org, "R", fmt_pct),
                overall=reader.value(org, "overall"),
            )
        )
    return out


def _verdict(dim: Mapping[str, Any]) -> tuple[str, str]:
    if dim.get("census") is True:
        return "census", "census"
    if dim.get("confirmed") is True:
        return "confirmed", "confirmed"
    if dim.get("confirmed") is False:
        return "not confirmed", "not-confirmed"
    return NA, "withheld"


def dimension_rows(data: Mapping[str, Any]) -> list[DimensionRow]:
    """Per dimension, headline three first: health, S of each org, J, G, interval, g."""
    r = _Reader(data)
    rows = []
    for dim in data["dimensions"]:
        orgs = dim.get("organizations") or {}
        S, n = {}, {}
        for o in ORGS:
            od = orgs.get(o) or {}
            S[o] = r.value(od, "S", indicative=bool(od.get("indicative")))
            n[o] = r.count(od, "n")
        lo, hi = _number(dim.get("ci_low")), _number(dim.get("ci_high"))
        if lo is not None and hi is not None:
            interval = Value(f"{_signed_score(lo)} to {_signed_score(hi)}", True)
        else:
            interval = Value(NA, False, r.reason(dim.get("ci_low_reason")))
        verdict, css = _verdict(dim)
        rows.append(
            DimensionRow(
                key=str(dim["dimension"]),
                label=_label(dim),
                headline=bool(dim.get("headline")),
                health=health_badge(dim.get("health")),
                S=S,
                n=n,
                J=r.value(dim, "J"),
                G=r.value(dim, "G", _signed_score),
                interval=interval,
                g=r.value(dim, "g", _signed_stat),
                verdict=verdict,
                verdict_css=css,
            )
        )
    return rows


def radar_input(
    data: Mapping[str, Any],
) -> tuple[list[str], list[float | None], list[float | None]]:
    """Dimension labels and the S of each organization (None where withheld)."""
    _Reader(data)
    labels, a, b = [], [], []
    for dim in data["dimensions"]:
        orgs = dim.get("organizations") or {}
        labels.append(_label(dim))
        a.append(_number((orgs.get("A") or {}).get("S")))
        b.append(_number((orgs.get("B") or {}).get("S")))
    return labels, a, b


def gap_rows(data: Mapping[str, Any]) -> list[GapRow]:
    _Reader(data)
    return [
        GapRow(
            label=_label(dim),
            gap=_number(dim.get("G")),
            low=_number(dim.get("ci_low")),
            high=_number(dim.get("ci_high")),
            confirmed=dim.get("confirmed"),
            census=dim.get("census"),
        )
        for dim in data["dimensions"]
    ]


def split_rows(data: Mapping[str, Any]) -> tuple[list[SplitView], list[SplitRow]]:
    """Favorable, neutral and unfavorable shares per dimension and organization."""
    r = _Reader(data)
    names = org_names(data)
    views, chart_rows = [], []
    for dim in data["dimensions"]:
        for o in ORGS:
            od = (dim.get("organizations") or {}).get(o) or {}
            views.append(
                SplitView(
                    _label(dim),
                    o,
                    names[o],
                    r.value(od, "favorable", fmt_pct),
                    r.value(od, "neutral", fmt_pct),
                    r.value(od, "unfavorable", fmt_pct),
                )
            )
            chart_rows.append(
                SplitRow(
                    _label(dim),
                    o,
                    names[o],
                    _number(od.get("favorable")),
                    _number(od.get("neutral")),
                    _number(od.get("unfavorable")),
                )
            )
    return views, chart_rows


def _agreement_reading(rwg: float | None, ad: float | None, points: int | None) -> str:
    if rwg is None and ad is None:
        return ""
    weak = (rwg is not None and rwg < 0.5) or (
        ad is not None and points is not None and ad > points / 6
    )
    if weak:
        return "weak: views differ"
    if rwg is not None and rwg >= 0.7:
        return "strong"
    return "moderate"


def agreement_rows(data: Mapping[str, Any]) -> list[AgreementRow]:
    """rwg and AD per dimension and organization, with a plain-language reading."""
    r = _Reader(data)
    names = org_names(data)
    rows = []
    for dim in data["dimensions"]:
        points = dim.get("points")
        cutoff = fmt_stat(points / 6) if isinstance(points, int) and points > 0 else NA
        for o in ORGS:
            od = (dim.get("organizations") or {}).get(o) or {}
            rows.append(
                AgreementRow(
                    dimension=_label(dim),
                    org=o,
                    org_name=names[o],
                    n=r.count(od, "n"),
                    s=r.value(od, "s"),
                    rwg=r.value(od, "rwg", fmt_stat),
                    AD=r.value(od, "AD", fmt_stat),
                    ad_cutoff=cutoff,
                    reading=_agreement_reading(
                        _number(od.get("rwg")),
                        _number(od.get("AD")),
                        points if isinstance(points, int) else None,
                    ),
                )
            )
    return rows


def _segment_label(by: str, name: str) -> str:
    if by == "level":
        return LEVEL_GROUP_LABELS.get(name, name.capitalize())
    return name.capitalize()


def breakdown_table(data: Mapping[str, Any], by: str) -> BreakdownTable:
    """Scores of each function (or level) of each organization, one column per dimension."""
    r = _Reader(data)
    names = org_names(data)
    dims = [(str(d["dimension"]), _label(d)) for d in data["dimensions"]]
    cells = (data.get("breakdowns") or {}).get(by) or []
    keys: list[tuple[str, str]] = []
    found: dict[tuple[str, str, str], Mapping[str, Any]] = {}
    for cell in cells:
        key = (str(cell["org"]), str(cell[by]))
        if key not in keys:
            keys.append(key)
        found[(key[0], key[1], str(cell["dimension"]))] = cell
    keys.sort(key=lambda k: ORGS.index(k[0]) if k[0] in ORGS else 9)
    rows, raw, withheld, indicative = [], [], False, False
    for org, segment in keys:
        values, numbers = [], []
        for dim_key, _ in dims:
            cell = found.get((org, segment, dim_key))
            numbers.append(_number(cell.get("S")) if cell is not None else None)
            if cell is None:
                values.append(Value(NA, False, "no answers"))
                continue
            v = r.value(cell, "S", indicative=bool(cell.get("indicative")))
            if v.shown and cell.get("n") is not None:
                v = Value(v.text, True, None, v.indicative, note=f"n = {int(cell['n'])}")
            withheld = withheld or not v.shown
            indicative = indicative or v.indicative
            values.append(v)
        rows.append((names.get(org, org), _segment_label(by, segment), values))
        raw.append(numbers)
    return BreakdownTable(by, [label for _, label in dims], rows, raw, withheld, indicative)


def heatmap_input(table: BreakdownTable) -> tuple[list[str], list[str], list[list[float | None]]]:
    """Rows "organization · function", dimension columns and the shown values of a table."""
    rows = [f"{org} · {segment}" for org, segment, _ in table.rows]
    return rows, table.columns, [list(r) for r in table.raw]


def leadership_rows(data: Mapping[str, Any]) -> list[LeadershipRow]:
    """Executives against individual contributors, per dimension and organization."""
    r = _Reader(data)
    names = org_names(data)
    labels = {str(d["dimension"]): _label(d) for d in data["dimensions"]}
    return [
        LeadershipRow(
            dimension=labels.get(str(x["dimension"]), str(x["dimension"])),
            org_name=names.get(str(x["org"]), str(x["org"])),
            executive=r.value(x, "executive"),
            individual=r.value(x, "individual"),
            difference=r.value(x, "difference", _signed_score),
        )
        for x in data.get("leadership_operations") or []
    ]


def participation_rows(data: Mapping[str, Any], by: str) -> list[ParticipationRow]:
    """Participation of each function (or level) of each organization."""
    reader = _Reader(data, scores=False)
    names = org_names(data)
    cells = (data.get("participation") or {}).get(by) or []
    rows = [
        ParticipationRow(
            org_name=names.get(str(c["org"]), str(c["org"])),
            segment=_segment_label(by, str(c[by])),
            invited=int(c.get("invited") or 0),
            responded=reader.count(c, "responded", indicative=bool(c.get("indicative"))),
            R=reader.value(c, "R", fmt_pct, indicative=bool(c.get("indicative"))),
        )
        for c in cells
    ]
    return rows


def item_views(data: Mapping[str, Any], texts: Mapping[str, str] | None = None) -> list[ItemView]:
    """The items reported on their own (overall item, 0-10 items): distribution and mean."""
    r = _Reader(data)
    names = org_names(data)
    texts = texts or {}
    out = []
    for item in data.get("items") or []:
        kind = str(item.get("kind"))
        scale_min, points = int(item.get("scale_min", 1)), int(item.get("points", 5))
        if kind == "agreement" and points == 5:
            options = list(option_labels("agreement", short=True))
        elif kind == "frequency" and points == 4:
            options = list(option_labels("frequency", short=True))
        else:
            options = [str(scale_min + k) for k in range(points)]
        orgs = []
        for o in ORGS:
            od = (item.get("organizations") or {}).get(o) or {}
            dist = od.get("distribution")
            indicative = bool(od.get("indicative"))
            orgs.append(
                ItemOrgView(
                    org_name=names[o],
                    n=r.count(od, "n", indicative=indicative),
                    counts=[str(int(c)) for c in dist] if isinstance(dist, list) else None,
                    mean=r.value(
                        od,
                        "mean",
                        fmt_score,
                        indicative=indicative,
                    ),
                )
            )
        out.append(
            ItemView(
                item_id=str(item.get("item_id")),
                text=texts.get(str(item.get("item_id")), str(item.get("item_id"))),
                kind=kind,
                options=options,
                mean_label="Mean (0-10)" if kind == "likelihood" else "Score (0-100)",
                orgs=orgs,
                joint_mean=r.value(item, "joint_mean"),
            )
        )
    return out


_SEVERITY_RANK = {"red": 0, "amber": 1}


def signal_views(data: Mapping[str, Any]) -> list[SignalView]:
    """Signals, most severe first, then in dimension (headline) order."""
    _Reader(data)
    labels = {str(d["dimension"]): _label(d) for d in data["dimensions"]}
    order = {key: k for k, key in enumerate(labels)}
    signals = list(data.get("signals") or [])
    signals.sort(
        key=lambda s: (
            _SEVERITY_RANK.get(s.get("severity"), 2),
            order.get(s.get("dimension"), len(order)),
        )
    )
    out = []
    for s in signals:
        severity = str(s.get("severity"))
        subject = signal_subject(data, s, labels)
        out.append(
            SignalView(
                rule=str(s.get("rule")),
                rule_label=words.rule_title(str(s.get("rule"))),
                severity=Badge(severity if severity in ("red", "amber") else "grey", severity),
                dimension=subject,
                explanation=str(s.get("explanation") or ""),
                name=words.signal_name(str(s.get("rule")), subject),
            )
        )
    return out


def health_reason(data: Mapping[str, Any]) -> str | None:
    """Why the survey's partnership health is what it is, in the one wording of
    ``partnership.scoring.words`` (the brief says the same): "Red: 2 red signals (...)"."""
    _Reader(data)
    code = data.get("health")
    if not isinstance(code, str):
        return None
    labels = {str(d["dimension"]): _label(d) for d in data["dimensions"]}
    signals = [
        (
            str(s.get("severity")),
            labels.get(str(s.get("dimension"))) if s.get("dimension") else None,
            words.signal_name(str(s.get("rule")), signal_subject(data, s, labels)),
        )
        for s in data.get("signals") or []
    ]
    dimensions = [(_label(d), d.get("health")) for d in data["dimensions"]]
    amber_below = _number((data.get("settings") or {}).get("health_amber_j"))
    return words.health_reason(
        code, signals, dimensions, amber_below=70 if amber_below is None else amber_below
    )


def signal_subject(
    data: Mapping[str, Any], signal: Mapping[str, Any], labels: Mapping[str, str]
) -> str | None:
    """What a signal or escalation of the result ``data`` is about: its dimension's label
    (``labels`` by dimension key), its KPI's name as the snapshot froze it, or None
    (partnership-wide)."""
    dim = signal.get("dimension")
    if dim:
        return labels.get(dim, dim)
    kpi_id = signal.get("kpi_id")
    if kpi_id is None:
        return None
    kpis = data.get("kpis")
    names = {
        str(k.get("id")): str(k.get("name"))
        for k in (kpis if isinstance(kpis, list) else [])
        if isinstance(k, Mapping)
    }
    return names.get(str(kpi_id), f"KPI {kpi_id}")


def escalation_text(
    data: Mapping[str, Any], escalation: Mapping[str, Any], labels: Mapping[str, str]
) -> str:
    """An escalation flag in plain words, rebuilt from its rule, dimension or KPI (so that a
    snapshot frozen before the wording changed reads the same as a new one)."""
    kind = str(escalation.get("kind"))
    subject = signal_subject(data, escalation, labels)
    if kind == "repeated_red" and escalation.get("rule"):
        return words.repeated_red_text(words.signal_name(str(escalation["rule"]), subject))
    if kind == "multiple_amber" and escalation.get("dimension"):
        dim = escalation["dimension"]
        rules = [
            str(s.get("rule"))
            for s in data.get("signals") or []
            if s.get("severity") == "amber" and s.get("dimension") == dim
        ]
        if len(rules) >= 2:
            return words.multiple_amber_text(subject or str(dim), rules)
    return str(escalation.get("explanation") or "")


def escalation_views(data: Mapping[str, Any]) -> list[EscalationView]:
    _Reader(data)
    labels = {str(d["dimension"]): _label(d) for d in data["dimensions"]}
    return [
        EscalationView(
            kind=str(e.get("kind")),
            kind_label=words.escalation_title(str(e.get("kind"))),
            dimension=signal_subject(data, e, labels),
            explanation=escalation_text(data, e, labels),
        )
        for e in data.get("escalations") or []
    ]


def _verdict_or_none(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise MalformedResult(f"not a verdict: {value!r}")


def kpi_views(data: Mapping[str, Any]) -> list[KpiView]:
    """The KPI values the snapshot froze, in its order (each shared KPI followed by the local
    KPIs linked to it). A snapshot frozen before KPIs were tracked has none."""
    names = org_names(data)
    kpis = data.get("kpis") or []
    if not isinstance(kpis, list) or not all(isinstance(k, Mapping) for k in kpis):
        raise MalformedResult("kpis is not a list of KPIs")
    ids = {str(k.get("id")) for k in kpis}
    out = []
    for k in kpis:
        unit = str(k.get("unit") or "")
        value, target = _number(k.get("value")), _number(k.get("target"))
        prev, prev_target = _number(k.get("value_prev")), _number(k.get("target_prev"))
        if k.get("scope") == "local":
            kind = " · ".join(
                ["Local", names.get(str(k.get("organization")), "?")]
                + ([str(k["function"]).capitalize()] if k.get("function") else [])
            )
        else:
            kind = "Shared"
        out.append(
            KpiView(
                name=str(k.get("name")),
                kind=kind,
                direction=KPI_DIRECTION_LABELS.get(str(k.get("direction")), ""),
                value=fmt_number(value, unit),
                target=fmt_number(target, unit),
                on_target=_verdict_or_none(k.get("on_target")),
                previous=(
                    f"{fmt_number(prev, unit)} against {fmt_number(prev_target, unit)}"
                    if prev is not None
                    else "not recorded"
                ),
                on_target_prev=_verdict_or_none(k.get("on_target_prev")),
                linked=k.get("linked_to") is not None and str(k.get("linked_to")) in ids,
            )
        )
    return out


def comment_groups(data: Mapping[str, Any], hidden_ids: Iterable[str] = ()) -> list[CommentGroup]:
    """Comments per organization in the snapshot's order, without the ones a coach hid."""
    r = _Reader(data)
    hidden = {str(h) for h in hidden_ids}
    names = org_names(data)
    out = []
    for o in ORGS:
        org = data["organizations"][o]
        comments = org.get("comments")
        if not isinstance(comments, list):
            out.append(CommentGroup(o, names[o], False, r.reason(org.get("comments_reason"))))
            continue
        kept = [(str(c["id"]), str(c["text"])) for c in comments if str(c.get("id")) not in hidden]
        out.append(CommentGroup(o, names[o], True, "", kept))
    return out


def headline(data: Mapping[str, Any]) -> dict[str, Any]:
    """The partnership health, the overall joint score and participation of one survey."""
    r = _Reader(data)
    return {
        "health": health_badge(data.get("health")),
        "health_reason": health_reason(data),
        "overall_joint": r.value(data, "overall_joint"),
        "orgs": participation_summary(data),
        "min_group": r.min_group,
    }


def survey_page(
    data: Mapping[str, Any],
    *,
    hidden_comment_ids: Iterable[str] = (),
    item_texts: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Everything the results page of a closed survey shows, as display rows."""
    splits, split_chart_rows = split_rows(data)
    by_function = breakdown_table(data, "function")
    return {
        **headline(data),
        "names": org_names(data),
        "dimensions": dimension_rows(data),
        "radar": radar_input(data),
        "gap_rows": gap_rows(data),
        "splits": splits,
        "split_chart_rows": split_chart_rows,
        "agreement": agreement_rows(data),
        "by_function": by_function,
        "by_level": breakdown_table(data, "level"),
        "heatmap": heatmap_input(by_function),
        "leadership": leadership_rows(data),
        "participation_function": participation_rows(data, "function"),
        "participation_level": participation_rows(data, "level"),
        "items": item_views(data, item_texts),
        "signals": signal_views(data),
        "escalations": escalation_views(data),
        "kpis": kpi_views(data),
        "comments": comment_groups(data, hidden_comment_ids),
    }


def overview_card(data: Mapping[str, Any], *, max_signals: int = 5) -> dict[str, Any]:
    """The latest closed survey of a lineage, as the partnership overview shows it."""
    signals = signal_views(data)
    return {
        **headline(data),
        "dimensions": dimension_rows(data),
        "signal_counts": {
            severity: sum(1 for s in signals if s.severity.css == severity)
            for severity in ("red", "amber")
        },
        "signals": signals[:max_signals],
        "more_signals": max(len(signals) - max_signals, 0),
        "escalations": escalation_views(data),
        "kpis": kpi_views(data),
    }


# --- trends -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendView:
    labels: list[str]
    dimensions: list[tuple[str, str]]  # (key, label), headline first
    J: dict[str, list[float | None]]  # by dimension label, for the chart
    G: dict[str, list[float | None]]
    table: list[tuple[str, list[tuple[Value, Value]]]]  # per label: (J, G) per dimension


def trend_view(points: Sequence[tuple[str, Mapping[str, Any]]]) -> TrendView:
    """J and G per dimension across closed surveys of one lineage (oldest first).

    A survey whose snapshot is unreadable contributes its label with no values.
    """
    labels_by_key: dict[str, str] = {}
    values: list[dict[str, tuple[float | None, float | None]]] = []
    for _, data in points:
        row: dict[str, tuple[float | None, float | None]] = {}
        if is_result(data):
            for dim in data["dimensions"]:
                key = str(dim["dimension"])
                labels_by_key.setdefault(key, _label(dim))
                try:
                    row[key] = (_number(dim.get("J")), _number(dim.get("G")))
                except MalformedResult:
                    row[key] = (None, None)
        values.append(row)
    keys = list(headline_order(list(labels_by_key)))
    dims = [(k, labels_by_key[k]) for k in keys]
    J = {labels_by_key[k]: [v.get(k, (None, None))[0] for v in values] for k in keys}
    G = {labels_by_key[k]: [v.get(k, (None, None))[1] for v in values] for k in keys}

    def show(x: float | None, fmt: Callable[[float | None], str]) -> Value:
        return Value(fmt(x), x is not None, None if x is not None else "not available")

    table = [
        (
            label,
            [
                (
                    show(v.get(k, (None, None))[0], fmt_score),
                    show(v.get(k, (None, None))[1], _signed_score),
                )
                for k in keys
            ],
        )
        for (label, _), v in zip(points, values, strict=True)
    ]
    return TrendView([label for label, _ in points], dims, J, G, table)
