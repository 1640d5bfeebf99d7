"""Clean-room reference implementation of /work/shared/scoring.md (and the "Scoring and privacy"
section of decisions.md), written without reading partnership/scoring/ or
partnership/results/aggregate.py.

Input: raw rows only (see `SurveyData`). Output: a dict shaped like the export's "result" object
(docs/results-export.schema.json) for the fields the spec decides.

Choices where the spec is silent are marked CHOICE.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from scipy import stats

EPS = 1e-9
#: True: read ambiguous sentences literally instead of the defensible CHOICES below (run.py --literal)
LITERAL = False
HEADLINE = ("cultural", "market", "execution")
POINTS = {"agreement": 5, "frequency": 4, "likelihood": 11}
SCALE_MIN = {"agreement": 1, "frequency": 1, "likelihood": 0}
SCORED = ("agreement", "frequency")

DEFAULTS: dict[str, float] = {
    "level_amber": 60,
    "level_red": 50,
    "gap_amber": 10,
    "gap_red": 12.5,
    "gap_red_g": 0.5,
    "trend_amber": 8,
    "trend_red_2": 12,
    "trend_red_1": 10,
    "divergence": 8,
    "rwg_min": 0.5,
    "polarized_share": 0.25,
    "participation_amber": 0.60,
    "participation_red": 0.40,
    "participation_drop": 0.20,
    "participation_diff": 0.25,
    "signs_amber": 3,
    "signs_red": 4,
    "health_amber_j": 70,
}

SEVERITY_RANK = {"green": 1, "amber": 2, "red": 3}


# --- tolerant comparisons (scoring.md section 6) --------------------------------------------


#: tags of comparisons whose value fell within 1e-6 of the threshold (coverage of the tolerance)
NEAR: set[str] = set()


def _near(x: float, t: float, tag: str) -> None:
    if tag and abs(x - t) < 1e-6:
        NEAR.add(tag)


def lt(x: float, t: float, tag: str = "") -> bool:
    _near(x, t, tag)
    return x < t - EPS


def le(x: float, t: float, tag: str = "") -> bool:
    _near(x, t, tag)
    return x <= t + EPS


def ge(x: float, t: float, tag: str = "") -> bool:
    _near(x, t, tag)
    return x >= t - EPS


def gt(x: float, t: float, tag: str = "") -> bool:
    _near(x, t, tag)
    return x > t + EPS


# --- input ----------------------------------------------------------------------------------


@dataclass
class ItemRow:
    key: str
    kind: str
    dimension: str | None
    reverse: bool = False
    sign: int | None = None

    @property
    def points(self) -> int | None:
        return POINTS.get(self.kind)


@dataclass
class ResponseRow:
    org: str  # "A" or "B"
    function: str
    level: str
    answers: dict[
        str, int | None
    ]  # item key -> raw value, None = not applicable; absent = unanswered
    comments: list[str] = field(default_factory=list)


@dataclass
class SurveyData:
    settings: dict[str, Any]  # min_group and thresholds
    dimensions: list[str]  # the version's dimensions, in its order
    items: list[ItemRow]
    responses: list[ResponseRow]
    invitations: list[tuple[str, str, str]]  # (org, function, level) per invitation
    history: list[dict[str, Any]] = field(default_factory=list)  # ref results of t-1, t-2
    #: earlier snapshot versions of this survey (ref results), for a re-score: scoring.md 5 says
    #: complementary suppression holds "across snapshot versions of one cycle"
    earlier_versions: list[dict[str, Any]] = field(default_factory=list)


# --- small statistics -----------------------------------------------------------------------


def mean(xs: list[float]) -> float:
    return math.fsum(xs) / len(xs)


def var1(xs: list[float]) -> float:
    """Sample variance (ddof 1), two-pass with fsum."""
    m = mean(xs)
    return math.fsum((x - m) ** 2 for x in xs) / (len(xs) - 1)


def median(xs: list[float]) -> float:
    ys = sorted(xs)
    k = len(ys)
    return ys[k // 2] if k % 2 else (ys[k // 2 - 1] + ys[k // 2]) / 2


def is_reverse(item: ItemRow) -> bool:
    """CHOICE (after the app; scoring.md 1: "every frequency item of the early-warning check,
    where more often is worse"): an early-warning sign item is reverse whatever its flag."""
    return item.reverse or item.sign is not None


def item_score(item: ItemRow, x: int) -> float:
    a = item.points
    assert a is not None
    if is_reverse(item):
        return 100 * (a - x) / (a - 1)
    return 100 * (x - 1) / (a - 1)


def directed(item: ItemRow, x: int) -> int:
    a = item.points
    assert a is not None
    return a + 1 - x if is_reverse(item) else x


def min_answers(k: int) -> int:
    return -(-2 * k // 3)  # ceil(2k/3) in integers


# --- the computation ------------------------------------------------------------------------


def _nv(value: Any, reason: str | None) -> tuple[Any, str | None]:
    return (value, None) if reason is None else (None, reason)


def person_scores(data: SurveyData, dim: str, rows: list[ResponseRow]) -> list[float]:
    items = [i for i in data.items if i.dimension == dim and i.kind in SCORED]
    k = len(items)
    need = min_answers(k)
    out = []
    for r in rows:
        scores = [
            item_score(i, r.answers[i.key]) for i in items if r.answers.get(i.key) is not None
        ]
        if k and len(scores) >= need:
            out.append(mean(scores))
    return out


def group_dimension(data: SurveyData, dim: str, rows: list[ResponseRow]) -> dict[str, Any]:
    mg = data.settings["min_group"]
    items = [i for i in data.items if i.dimension == dim and i.kind in SCORED]
    res: dict[str, Any] = {}
    ps = person_scores(data, dim, rows)
    n = len(ps)
    if not items:
        reason = "not_applicable"
    elif n < mg:
        reason = "below_threshold"
    else:
        reason = None
    res["n"], res["n_reason"] = _nv(n, reason)
    res["S"], res["S_reason"] = _nv(mean(ps) if ps else None, reason)
    res["s"], res["s_reason"] = _nv(math.sqrt(var1(ps)) if n >= 2 else None, reason)
    res["_n"] = n  # private: unsuppressed n for internal use
    res["_persons"] = ps
    res["indicative"] = reason is None and n < 5
    # favorable split: every non-missing answer of the group's respondents
    answers = []
    for r in rows:
        for i in items:
            x = r.answers.get(i.key)
            if x is not None:
                answers.append(item_score(i, x))
    # CHOICE: "the group's respondents for its split" read as the respondents who gave at least
    # one answer to the dimension's items (the persons behind the split); LITERAL: every
    # respondent of the group (submitted responses, whatever they answered)
    answering = sum(1 for r in rows if any(r.answers.get(i.key) is not None for i in items))
    if not items:
        sreason = "not_applicable"
    elif (len(rows) if LITERAL else answering) < mg:
        sreason = "below_threshold"
    elif not answers:
        sreason = "not_computable"
    else:
        sreason = None
    tot = len(answers)
    fav = sum(1 for a in answers if a > 50) / tot if tot else None
    neu = sum(1 for a in answers if a == 50) / tot if tot else None
    unf = sum(1 for a in answers if a < 50) / tot if tot else None
    res["favorable"], res["favorable_reason"] = _nv(fav, sreason)
    res["neutral"], res["neutral_reason"] = _nv(neu, sreason)
    res["unfavorable"], res["unfavorable_reason"] = _nv(unf, sreason)
    # rwg and AD
    variances, ads = [], []
    for i in items:
        xs = [directed(i, r.answers[i.key]) for r in rows if r.answers.get(i.key) is not None]
        if len(xs) >= 2:
            variances.append(var1([float(x) for x in xs]))
            m = mean([float(x) for x in xs])
            ads.append(math.fsum(abs(x - m) for x in xs) / len(xs))
    if reason is not None:
        areason = reason
    elif n < 5 or not variances:
        areason = "not_computable"
    else:
        areason = None
    a = items[0].points if items else None
    rwg = 1 - mean(variances) / ((a * a - 1) / 12) if variances and a else None
    ad = mean(ads) if ads else None
    res["rwg"], res["rwg_reason"] = _nv(rwg, areason)
    res["AD"], res["AD_reason"] = _nv(ad, areason)
    return res


def complementary(sizes: dict[str, int], mg: int, order: Any = lambda k: k) -> dict[str, str]:
    """Segments to hide: {key: reason}. Primary: size < mg. Then further segments, smallest first
    (CHOICE: ties by key), until the hidden ones hold >= mg persons or all are hidden."""
    hidden = {k: "below_threshold" for k, v in sizes.items() if v < mg}
    if not any(sizes[k] for k in hidden):
        return hidden
    total = sum(sizes[k] for k in hidden)
    rest = sorted((v, order(k), k) for k, v in sizes.items() if k not in hidden)
    while total < mg and rest:
        v, _, k = rest.pop(0)
        hidden[k] = "complementary"
        total += v
    return hidden


LEVEL_ORDER = ("executive", "manager", "individual")


def seg_order(seg: str, key: str) -> Any:
    return LEVEL_ORDER.index(key) if seg == "level" and key in LEVEL_ORDER else key


def _fix_line(line: list, sizes: dict, hidden: dict, mg: int, order: Any) -> bool:
    hid = [k for k in line if k in hidden]
    if not any(sizes[k] for k in hid):  # only empty segments hidden: nothing to protect
        return False
    total = sum(sizes[k] for k in hid)
    rest = sorted((sizes[k], order(k), k) for k in line if k not in hidden)
    changed = False
    while total < mg and rest:
        v, _, k = rest.pop(0)
        hidden[k] = "complementary"
        total += v
        changed = True
    return changed


def grid_suppress(
    sizes: dict[tuple[str, str], int], mg: int, seg: str, prior: set | None = None
) -> dict[tuple[str, str], str]:
    """Primary: n < min_group. Complementary (CHOICES, matching what the app does, which the spec
    leaves open): the function breakdown is the organization x function heatmap, so each column
    (the functions of one organization, whose total is the organization's score) and each row
    (one function across both organizations) is protected; the level breakdown only per
    organization. An empty segment (n = 0) has no value to protect and triggers nothing. Order:
    for each primarily suppressed cell in display order, its column then its row; ties of size
    broken by display order (functions alphabetically, levels executive..individual); then
    repeated over every line until stable."""
    order = lambda k: seg_order(seg, k[1])  # noqa: E731
    disp = sorted(sizes, key=lambda k: (k[0], order(k)))
    hidden = {k: "below_threshold" for k in disp if sizes[k] < mg}
    # CHOICE: a cell hidden in an earlier snapshot version stays hidden
    for k in prior or ():
        if k in sizes and k not in hidden:
            hidden[k] = "complementary"
    rows = seg == "function" or LITERAL
    for k in disp:
        if hidden.get(k) != "below_threshold":
            continue
        lines = [[c for c in disp if c[0] == k[0]]]
        if rows:
            lines.append([c for c in disp if c[1] == k[1]])
        for line in lines:
            _fix_line(line, sizes, hidden, mg, order)
    changed = True
    while changed:
        changed = False
        lines = [[c for c in disp if c[0] == o] for o in "AB"]
        if rows:
            lines += [[c for c in disp if c[1] == x] for x in sorted({c[1] for c in disp})]
        for line in lines:
            changed |= _fix_line(line, sizes, hidden, mg, order)
    return hidden


def grid_violations(sizes: dict[tuple[str, str], int], hidden: set, mg: int, seg: str) -> list:
    """Lines of a breakdown where a hidden value could be derived by subtraction: some non-empty
    segment hidden, the hidden ones hold fewer than min_group persons, and not all are hidden."""
    lines = [[c for c in sizes if c[0] == o] for o in "AB"]
    if seg == "function" or LITERAL:
        lines += [[c for c in sizes if c[1] == x] for x in sorted({c[1] for c in sizes})]
    bad = []
    for line in lines:
        hid = [k for k in line if k in hidden]
        if any(sizes[k] for k in hid) and sum(sizes[k] for k in hid) < mg and len(hid) < len(line):
            bad.append({str(k): (sizes[k], k in hidden) for k in line})
    return bad


def score(data: SurveyData) -> dict[str, Any]:
    st = {**DEFAULTS, **data.settings}
    mg = st["min_group"]
    out: dict[str, Any] = {"settings": st}
    rows = {o: [r for r in data.responses if r.org == o] for o in "AB"}
    invited = {o: sum(1 for inv in data.invitations if inv[0] == o) for o in "AB"}
    responded = {o: len(rows[o]) for o in "AB"}
    R = {o: (responded[o] / invited[o] if invited[o] else None) for o in "AB"}

    # dimensions, headline first (CHOICE: then the version's order)
    dims = [d for d in HEADLINE if d in data.dimensions] + [
        d for d in data.dimensions if d not in HEADLINE
    ]
    has_signs = any(i.sign is not None for i in data.items)

    dim_results = []
    for d in dims:
        items = [i for i in data.items if i.dimension == d and i.kind in SCORED]
        orgs = {o: group_dimension(data, d, rows[o]) for o in "AB"}
        dr: dict[str, Any] = {
            "dimension": d,
            "headline": d in HEADLINE,
            "points": items[0].points if items else None,
            "item_count": len(items),
            "organizations": orgs,
        }
        both = orgs["A"]["S_reason"] is None and orgs["B"]["S_reason"] is None
        if not items:
            jr = "not_applicable"
        elif not both:
            jr = "below_threshold"
        else:
            jr = None
        SA, SB = orgs["A"]["_persons"], orgs["B"]["_persons"]
        J = G = g = lo = hi = conf = census = None
        if jr is None:
            sa, sb = mean(SA), mean(SB)
            J = (sa + sb) / 2
            G = sa - sb
            nA, nB = len(SA), len(SB)
            vA_, vB_ = var1(SA), var1(SB)
            sp = math.sqrt(((nA - 1) * vA_ + (nB - 1) * vB_) / (nA + nB - 2))
            if sp > EPS:  # CHOICE: s_p within 1e-9 of 0 is zero
                g = (G / sp) * (1 - 3 / (4 * (nA + nB) - 9))
            NA_, NB_ = invited["A"], invited["B"]
            # CHOICE: the spec assumes n <= N; when an erased stakeholder's invitation is gone
            # (n > N) the correction is clamped at 0 (a census), never negative
            vA = (vA_ / nA) * max(0.0, 1 - nA / NA_)
            vB = (vB_ / nB) * max(0.0, 1 - nB / NB_)
            if vA + vB == 0:
                lo = hi = G
            else:
                df = (vA + vB) ** 2 / (vA**2 / (nA - 1) + vB**2 / (nB - 1))
                half = float(stats.t.ppf(0.975, df)) * math.sqrt(vA + vB)
                lo, hi = G - half, G + half
            _near(lo, 0, "confirmed lower~0")
            _near(hi, 0, "confirmed upper~0")
            conf = lo > EPS or hi < -EPS
            # CHOICE: every invitee has a score (>=: an erased invitee can leave n > N)
            census = nA >= NA_ and nB >= NB_
        dr["J"], dr["J_reason"] = _nv(J, jr)
        dr["G"], dr["G_reason"] = _nv(G, jr)
        greason = jr if jr is not None else (None if g is not None else "not_computable")
        dr["g"], dr["g_reason"] = _nv(g, greason)
        dr["ci_low"], dr["ci_low_reason"] = _nv(lo, jr)
        dr["ci_high"], dr["ci_high_reason"] = _nv(hi, jr)
        dr["confirmed"], dr["confirmed_reason"] = _nv(conf, jr)
        dr["census"], dr["census_reason"] = _nv(census, jr)
        dim_results.append(dr)
    out["dimensions"] = dim_results

    # organizations
    orgs_out = {}
    for o in "AB":
        rep = [
            dr["organizations"][o]["S"]
            for dr in dim_results
            if dr["organizations"][o]["S_reason"] is None
        ]
        ov = mean(rep) if rep else None
        org: dict[str, Any] = {
            "invited": invited[o],
            "responded": responded[o],
        }
        org["R"], org["R_reason"] = _nv(R[o], None if invited[o] else "not_computable")
        org["overall"], org["overall_reason"] = _nv(
            ov, None if rep else ("below_threshold" if dims else "not_applicable")
        )
        # early-warning signs
        if not has_signs:
            sr = "not_applicable"
        elif responded[o] < mg:
            sr = "below_threshold"
        else:
            sr = None
        signs = None
        count = None
        if sr is None:
            signs = []
            for i in sorted((i for i in data.items if i.sign is not None), key=lambda i: i.sign):
                xs = [r.answers[i.key] for r in rows[o] if r.answers.get(i.key) is not None]
                md = median([float(x) for x in xs]) if xs else None
                signs.append(
                    {
                        "sign": i.sign,
                        "item_id": i.key,
                        "median": md,
                        "present": md is not None and ge(md, 3, "sign median 3"),
                    }
                )
            count = sum(1 for s in signs if s["present"])
        org["signs"], org["signs_reason"] = signs, sr
        org["sign_count"], org["sign_count_reason"] = count, sr
        cr = None if responded[o] >= mg else "below_threshold"
        comments = sorted(c for r in rows[o] for c in r.comments) if cr is None else None
        org["comments"], org["comments_reason"] = comments, cr
        orgs_out[o] = org
    out["organizations"] = orgs_out
    shown_j = [dr["J"] for dr in dim_results if dr["J_reason"] is None]
    out["overall_joint"], out["overall_joint_reason"] = _nv(
        mean(shown_j) if shown_j else None, None if shown_j else "below_threshold"
    )

    # breakdowns (scores by function / level). CHOICE (after the app, defensible from "each row
    # and each column of a heatmap"): per dimension the organization x segment grid; complementary
    # suppression on each column (segments inside one organization) and each row (one segment
    # across the two organizations), repeated until stable.
    for seg in ("function", "level"):
        idx = 1 if seg == "function" else 2
        cells = []
        for dr in dim_results:
            d = dr["dimension"]
            ns: dict[tuple[str, str], int] = {}
            ss: dict[tuple[str, str], float | None] = {}
            for o in "AB":
                # CHOICE: segments with invitations or responses (after an erasure, responses
                # can remain in a segment whose invitations are gone)
                keys = sorted(
                    {inv[idx] for inv in data.invitations if inv[0] == o}
                    | {(r.function if idx == 1 else r.level) for r in rows[o]}
                )
                for k in keys:
                    sub = [r for r in rows[o] if (r.function if idx == 1 else r.level) == k]
                    ps = person_scores(data, d, sub)
                    ns[(o, k)] = len(ps)
                    ss[(o, k)] = mean(ps) if ps else None
            prior = {
                (c["org"], c[seg])
                for v in data.earlier_versions
                for c in v["breakdowns"][seg]
                if c["dimension"] == d and c["n_reason"] in ("below_threshold", "complementary")
            }
            hidden = grid_suppress(ns, mg, seg, prior)
            out.setdefault("_grids", []).append((seg, d, dict(ns)))
            no_items = not any(it.dimension == d and it.kind in SCORED for it in data.items)
            for o, k in sorted(ns):
                reason = hidden.get((o, k))
                if reason is not None and no_items:
                    # CHOICE (the app's, like the dimension's own values): a dimension without
                    # items has nothing to compute from, whoever answered
                    reason = "not_applicable"
                cell = {"dimension": d, "org": o, seg: k}
                cell["n"], cell["n_reason"] = _nv(ns[(o, k)], reason)
                cell["S"], cell["S_reason"] = _nv(ss[(o, k)], reason)
                cell["indicative"] = reason is None and ns[(o, k)] < 5
                cells.append(cell)
        out.setdefault("breakdowns", {})[seg] = cells

    # leadership and operations: executive vs individual, as the level breakdown shows them
    lo_rows = []
    for dr in dim_results:
        for o in "AB":
            byl = {
                c["level"]: c
                for c in out["breakdowns"]["level"]
                if c["dimension"] == dr["dimension"] and c["org"] == o
            }
            row: dict[str, Any] = {"dimension": dr["dimension"], "org": o}
            for lvl in ("executive", "individual"):
                c = byl.get(lvl)
                if c is None:
                    row[lvl], row[lvl + "_reason"] = None, "not_computable"
                else:
                    row[lvl], row[lvl + "_reason"] = c["S"], c["S_reason"]
            if row["executive_reason"] is None and row["individual_reason"] is None:
                row["difference"], row["difference_reason"] = (
                    row["executive"] - row["individual"],
                    None,
                )
            else:
                row["difference"] = None
                row["difference_reason"] = row["executive_reason"] or row["individual_reason"]
            lo_rows.append(row)
    out["leadership_operations"] = lo_rows

    # participation by segment (invitees; complementary per organization)
    part: dict[str, list] = {}
    for seg, idx in (("function", 1), ("level", 2)):
        cells = []
        for o in "AB":
            inv = {}
            for x in data.invitations:
                if x[0] == o:
                    inv[x[idx]] = inv.get(x[idx], 0) + 1
            res = {}
            for r in rows[o]:
                k = r.function if idx == 1 else r.level
                res[k] = res.get(k, 0) + 1
                inv.setdefault(k, 0)
            hidden = complementary(inv, mg, lambda k, seg=seg: seg_order(seg, k))
            prior = {
                c[seg]
                for v in data.earlier_versions
                for c in v["participation"][seg]
                if c["org"] == o and c["R_reason"] in ("below_threshold", "complementary")
            }
            if prior - set(hidden):
                sizes = dict(inv)
                for k in prior:
                    if k in sizes and k not in hidden:
                        hidden[k] = "complementary"
                # and protect the line again
                total = sum(sizes[k] for k in hidden)
                rest = sorted(
                    (v, seg_order(seg, k), k) for k, v in sizes.items() if k not in hidden
                )
                while any(sizes[k] for k in hidden) and total < mg and rest:
                    v, _, k = rest.pop(0)
                    hidden[k] = "complementary"
                    total += v
            for k in sorted(inv):
                reason = hidden.get(k)
                cell = {"org": o, seg: k, "invited": inv[k]}
                cell["responded"], cell["responded_reason"] = _nv(res.get(k, 0), reason)
                cell["R"], cell["R_reason"] = _nv(
                    res.get(k, 0) / inv[k] if inv[k] else None, reason
                )
                cell["indicative"] = reason is None and inv[k] < 5
                cells.append(cell)
        part[seg] = cells
    out["participation"] = part

    # items reported on their own
    item_rows = []
    for i in data.items:
        if i.kind == "comment" or (i.kind in SCORED and i.dimension in data.dimensions):
            continue
        ir: dict[str, Any] = {
            "item_id": i.key,
            "kind": i.kind,
            "points": i.points,
            "scale_min": SCALE_MIN[i.kind],
            "organizations": {},
        }
        for o in "AB":
            xs = [r.answers[i.key] for r in rows[o] if r.answers.get(i.key) is not None]
            reason = None if len(xs) >= mg else "below_threshold"
            dist = [0] * i.points
            for x in xs:
                dist[x - SCALE_MIN[i.kind]] += 1
            if i.kind == "likelihood":
                m = mean([float(x) for x in xs]) if xs else None
            else:
                m = mean([item_score(i, x) for x in xs]) if xs else None
            io: dict[str, Any] = {}
            io["n"], io["n_reason"] = _nv(len(xs), reason)
            io["distribution"], io["distribution_reason"] = _nv(dist, reason)
            io["mean"], io["mean_reason"] = _nv(m, reason)
            io["indicative"] = reason is None and len(xs) < 5
            ir["organizations"][o] = io
        a, b = ir["organizations"]["A"], ir["organizations"]["B"]
        if a["mean_reason"] is None and b["mean_reason"] is None:
            ir["joint_mean"], ir["joint_mean_reason"] = (a["mean"] + b["mean"]) / 2, None
        else:
            ir["joint_mean"], ir["joint_mean_reason"] = None, "below_threshold"
        item_rows.append(ir)
    out["items"] = item_rows

    # signals
    prev = data.history
    signals: list[dict[str, Any]] = []

    def hist_dim(t: int, d: str, key: str) -> float | None:
        if len(prev) <= t:
            return None
        for x in prev[t]["dimensions"]:
            if x["dimension"] == d:
                return x[key]
        return None

    def add(rule: str, dim: str | None, sev: str | None) -> None:
        if sev is not None:
            signals.append({"rule": rule, "dimension": dim, "severity": sev})

    for dr in dim_results:
        d = dr["dimension"]
        J, G, g = dr["J"], dr["G"], dr["g"]
        orgs = dr["organizations"]
        a_pts = dr["points"]
        if J is not None:
            sev = None
            if lt(J, st["level_red"], "LEVEL red"):
                sev = "red"
            elif lt(J, st["level_amber"], "LEVEL amber"):
                sev = "amber"
            add("LEVEL", d, sev)
            # GAP
            sev = None
            if (
                g is not None
                and ge(abs(G), st["gap_red"], "GAP red G")
                and ge(abs(g), st["gap_red_g"], "GAP red g")
            ):
                sev = "red"
            elif ge(abs(G), st["gap_amber"], "GAP amber"):
                sev = "amber"
            add("GAP", d, sev)
            # TREND
            J1, J2 = hist_dim(0, d, "J"), hist_dim(1, d, "J")
            red = (J2 is not None and le(J - J2, -st["trend_red_2"], "TREND red t-2")) or (
                J1 is not None and le(J - J1, -st["trend_red_1"], "TREND red t-1")
            )
            amber = (
                J1 is not None
                and J2 is not None
                and lt(J, J1, "TREND J<J1")
                and lt(J1, J2, "TREND J1<J2")
                and le(J - J2, -st["trend_amber"], "TREND amber")
            )
            add("TREND", d, "red" if red else ("amber" if amber else None))
            # DIVERGENCE
            G2 = hist_dim(1, d, "G")
            _near(abs(G), 0, "G~0")
            if (
                G2 is not None
                and abs(G) > EPS
                and abs(G2) > EPS
                and (G > 0) == (G2 > 0)
                and ge(abs(G) - abs(G2), st["divergence"], "DIVERGENCE")
            ):
                add("DIVERGENCE", d, "amber")
        # CONSENSUS
        red = amber = False
        for o in "AB":
            od = orgs[o]
            if od["rwg_reason"] is None and (
                lt(od["rwg"], st["rwg_min"], "CONSENSUS rwg")
                or gt(od["AD"], a_pts / 6, "CONSENSUS AD")
            ):
                amber = True
            if (
                od["S_reason"] is None
                and od["favorable_reason"] is None
                and ge(od["favorable"], st["polarized_share"], "CONSENSUS fav")
                and ge(od["unfavorable"], st["polarized_share"], "CONSENSUS unfav")
            ):
                red = True
        add("CONSENSUS", d, "red" if red else ("amber" if amber else None))

    # PARTICIPATION
    red = amber = False
    for o in "AB":
        if not invited[o]:
            continue
        if lt(R[o], st["participation_red"], "PARTICIPATION red"):
            red = True
        if lt(R[o], st["participation_amber"], "PARTICIPATION amber"):
            amber = True
        if prev:
            p = prev[0]["organizations"][o]
            if p.get("R") is not None and ge(
                p["R"] - R[o], st["participation_drop"], "PARTICIPATION drop"
            ):
                amber = True
    if (
        invited["A"]
        and invited["B"]
        and ge(abs(R["A"] - R["B"]), st["participation_diff"], "PARTICIPATION diff")
    ):
        amber = True
    add("PARTICIPATION", None, "red" if red else ("amber" if amber else None))

    # EARLY_WARNING_SIGNS
    counts = [orgs_out[o]["sign_count"] for o in "AB" if orgs_out[o]["sign_count_reason"] is None]
    if counts:
        c = max(counts)
        add(
            "EARLY_WARNING_SIGNS",
            None,
            "red" if c >= st["signs_red"] else ("amber" if c >= st["signs_amber"] else None),
        )
    out["signals"] = signals

    # escalations
    esc = []
    prev_red = set()
    if prev:
        prev_red = {
            (s["rule"], s["dimension"]) for s in prev[0]["signals"] if s["severity"] == "red"
        }
    for s in signals:
        if s["severity"] == "red" and (s["rule"], s["dimension"]) in prev_red:
            esc.append({"kind": "repeated_red", "dimension": s["dimension"], "rule": s["rule"]})
    ambers: dict[str, int] = {}
    for s in signals:
        if s["severity"] == "amber" and s["dimension"] is not None:
            ambers[s["dimension"]] = ambers.get(s["dimension"], 0) + 1
    for d, k in ambers.items():
        if k >= 2:
            esc.append({"kind": "multiple_amber", "dimension": d, "rule": None})
    out["escalations"] = esc

    # health
    worst = 0
    for dr in dim_results:
        d = dr["dimension"]
        sevs = [s["severity"] for s in signals if s["dimension"] == d]
        if "red" in sevs:
            h = "red"
        elif "amber" in sevs or (
            dr["J"] is not None and lt(dr["J"], st["health_amber_j"], "health J<70")
        ):
            h = "amber"
        elif dr["J"] is None and not sevs:
            h = "not_enough_data"
        else:
            h = "green"
        dr["health"], dr["health_reason"] = h, None
        worst = max(worst, SEVERITY_RANK.get(h, 0))
    for s in signals:
        if s["dimension"] is None:
            worst = max(worst, SEVERITY_RANK[s["severity"]])
    inv_rank = {v: k for k, v in SEVERITY_RANK.items()}
    out["health"] = inv_rank.get(worst, "not_enough_data")
    out["health_reason"] = None
    return out
