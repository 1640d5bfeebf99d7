"""Early-warning signals, escalation flags and health (scoring.md section 6).

Each rule is a function of plain, already privacy-checked values: the caller passes None for
anything unreportable, so an explanation can only ever quote a value that may be shown. Every
rule returns at most one signal per dimension (or KPI), with the more severe severity.
Thresholds are compared with the 1e-9 tolerance of ``formulas.lt``/``le``/``ge``/``gt``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from partnership.scoring import words
from partnership.scoring.format import fmt_number, fmt_pct, fmt_score, fmt_stat
from partnership.scoring.formulas import ge, gt, is_zero, le, lt
from partnership.scoring.model import ORGS, KpiStatus, Settings

LEVEL = "LEVEL"
GAP = "GAP"
TREND = "TREND"
DIVERGENCE = "DIVERGENCE"
CONSENSUS = "CONSENSUS"
PARTICIPATION = "PARTICIPATION"
EARLY_WARNING_SIGNS = "EARLY_WARNING_SIGNS"
KPI = "KPI"
DIMENSION_RULES = (LEVEL, GAP, TREND, DIVERGENCE, CONSENSUS)
RULES = (*DIMENSION_RULES, PARTICIPATION, EARLY_WARNING_SIGNS, KPI)

AMBER = "amber"
RED = "red"
GREEN = "green"
NOT_ENOUGH_DATA = "not_enough_data"
_RANK = {NOT_ENOUGH_DATA: 0, GREEN: 1, AMBER: 2, RED: 3}

REPEATED_RED = "repeated_red"
MULTIPLE_AMBER = "multiple_amber"


@dataclass(frozen=True)
class Signal:
    rule: str
    severity: str
    dimension: str | None
    explanation: str
    kpi_id: str | None = None

    @property
    def key(self) -> tuple[str, str | None, str | None]:
        return (self.rule, self.dimension, self.kpi_id)


@dataclass(frozen=True)
class PriorSignal:
    """A signal of an earlier survey, as far as escalation needs it."""

    rule: str
    dimension: str | None
    severity: str
    kpi_id: str | None = None

    @property
    def key(self) -> tuple[str, str | None, str | None]:
        return (self.rule, self.dimension, self.kpi_id)


@dataclass(frozen=True)
class Escalation:
    kind: str  # "repeated_red" | "multiple_amber"
    dimension: str | None
    rule: str | None  # None for multiple_amber (several rules)
    explanation: str
    kpi_id: str | None = None


def _plain(x: float) -> str:
    """A threshold as typed by the coach: 50, 12.5, 0.5 (no padding zeros)."""
    return f"{Decimal(repr(float(x))).normalize():f}"


def _name(names: Mapping[str, str], org: str) -> str:
    return names.get(org) or f"Organization {org}"


# ---------------------------------------------------------------------------------------------
# Dimension rules


def level_signal(dimension: str, label: str, J: float | None, settings: Settings) -> Signal | None:
    if J is None:
        return None
    if lt(J, settings.level_red):
        severity, threshold = RED, settings.level_red
    elif lt(J, settings.level_amber):
        severity, threshold = AMBER, settings.level_amber
    else:
        return None
    text = (
        f"The joint {label} score is {fmt_score(J)}, "
        f"below the {severity} threshold of {_plain(threshold)}."
    )
    return Signal(LEVEL, severity, dimension, text)


def gap_signal(
    dimension: str,
    label: str,
    G: float | None,
    g: float | None,
    S_A: float | None,
    S_B: float | None,
    names: Mapping[str, str],
    settings: Settings,
) -> Signal | None:
    """GAP needs both organizations reportable (G not None); at most amber when g is null."""
    if G is None or S_A is None or S_B is None or not ge(abs(G), settings.gap_amber):
        return None
    red = g is not None and ge(abs(G), settings.gap_red) and ge(abs(g), settings.gap_red_g)
    effect = "effect size not computable" if g is None else f"g = {fmt_stat(g)}"
    text = (
        f"On {label}, {_name(names, 'A')} scores {fmt_score(S_A)} and {_name(names, 'B')} "
        f"{fmt_score(S_B)}, a gap of {fmt_score(abs(G))} points ({effect})."
    )
    return Signal(GAP, RED if red else AMBER, dimension, text)


def trend_signal(
    dimension: str,
    label: str,
    J_t: float | None,
    J_t1: float | None,
    J_t2: float | None,
    settings: Settings,
) -> Signal | None:
    """A condition needing a missing J is not met; each red condition stands alone."""
    if J_t is None:
        return None
    parts = []
    if J_t1 is not None and le(J_t - J_t1, -settings.trend_red_1):
        parts.append(
            f"fell {fmt_score(J_t1 - J_t)} points since the previous survey "
            f"({fmt_score(J_t1)} to {fmt_score(J_t)})"
        )
    if J_t2 is not None and le(J_t - J_t2, -settings.trend_red_2):
        parts.append(
            f"fell {fmt_score(J_t2 - J_t)} points over two surveys "
            f"({fmt_score(J_t2)} to {fmt_score(J_t)})"
        )
    if parts:
        return Signal(TREND, RED, dimension, f"The joint {label} score {' and '.join(parts)}.")
    if (
        J_t1 is not None
        and J_t2 is not None
        and lt(J_t, J_t1)
        and lt(J_t1, J_t2)
        and le(J_t - J_t2, -settings.trend_amber)
    ):
        text = (
            f"The joint {label} score fell three surveys running "
            f"({fmt_score(J_t2)}, {fmt_score(J_t1)}, {fmt_score(J_t)}), "
            f"{fmt_score(J_t2 - J_t)} points in all."
        )
        return Signal(TREND, AMBER, dimension, text)
    return None


def divergence_signal(
    dimension: str,
    label: str,
    G_t: float | None,
    G_t2: float | None,
    names: Mapping[str, str],
    settings: Settings,
) -> Signal | None:
    if G_t is None or G_t2 is None or is_zero(G_t) or is_zero(G_t2):
        return None
    if (G_t > 0) != (G_t2 > 0) or not ge(abs(G_t) - abs(G_t2), settings.divergence):
        return None
    higher = _name(names, "A" if G_t > 0 else "B")
    text = (
        f"The {label} gap widened from {fmt_score(abs(G_t2))} to {fmt_score(abs(G_t))} "
        f"points over three surveys, {higher} scoring higher both times."
    )
    return Signal(DIVERGENCE, AMBER, dimension, text)


@dataclass(frozen=True)
class ConsensusInput:
    """One organization's agreement values in a dimension; None where not reportable.

    ``rwg``/``ad``: None unless n >= 5 and n >= min_group. ``favorable``/``unfavorable``:
    None unless the organization is reportable in the dimension.
    """

    rwg: float | None = None
    ad: float | None = None
    favorable: float | None = None
    unfavorable: float | None = None


def consensus_signal(
    dimension: str,
    label: str,
    points: int,
    orgs: Mapping[str, ConsensusInput],
    names: Mapping[str, str],
    settings: Settings,
) -> Signal | None:
    ad_cutoff = points / 6  # Burke and Dunlap's practical cut-off for AD on an A-point scale
    red_parts, amber_parts = [], []
    for org in ORGS:
        c = orgs.get(org)
        if c is None:
            continue
        if (
            c.favorable is not None
            and c.unfavorable is not None
            and ge(c.favorable, settings.polarized_share)
            and ge(c.unfavorable, settings.polarized_share)
        ):
            red_parts.append(
                f"{_name(names, org)} has {fmt_pct(c.favorable)} favorable and "
                f"{fmt_pct(c.unfavorable)} unfavorable answers"
            )
        low_rwg = c.rwg is not None and lt(c.rwg, settings.rwg_min)
        high_ad = c.ad is not None and gt(c.ad, ad_cutoff)
        if low_rwg or high_ad:
            amber_parts.append(
                f"{_name(names, org)} shows low agreement "
                f"(rwg {fmt_stat(c.rwg)}, AD {fmt_stat(c.ad)})"
            )
    if red_parts:
        return Signal(
            CONSENSUS, RED, dimension, f"Answers on {label} are polarized: {'; '.join(red_parts)}."
        )
    if amber_parts:
        return Signal(CONSENSUS, AMBER, dimension, f"On {label}, {'; '.join(amber_parts)}.")
    return None


# ---------------------------------------------------------------------------------------------
# Rules without a dimension


def participation_signal(
    R: Mapping[str, float | None],
    R_prev: Mapping[str, float | None],
    names: Mapping[str, str],
    settings: Settings,
) -> Signal | None:
    """Judged per organization that was invited (R not None); the difference needs both."""
    parts: list[str] = []
    red = False
    for org in ORGS:
        r = R.get(org)
        if r is None:
            continue
        if lt(r, settings.participation_red):
            red = True
            parts.append(
                f"{_name(names, org)} at {fmt_pct(r)}, below {fmt_pct(settings.participation_red)}"
            )
        elif lt(r, settings.participation_amber):
            parts.append(
                f"{_name(names, org)} at {fmt_pct(r)}, "
                f"below {fmt_pct(settings.participation_amber)}"
            )
        prev = R_prev.get(org)
        if prev is not None and ge(prev - r, settings.participation_drop):
            parts.append(f"{_name(names, org)} down from {fmt_pct(prev)} to {fmt_pct(r)}")
    r_a, r_b = R.get("A"), R.get("B")
    if r_a is not None and r_b is not None and ge(abs(r_a - r_b), settings.participation_diff):
        parts.append(
            f"{_name(names, 'A')} at {fmt_pct(r_a)} against {_name(names, 'B')} at {fmt_pct(r_b)}"
        )
    if not parts:
        return None
    return Signal(PARTICIPATION, RED if red else AMBER, None, f"Participation: {'; '.join(parts)}.")


def early_warning_signal(
    counts: Mapping[str, int | None], names: Mapping[str, str], settings: Settings
) -> Signal | None:
    """``counts``: signs present per organization; None when it has too few respondents."""
    known = [c for c in counts.values() if c is not None]
    worst = max(known, default=0)
    if worst >= settings.signs_red:
        severity = RED
    elif worst >= settings.signs_amber:
        severity = AMBER
    else:
        return None
    parts = []
    for org in ORGS:
        if org not in counts:
            continue
        c = counts[org]
        shown = "too few respondents to judge" if c is None else f"{c} of 10"
        parts.append(f"{_name(names, org)} {shown}")
    text = f"Plan-and-execution warning signs present: {', '.join(parts)}."
    return Signal(EARLY_WARNING_SIGNS, severity, None, text)


def _kpi_name(kpi: KpiStatus) -> str:
    return f"“{kpi.name}”" + (" (lower is better)" if kpi.direction == "lower" else "")


def _against(value: float | None, target: float | None, unit: str) -> str:
    return f"{fmt_number(value, unit)} against a target of {fmt_number(target, unit)}"


def kpi_signals(kpis: Sequence[KpiStatus]) -> tuple[Signal, ...]:
    """The KPI rule; only shared KPIs raise signals, at most one each (red wins).

    Red (local optimization): a shared KPI is off target in this cycle while every local KPI
    linked to it, at least one, is on target. The caller lists the shared KPI's active local
    KPIs in ``linked_local_ids``; one that is missing from ``kpis`` or has no value recorded
    counts as not on target, so the rule does not fire on partial data.
    Amber: a shared KPI off target in this cycle and in the previous one, each judged against
    the target recorded with its value.

    A local KPI is one organization's own target: it never raises a signal itself (its being
    off target is that organization's business, not a sign the partners drift apart); it
    matters to the red rule only. No value (on target None) is unknown: never off target.
    """
    by_id = {k.kpi_id: k for k in kpis}
    signals = []
    for kpi in kpis:
        if not kpi.is_shared or kpi.on_target_now is not False:
            continue
        locals_ = [by_id.get(i) for i in kpi.linked_local_ids]
        reading = _against(kpi.value, kpi.target, kpi.unit)
        if locals_ and all(k is not None and k.on_target_now is True for k in locals_):
            subject = (
                "its linked local KPI is"
                if len(locals_) == 1
                else f"all {len(locals_)} linked local KPIs are"
            )
            detail = "; ".join(
                f"{_kpi_name(k)} at {_against(k.value, k.target, k.unit)}"
                for k in locals_
                if k is not None
            )
            text = (
                f"The shared KPI {_kpi_name(kpi)} is off target at {reading}, while {subject} "
                f"on target (local optimization): {detail}."
            )
            signals.append(Signal(KPI, RED, None, text, kpi.kpi_id))
        elif kpi.on_target_prev is False:
            text = (
                f"The shared KPI {_kpi_name(kpi)} has been off target two cycles running: "
                f"{reading} now, {_against(kpi.prev_value, kpi.prev_target, kpi.unit)} in the "
                f"previous cycle."
            )
            signals.append(Signal(KPI, AMBER, None, text, kpi.kpi_id))
    return tuple(signals)


# ---------------------------------------------------------------------------------------------
# Escalation and health


def escalations(
    signals: Sequence[Signal],
    previous: Iterable[PriorSignal],
    labels: Mapping[str, str],
    kpi_names: Mapping[str, str] | None = None,
) -> tuple[Escalation, ...]:
    """A red signal also red (same rule and dimension, or KPI) in t-1; two or more amber
    signals in one dimension in t. Explanations use the plain words of ``words``."""
    prev_red = {p.key for p in previous if p.severity == RED}
    kpi_names = kpi_names or {}

    def name(s: Signal) -> str:
        if s.dimension:
            subject: str | None = labels.get(s.dimension, s.dimension)
        else:
            subject = kpi_names.get(s.kpi_id or "", None)
        return words.signal_name(s.rule, subject)

    flags = []
    for s in signals:
        if s.severity == RED and s.key in prev_red:
            text = words.repeated_red_text(name(s))
            flags.append(Escalation(REPEATED_RED, s.dimension, s.rule, text, s.kpi_id))
    ambers: dict[str, list[str]] = {}
    for s in signals:
        if s.severity == AMBER and s.dimension is not None:
            ambers.setdefault(s.dimension, []).append(s.rule)
    for dim, rules in ambers.items():
        if len(rules) >= 2:
            text = words.multiple_amber_text(labels.get(dim, dim), rules)
            flags.append(Escalation(MULTIPLE_AMBER, dim, None, text))
    return tuple(flags)


def dimension_health(J: float | None, signals: Iterable[Signal], settings: Settings) -> str:
    """Red with any red signal on it; amber with an amber one or J < 70; green otherwise;
    not enough data when J is null and no signal names it."""
    severities = {s.severity for s in signals}
    if RED in severities:
        return RED
    if AMBER in severities or (J is not None and lt(J, settings.health_amber_j)):
        return AMBER
    return NOT_ENOUGH_DATA if J is None else GREEN


def worst(healths: Iterable[str]) -> str:
    return max(healths, key=_RANK.__getitem__, default=NOT_ENOUGH_DATA)


def partnership_health(dimension_healths: Iterable[str], signals: Iterable[Signal]) -> str:
    """The worst of the dimension healths and of the signals without a dimension; not enough
    data only when everything is."""
    undimensioned = [s.severity for s in signals if s.dimension is None]
    return worst([*dimension_healths, *undimensioned])
