"""``score_survey``: aggregates of one survey in, every number the product shows out.

Choices where scoring.md is silent (each defended where it is made):

- Persons behind a favorable split: the group's persons with at least one answer in the
  dimension (stricter than "respondents": someone who skipped the dimension contributes
  nothing, so does not protect anybody).
- Persons behind a separately reported item (overall, likelihood): its answers.
- The function breakdown inside each organization and the org x function heatmap are one and
  the same table, suppressed on rows and columns together: two views of the same cells with
  different suppression would give away by comparison what each hides.
- The leadership-vs-operations view shows the executive and individual cells of the level
  breakdown, with the level breakdown's suppression (managers included in the row).
- A suppressed cell hides its n as well as its score.
- While the survey is open there are no signals and no health: a signal at 40 % participation
  on day one would only be noise. Signals are computed at close, with the snapshot.
- Comments of an organization are shown when its respondents reach min_group, ordered by
  HMAC-SHA256(comment_key, comment id): stable for one snapshot, unrelated to submission.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from partnership.scoring import signals as sig
from partnership.scoring.formulas import (
    GroupStats,
    agreement,
    favorable_split,
    gap,
    ge,
    hedges_g,
    histogram_mean,
    histogram_mean_score,
    histogram_median,
    is_confirmed,
    joint,
    mean,
    min_answered,
    participation,
    weighted_group_stats,
    welch_interval,
)
from partnership.scoring.history import HistoryPoint
from partnership.scoring.model import (
    HEADLINE_DIMENSIONS,
    LEVELS,
    ORGS,
    ItemSpec,
    KpiStatus,
    Segment,
    Settings,
    SurveyInput,
    headline_order,
)
from partnership.scoring.privacy import (
    BELOW_THRESHOLD,
    COMPLEMENTARY,
    NOT_APPLICABLE,
    NOT_COMPUTABLE,
    SURVEY_OPEN,
    complementary_suppression,
    is_indicative,
    reportable,
    suppress_table,
)
from partnership.scoring.result import (
    BreakdownCell,
    CommentOut,
    DimensionResult,
    ItemOrgResult,
    ItemResult,
    LeadershipOperations,
    OrgDimensionResult,
    OrgResult,
    ParticipationCell,
    Reported,
    SignResult,
    SurveyResult,
)

SegmentFilter = Callable[[Segment], bool]
SIGN_PRESENT_MEDIAN = 3  # "most cycles" on the frequency scale


# One filter object per group (cached), so that ``_Data`` can remember what it computed for it:
# the same group is asked for many times (a breakdown asks for its sizes, then its cells).
@functools.lru_cache(maxsize=4096)
def _org_filter(org: str) -> SegmentFilter:
    return lambda seg: seg.org == org


@functools.lru_cache(maxsize=4096)
def _segment_filter(org: str, by: str, name: str) -> SegmentFilter:
    """Respondents of one function or level ("by") inside one organization."""
    return lambda seg: seg.org == org and getattr(seg, by) == name


class _Data:
    """Indexes over the aggregates, so each group is a filter over segments."""

    def __init__(self, data: SurveyInput) -> None:
        self.data = data
        self.item_counts = {d: len(data.dimension_items(d)) for d in data.dimensions}
        # per dimension and segment: person score -> number of persons with it (rows come
        # weighted, and equal scores merge), so the work follows distinct scores, not persons
        # indexed by dimension (and histograms by item), then segment: a group's query walks
        # only its own dimension's rows
        self.scores: dict[str, dict[Segment, dict[float, int]]] = {}
        self.contributors: dict[str, dict[Segment, list[int]]] = {}  # [persons]
        group: tuple[str, Segment] | None = None  # rows come grouped: look a group up once
        for p in data.persons:
            if p.answered < 1:
                continue
            if group is None or p.segment is not group[1] or p.dimension != group[0]:
                group = (p.dimension, p.segment)
                tally = self.contributors.setdefault(p.dimension, {}).setdefault(p.segment, [0])
                weights = self.scores.setdefault(p.dimension, {}).setdefault(p.segment, {})
                least = min_answered(self.item_counts[p.dimension])
            tally[0] += p.count
            if p.answered >= least:  # person_score, inlined: thousands of rows
                score = p.score_sum / p.answered
                weights[score] = weights.get(score, 0) + p.count
        self.hist: dict[str, dict[Segment, list[int]]] = {}
        for h in data.histograms:
            by_segment = self.hist.setdefault(h.item_id, {})
            acc = by_segment.setdefault(h.segment, [0] * len(h.counts))
            for i, c in enumerate(h.counts):
                acc[i] += c
        self._stats: dict[tuple[str, tuple[int, ...]], GroupStats] = {}  # by segment numbers
        # what was computed for a group (filter): its stats, sizes and histograms
        self._group_stats: dict[tuple[str, SegmentFilter], GroupStats] = {}
        self._sizes: dict[tuple[str, str, SegmentFilter], int] = {}
        self._counts: dict[tuple[str, SegmentFilter], tuple[int, ...]] = {}
        self.segments = sorted(
            {p.segment for p in data.persons}
            | {i.segment for i in data.invited}
            | {h.segment for h in data.histograms}
        )

    def stats(self, dim: str, keep: SegmentFilter) -> GroupStats:
        """The group's S, n and s, computed once per dimension and set of segments (the
        breakdowns ask for a segment's size, then for its cell)."""
        found = self._group_stats.get((dim, keep))
        if found is None:
            groups = list(self.scores.get(dim, {}).items())
            kept = tuple(n for n, (seg, _) in enumerate(groups) if keep(seg))
            found = self._stats.get((dim, kept))
            if found is None:
                found = self._stats[(dim, kept)] = weighted_group_stats(
                    pair for n in kept for pair in groups[n][1].items()
                )
            self._group_stats[(dim, keep)] = found
        return found

    def contributing(self, dim: str, keep: SegmentFilter) -> int:
        memo = ("contributing", dim, keep)
        if memo not in self._sizes:
            self._sizes[memo] = sum(
                c[0] for seg, c in self.contributors.get(dim, {}).items() if keep(seg)
            )
        return self._sizes[memo]

    def counts(self, item: ItemSpec, keep: SegmentFilter) -> tuple[int, ...]:
        memo = (item.id, keep)
        if memo not in self._counts:
            total = [0] * item.points
            for seg, counts in self.hist.get(item.id, {}).items():
                if keep(seg):
                    for i, c in enumerate(counts):
                        total[i] += c
            self._counts[memo] = tuple(total)
        return self._counts[memo]

    def invited(self, keep: SegmentFilter) -> int:
        memo = ("invited", "", keep)
        if memo not in self._sizes:
            self._sizes[memo] = sum(i.invited for i in self.data.invited if keep(i.segment))
        return self._sizes[memo]

    def responded(self, keep: SegmentFilter) -> int:
        memo = ("responded", "", keep)
        if memo not in self._sizes:
            self._sizes[memo] = sum(i.responded for i in self.data.invited if keep(i.segment))
        return self._sizes[memo]


#: Breakdown cells hidden in an earlier snapshot version: ("function" | "level", dimension,
#: org, name) and ("participation", "function" | "level", org, name).
Carried = frozenset[tuple[str, ...]]


def hidden_cells(data: Mapping[str, Any]) -> Carried:
    """The breakdown and participation cells a stored result (``SurveyResult.to_dict``, a
    snapshot) withholds, for the next version's ``carried``."""
    cells: set[tuple[str, ...]] = set()
    for by in ("function", "level"):
        for c in (data.get("breakdowns") or {}).get(by) or []:
            if c.get("S_reason") in (BELOW_THRESHOLD, COMPLEMENTARY):
                cells.add((by, c["dimension"], c["org"], c[by]))
        for c in (data.get("participation") or {}).get(by) or []:
            if c.get("R_reason") in (BELOW_THRESHOLD, COMPLEMENTARY):
                cells.add(("participation", by, c["org"], c[by]))
    return frozenset(cells)


def _hidden(reason: str) -> Reported[Any]:
    return Reported.hidden(reason)


def _points(items: Sequence[ItemSpec]) -> int | None:
    """The dimension's scale (all its items share one); None for a dimension without items."""
    return items[0].points if items else None


# ---------------------------------------------------------------------------------------------
# Participation (shown while open too)


def _participation_cells(
    ix: _Data, by: str, settings: Settings, carried: Carried = frozenset()
) -> tuple[ParticipationCell, ...]:
    mg = settings.min_group
    cells = []
    for org in ORGS:
        segs = [i.segment for i in ix.data.invited if i.segment.org == org]
        names = _segment_names(segs, by)
        # persons behind a segment's participation: its invitees (scoring.md section 5)
        sizes = {name: ix.invited(_segment_filter(org, by, name)) for name in names}
        was_hidden = {nm for nm in names if ("participation", by, org, nm) in carried}
        suppressed = complementary_suppression(sizes, mg, carried=was_hidden)
        for name in names:
            r, n_inv = ix.responded(_segment_filter(org, by, name)), sizes[name]
            if name in suppressed:
                responded, rate = _hidden(suppressed[name]), _hidden(suppressed[name])
            else:
                responded = Reported(r)
                rate = Reported.of(participation(r, n_inv), NOT_COMPUTABLE)
            cells.append(
                ParticipationCell(by, org, name, n_inv, responded, rate, is_indicative(n_inv, mg))
            )
    return tuple(cells)


def _segment_names(segments: Sequence[Segment], by: str) -> list[str]:
    names = {getattr(s, by) for s in segments}
    if by == "level":
        return [lv for lv in LEVELS if lv in names] + sorted(names - set(LEVELS))
    return sorted(names)


# ---------------------------------------------------------------------------------------------
# Dimensions


def _org_dimension(
    ix: _Data, dim: str, org: str, settings: Settings
) -> tuple[OrgDimensionResult, GroupStats]:
    mg = settings.min_group
    keep = _org_filter(org)
    stats = ix.stats(dim, keep)
    ok = reportable(stats.n, mg)
    items = ix.data.dimension_items(dim)
    hists = [(ix.counts(item, keep), item.is_reverse) for item in items]

    split_ok = reportable(ix.contributing(dim, keep), mg)
    split = favorable_split(hists) if split_ok else None
    agr = agreement(hists, items[0].points, stats.n) if ok and items else None

    # a dimension without items (a coach added it, no question yet) has nothing to compute
    # from: not applicable, whoever answered; not "below the threshold"
    missing = NOT_APPLICABLE if not items else BELOW_THRESHOLD

    def from_split(attr: str) -> Reported[float]:
        if split is None:
            return _hidden(NOT_COMPUTABLE if split_ok else missing)
        return Reported(getattr(split, attr))

    def stat(value: float | int | None) -> Reported[Any]:
        return Reported.of(value, NOT_COMPUTABLE) if ok else _hidden(missing)

    result = OrgDimensionResult(
        org=org,
        n=stat(stats.n),
        S=stat(stats.S),
        s=stat(stats.s),
        favorable=from_split("favorable"),
        neutral=from_split("neutral"),
        unfavorable=from_split("unfavorable"),
        rwg=stat(agr.rwg if agr else None),
        AD=stat(agr.ad if agr else None),
        indicative=is_indicative(stats.n, mg),
    )
    return result, stats


def _dimension(ix: _Data, dim: str, settings: Settings) -> DimensionResult:
    orgs, stats = [], {}
    for org in ORGS:
        res, st = _org_dimension(ix, dim, org, settings)
        orgs.append(res)
        stats[org] = st
    a, b = orgs
    items = ix.data.dimension_items(dim)
    common: dict[str, Any] = {
        "dimension": dim,
        "label": ix.data.label(dim),
        "headline": dim in HEADLINE_DIMENSIONS,
        "points": _points(items),
        "item_count": len(items),
        "orgs": tuple(orgs),
        # health is filled in once the signals are known
        "health": _hidden(NOT_COMPUTABLE),
    }
    if not (a.S.shown and b.S.shown):
        hidden = _hidden(NOT_APPLICABLE if not items else BELOW_THRESHOLD)
        return DimensionResult(
            **common,
            J=hidden,
            G=hidden,
            g=hidden,
            ci_low=hidden,
            ci_high=hidden,
            confirmed=hidden,
            census=hidden,
        )
    sa, sb = stats["A"], stats["B"]
    G = gap(sa.S, sb.S)
    interval = welch_interval(
        G,
        sa.n,
        sa.s,
        ix.invited(_org_filter("A")) or None,
        sb.n,
        sb.s,
        ix.invited(_org_filter("B")) or None,
    )
    return DimensionResult(
        **common,
        J=Reported(joint(sa.S, sb.S)),
        G=Reported(G),
        g=Reported.of(hedges_g(G, sa.n, sa.s, sb.n, sb.s), NOT_COMPUTABLE),
        ci_low=Reported.of(interval.low if interval else None, NOT_COMPUTABLE),
        ci_high=Reported.of(interval.high if interval else None, NOT_COMPUTABLE),
        confirmed=Reported.of(is_confirmed(interval), NOT_COMPUTABLE),
        census=Reported.of(interval.census if interval else None, NOT_COMPUTABLE),
    )


# ---------------------------------------------------------------------------------------------
# Breakdowns


def _cell(
    ix: _Data, by: str, dim: str, org: str, name: str, reason: str | None, mg: int
) -> BreakdownCell:
    st = ix.stats(dim, _segment_filter(org, by, name))
    if reason is not None and not ix.data.dimension_items(dim):
        reason = NOT_APPLICABLE  # nobody can have a score in a dimension without items
    if reason is not None:
        return BreakdownCell(by, dim, org, name, _hidden(reason), _hidden(reason), False)
    return BreakdownCell(
        by, dim, org, name, Reported(st.n), Reported(st.S), is_indicative(st.n, mg)
    )


def _by_function(
    ix: _Data, dims: Sequence[str], mg: int, carried: Carried = frozenset()
) -> tuple[BreakdownCell, ...]:
    cells = []
    for dim in dims:
        keys = [
            (org, name)
            for org in ORGS
            for name in _segment_names([s for s in ix.segments if s.org == org], "function")
        ]
        sizes = {(o, nm): ix.stats(dim, _segment_filter(o, "function", nm)).n for o, nm in keys}
        was_hidden = {k for k in keys if ("function", dim, *k) in carried}
        reasons = suppress_table(sizes, mg, carried=was_hidden)
        cells += [_cell(ix, "function", dim, o, nm, reasons.get((o, nm)), mg) for o, nm in keys]
    return tuple(cells)


def _by_level(
    ix: _Data, dims: Sequence[str], mg: int, carried: Carried = frozenset()
) -> tuple[BreakdownCell, ...]:
    cells = []
    for dim in dims:
        for org in ORGS:
            names = _segment_names([s for s in ix.segments if s.org == org], "level")
            sizes = {nm: ix.stats(dim, _segment_filter(org, "level", nm)).n for nm in names}
            was_hidden = {nm for nm in names if ("level", dim, org, nm) in carried}
            reasons = complementary_suppression(sizes, mg, carried=was_hidden)
            cells += [_cell(ix, "level", dim, org, nm, reasons.get(nm), mg) for nm in names]
    return tuple(cells)


def _leadership_operations(
    by_level: Sequence[BreakdownCell], dims: Sequence[str]
) -> tuple[LeadershipOperations, ...]:
    out = []
    for dim in dims:
        for org in ORGS:
            found = {c.segment: c.S for c in by_level if c.dimension == dim and c.org == org}
            exe = found.get("executive", _hidden(BELOW_THRESHOLD))
            ind = found.get("individual", _hidden(BELOW_THRESHOLD))
            if exe.value is not None and ind.value is not None:
                diff = Reported(exe.value - ind.value)
            else:
                # below_threshold if either side is directly below it, else complementary
                reasons = {r.reason for r in (exe, ind) if r.reason}
                diff = _hidden(BELOW_THRESHOLD if BELOW_THRESHOLD in reasons else reasons.pop())
            out.append(LeadershipOperations(dim, org, exe, ind, diff))
    return tuple(out)


# ---------------------------------------------------------------------------------------------
# Items reported on their own, early-warning signs, comments


def _single_items(ix: _Data, mg: int) -> tuple[ItemResult, ...]:
    out = []
    for item in ix.data.items:
        if item.dimension is not None or item.sign is not None:
            continue
        orgs = []
        for org in ORGS:
            counts = ix.counts(item, _org_filter(org))
            n = sum(counts)
            if not reportable(n, mg):
                hidden = _hidden(BELOW_THRESHOLD)
                orgs.append(ItemOrgResult(org, hidden, hidden, hidden, False))
                continue
            if item.kind == "likelihood":
                m = histogram_mean(counts, item.scale_min)
            else:
                m = histogram_mean_score(counts, item.is_reverse)
            orgs.append(
                ItemOrgResult(org, Reported(n), Reported(counts), Reported(m), is_indicative(n, mg))
            )
        both = [o.mean.value for o in orgs if o.mean.value is not None]
        joint_mean = Reported(mean(both)) if len(both) == 2 else _hidden(BELOW_THRESHOLD)
        out.append(
            ItemResult(item.id, item.kind, item.points, item.scale_min, tuple(orgs), joint_mean)
        )
    return tuple(out)


def _signs(ix: _Data, org: str, mg: int) -> tuple[Reported[Any], Reported[Any]]:
    sign_items = [i for i in ix.data.items if i.sign is not None]
    if not sign_items:
        return _hidden(NOT_APPLICABLE), _hidden(NOT_APPLICABLE)
    if not reportable(ix.responded(_org_filter(org)), mg):
        return _hidden(BELOW_THRESHOLD), _hidden(BELOW_THRESHOLD)
    results = []
    for item in sorted(sign_items, key=lambda i: i.sign or 0):
        # the median on the raw frequency scale: 3 = "most cycles", before any reversal
        med = histogram_median(ix.counts(item, _org_filter(org)), item.scale_min)
        present = med is not None and ge(med, SIGN_PRESENT_MEDIAN)
        results.append(SignResult(item.sign or 0, item.id, med, present))
    count = len({r.sign for r in results if r.present})
    return Reported(count), Reported(tuple(results))


def order_comments(comment_ids: Sequence[str], key: bytes) -> list[str]:
    """Comment ids in keyed-hash order: deterministic, unrelated to submission order."""
    return sorted(
        comment_ids,
        key=lambda cid: hmac.new(key, cid.encode("utf-8"), hashlib.sha256).digest(),
    )


def _comments(ix: _Data, org: str, mg: int, key: bytes) -> Reported[Any]:
    if not reportable(ix.responded(_org_filter(org)), mg):
        return _hidden(BELOW_THRESHOLD)
    mine = {c.id: c.text for c in ix.data.comments if c.segment.org == org}
    return Reported(tuple(CommentOut(cid, mine[cid]) for cid in order_comments(list(mine), key)))


# ---------------------------------------------------------------------------------------------
# Signals


def _history_value(history: Sequence[HistoryPoint], back: int, attr: str, key: str) -> float | None:
    """J, G or R of survey t-back; None when that survey or its value is missing."""
    if len(history) < back:
        return None
    value: float | None = getattr(history[back - 1], attr).get(key)
    return value


def _signals(
    ix: _Data,
    dims: Sequence[DimensionResult],
    R: dict[str, float | None],
    sign_counts: dict[str, int | None],
    history: Sequence[HistoryPoint],
    kpis: Sequence[KpiStatus],
    settings: Settings,
) -> list[sig.Signal]:
    names = ix.data.org_names
    out: list[sig.Signal | None] = []
    for d in dims:
        a, b = d.org("A"), d.org("B")
        J, G = d.J.value, d.G.value
        out.append(sig.level_signal(d.dimension, d.label, J, settings))
        out.append(
            sig.gap_signal(
                d.dimension, d.label, G, d.g.value, a.S.value, b.S.value, names, settings
            )
        )
        out.append(
            sig.trend_signal(
                d.dimension,
                d.label,
                J,
                _history_value(history, 1, "J", d.dimension),
                _history_value(history, 2, "J", d.dimension),
                settings,
            )
        )
        out.append(
            sig.divergence_signal(
                d.dimension,
                d.label,
                G,
                _history_value(history, 2, "G", d.dimension),
                names,
                settings,
            )
        )
        if d.points is not None:
            consensus = {
                o.org: sig.ConsensusInput(
                    rwg=o.rwg.value,
                    ad=o.AD.value,
                    # polarization: only for an organization reportable in the dimension
                    favorable=o.favorable.value if o.S.shown else None,
                    unfavorable=o.unfavorable.value if o.S.shown else None,
                )
                for o in (a, b)
            }
            out.append(
                sig.consensus_signal(d.dimension, d.label, d.points, consensus, names, settings)
            )
    prev_R = {o: _history_value(history, 1, "R", o) for o in ORGS}
    out.append(sig.participation_signal(R, prev_R, names, settings))
    if any(i.sign is not None for i in ix.data.items):
        out.append(sig.early_warning_signal(sign_counts, names, settings))
    out.extend(sig.kpi_signals(kpis))
    return [s for s in out if s is not None]


# ---------------------------------------------------------------------------------------------
# The whole survey


def score_survey(
    data: SurveyInput,
    settings: Settings | None = None,
    history: Sequence[HistoryPoint] = (),
    kpis: Sequence[KpiStatus] = (),
    is_open: bool = False,
    comment_key: bytes = b"",
    carried: Carried = frozenset(),
) -> SurveyResult:
    """Score one survey.

    ``history``: previous closed surveys of the same lineage, most recent first (t-1, t-2).
    ``kpis``: the cycle's KPIs for the KPI rule, carried into the result as they are.
    ``comment_key``: the key ordering comments (the app passes the snapshot id). While
    ``is_open``, only participation is populated. ``carried``: the breakdown cells the
    survey's previous snapshot version hid (``hidden_cells``), hidden again so that versions
    read side by side reveal nothing by subtraction (scoring.md section 5).
    """
    settings = settings or Settings()
    mg = settings.min_group
    ix = _Data(data)
    dim_keys = headline_order(data.dimensions)
    R = {o: participation(ix.responded(_org_filter(o)), ix.invited(_org_filter(o))) for o in ORGS}
    part_function = _participation_cells(ix, "function", settings, carried)
    part_level = _participation_cells(ix, "level", settings, carried)

    def org_result(
        org: str,
        overall: Reported[float],
        signs: tuple[Reported[Any], Reported[Any]],
        comments: Reported[Any],
    ) -> OrgResult:
        keep = _org_filter(org)
        return OrgResult(
            org=org,
            name=data.org_names[org],
            invited=ix.invited(keep),
            responded=ix.responded(keep),
            R=Reported.of(R[org], NOT_COMPUTABLE),
            overall=overall,
            sign_count=signs[0],
            signs=signs[1],
            comments=comments,
        )

    if is_open:
        return _open_result(data, settings, dim_keys, org_result, part_function, part_level)

    dims = [_dimension(ix, key, settings) for key in dim_keys]

    sign_info = {o: _signs(ix, o, mg) for o in ORGS}
    sign_counts = {o: sign_info[o][0].value for o in ORGS}
    signals = _signals(ix, dims, R, sign_counts, history, kpis, settings)

    dims = [_with_health(d, signals, settings) for d in dims]
    health = sig.partnership_health([d.health.value for d in dims if d.health.value], signals)
    previous = history[0].signals if history else ()
    labels = {d.dimension: d.label for d in dims}

    def mean_of_shown(values: list[Reported[float]]) -> Reported[float]:
        """Dimensions equally weighted, over the shown values only (so nothing new leaks)."""
        shown = [v.value for v in values if v.value is not None]
        if shown:
            return Reported(mean(shown))
        return _hidden(BELOW_THRESHOLD if dims else NOT_APPLICABLE)

    organizations = [
        org_result(
            org,
            mean_of_shown([d.org(org).S for d in dims]),
            sign_info[org],
            _comments(ix, org, mg, comment_key),
        )
        for org in ORGS
    ]
    by_level = _by_level(ix, dim_keys, mg, carried)
    return SurveyResult(
        state="closed",
        settings=settings,
        organizations=tuple(organizations),
        dimensions=tuple(dims),
        overall_joint=mean_of_shown([d.J for d in dims]),
        by_function=_by_function(ix, dim_keys, mg, carried),
        by_level=by_level,
        leadership_operations=_leadership_operations(by_level, dim_keys),
        participation_by_function=part_function,
        participation_by_level=part_level,
        items=_single_items(ix, mg),
        signals=tuple(signals),
        escalations=sig.escalations(signals, previous, labels, {k.kpi_id: k.name for k in kpis}),
        health=Reported(health),
        kpis=tuple(kpis),
    )


def _with_health(
    d: DimensionResult, signals: Sequence[sig.Signal], settings: Settings
) -> DimensionResult:
    mine = [s for s in signals if s.dimension == d.dimension]
    return replace(d, health=Reported(sig.dimension_health(d.J.value, mine, settings)))


def _open_result(
    data: SurveyInput,
    settings: Settings,
    dim_keys: Sequence[str],
    org_result: Callable[..., OrgResult],
    part_function: tuple[ParticipationCell, ...],
    part_level: tuple[ParticipationCell, ...],
) -> SurveyResult:
    """Participation only; every score null with reason survey_open."""
    closed = _hidden(SURVEY_OPEN)
    dims = tuple(
        DimensionResult(
            dimension=key,
            label=data.label(key),
            headline=key in HEADLINE_DIMENSIONS,
            points=_points(data.dimension_items(key)),
            item_count=len(data.dimension_items(key)),
            orgs=tuple(
                OrgDimensionResult(
                    org,
                    n=closed,
                    S=closed,
                    s=closed,
                    favorable=closed,
                    neutral=closed,
                    unfavorable=closed,
                    rwg=closed,
                    AD=closed,
                    indicative=False,
                )
                for org in ORGS
            ),
            J=closed,
            G=closed,
            g=closed,
            ci_low=closed,
            ci_high=closed,
            confirmed=closed,
            census=closed,
            health=closed,
        )
        for key in dim_keys
    )
    items = tuple(
        ItemResult(
            item.id,
            item.kind,
            item.points,
            item.scale_min,
            tuple(ItemOrgResult(org, closed, closed, closed, False) for org in ORGS),
            closed,
        )
        for item in data.items
        if item.dimension is None and item.sign is None
    )
    return SurveyResult(
        state="open",
        settings=settings,
        organizations=tuple(org_result(o, closed, (closed, closed), closed) for o in ORGS),
        dimensions=dims,
        overall_joint=closed,
        by_function=(),
        by_level=(),
        leadership_operations=(),
        participation_by_function=part_function,
        participation_by_level=part_level,
        items=items,
        signals=(),
        escalations=(),
        health=closed,
    )
