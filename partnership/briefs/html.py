"""The brief as an accessible web page: the same ``Brief`` the PDF renders, as display rows.

ReportLab's PDFs are untagged, so a screen reader gets little from them; this is the same
brief for those readers (and for anyone reading on a phone). Every number goes through the
one formatter (``partnership.scoring.format``) exactly as the PDF prints it; withheld values
are ``presenters.Value`` en dashes with their reason, as on the results pages; the charts are
the brief's own drawings (``briefs.figures``) as inline SVG (``charts.to_svg``), each with a
table beside it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from partnership import timefmt
from partnership.briefs import figures
from partnership.briefs.model import (
    ActionLine,
    Brief,
    GapProgress,
    KpiLine,
    Reported,
    SignalLine,
)
from partnership.briefs.render import HEALTH_WORDS, SECTIONS
from partnership.results import charts
from partnership.results.presenters import Value, _agreement_reading, reason_text
from partnership.scoring.format import NA, fmt_number, fmt_pct, fmt_score, fmt_stat

HEALTH_CSS = {"green": "green", "amber": "amber", "red": "red", "not_enough_data": "grey"}
STATE_WORDS = {"done": "done", "current": "current", "not_started": "not started"}
STATUS_WORDS = {
    "open": "open",
    "in_progress": "in progress",
    "done": "done",
    "dropped": "dropped",
    "resolved": "resolved",
}


@dataclass(frozen=True)
class Badge:
    css: str
    label: str


def _signed(x: float | None) -> str:
    return fmt_score(x, signed=True)


def _signed_stat(x: float | None) -> str:
    return fmt_stat(x, signed=True)


class _Values:
    def __init__(self, min_group: int) -> None:
        self.min_group = min_group

    def __call__(
        self,
        rep: Reported[Any] | None,
        fmt: Callable[[Any], str] = fmt_score,
        *,
        indicative: bool = False,
    ) -> Value:
        if rep is None or rep.value is None:
            code = rep.reason if rep is not None else "not_computable"
            return Value(NA, False, reason_text(code, self.min_group))
        return Value(fmt(rep.value), True, None, indicative)


def health(code: str | None) -> Badge:
    code = code or "not_enough_data"
    return Badge(HEALTH_CSS.get(code, "grey"), HEALTH_WORDS.get(code, code))


def _signal(s: SignalLine) -> dict[str, Any]:
    return {
        "badge": Badge(s.severity, s.severity.capitalize()),
        "title": s.title,
        "subject": s.subject,
        "explanation": s.explanation,
    }


def _kpi(k: KpiLine) -> dict[str, Any]:
    verdict = {True: "on target", False: "off target", None: "no value"}
    return {
        "name": k.name,
        "where": (
            "Shared"
            if k.scope == "shared"
            else " · ".join(
                x for x in ("Local", k.organization.name if k.organization else "", k.function) if x
            )
        ),
        "better": "higher is better" if k.direction == "higher" else "lower is better",
        "value": fmt_number(k.value, k.unit),
        "target": fmt_number(k.target, k.unit),
        "verdict": verdict[k.on_target],
        "verdict_css": {True: "green", False: "red", None: "grey"}[k.on_target],
        "previous": (
            f"{fmt_number(k.prev_value, k.unit)} against {fmt_number(k.prev_target, k.unit)}"
            if k.prev_value is not None
            else "not recorded"
        ),
    }


def _gap(gap: GapProgress | None) -> str:
    if gap is None:
        return ""
    start = _signed(gap.at_start.value) if gap.at_start.value is not None else NA
    if gap.latest is None:
        return f"{gap.dimension}: gap {start}: no later cycle yet"
    latest = _signed(gap.latest.value) if gap.latest.value is not None else NA
    verdict = {True: "closed", False: "not yet", None: "not enough data"}[gap.closed]
    return f"{gap.dimension}: gap {start} → {latest} ({gap.latest_cycle}): {verdict}"


def _action(a: ActionLine) -> dict[str, Any]:
    return {
        "title": a.title,
        "owner": a.owner,
        "org": a.owner_org.name if a.owner_org else None,
        "due": a.due.isoformat() if a.due else NA,
        "status": STATUS_WORDS.get(a.status, a.status),
        "overdue": a.overdue,
        "done_on": a.done_on.isoformat() if a.done_on else None,
        "issue": a.issue,
        "gap": _gap(a.gap),
    }


def page(brief: Brief) -> dict[str, Any]:
    """Everything the brief's web page shows, in the PDF's order."""
    c = brief.cover
    v = _Values(brief.method.min_group)
    names = {o.letter: o.name for o in brief.organizations}
    dims = brief.scores.dimensions
    scores = []
    for d in dims:
        orgs = []
        for o in d.orgs:
            orgs.append(
                {
                    "name": names[o.org],
                    "S": v(o.S, indicative=o.indicative),
                    "n": v(o.n, str),
                    "rwg": v(o.rwg, fmt_stat),
                    "AD": v(o.AD, fmt_stat),
                    "favorable": v(o.favorable, fmt_pct),
                    "neutral": v(o.neutral, fmt_pct),
                    "unfavorable": v(o.unfavorable, fmt_pct),
                    "reading": _agreement_reading(o.rwg.value, o.AD.value, d.points),
                }
            )
        interval = (
            Value(f"{_signed(d.ci_low.value)} to {_signed(d.ci_high.value)}", True)
            if d.ci_low.value is not None and d.ci_high.value is not None
            else v(d.ci_low)
        )
        scores.append(
            {
                "label": d.label,
                "headline": d.headline,
                "health": health(d.health.value),
                "orgs": orgs,
                "J": v(d.J),
                "G": v(d.G, _signed),
                "interval": interval,
                "g": v(d.g, _signed_stat),
                "verdict": (
                    "census"
                    if d.census.value
                    else "confirmed"
                    if d.confirmed.value
                    else "not confirmed"
                    if d.confirmed.value is False
                    else NA
                ),
            }
        )
    trends = brief.trends
    trend_rows = [
        {
            "cycle": label,
            "cells": [(v(s.J[k]), v(s.G[k], _signed)) for s in trends.series],
        }
        for k, label in enumerate(trends.cycles)
    ]
    heat = brief.heatmap
    heat_rows = [
        {
            "org": row.org.name,
            "segment": row.segment,
            "cells": [v(cell.S, indicative=cell.indicative) for cell in row.cells],
        }
        for row in heat.rows
    ]
    plan = brief.plan_check
    present = {True: "present", False: "not present"}
    signs = [
        {
            "number": s.number,
            "group": s.group,
            "text": s.text,
            "A": v(s.A, lambda x: present[bool(x)]),
            "B": v(s.B, lambda x: present[bool(x)]),
        }
        for s in plan.signs
    ]
    svg: dict[str, Markup] = {}
    if dims:
        svg["radar"] = charts.to_svg(
            figures.radar(brief), "brief-radar", title="Both organizations' scores"
        )
        svg["gaps"] = charts.to_svg(figures.gaps(brief), "brief-gaps", title="Gaps")
    if len(trends.cycles) >= 2 and trends.series:
        svg["trend"] = charts.to_svg(
            figures.trend(trends), "brief-trend", title="Joint scores across cycles"
        )
    if heat.rows:
        svg["heat"] = charts.to_svg(
            figures.heat(heat), "brief-heat", title="Organization × function"
        )
    return {
        "sections": SECTIONS[1:],
        "cover": {
            "partnership": c.partnership,
            "cycle": c.cycle_label,
            "orgs": [o.name for o in c.organizations],
            "as_of": timefmt.long_when(c.as_of, c.time_zone),
            "since": (
                f"Since the last brief of {timefmt.long_when(c.previous_as_of, c.time_zone)}"
                if c.previous_as_of is not None
                else "The first brief of this partnership: it covers everything recorded so far."
            ),
            "author": c.author,
            "min_group": brief.method.min_group,
        },
        "summary": {
            "health": health(brief.summary.health),
            "reason": brief.summary.health_reason,
            "overall": v(brief.summary.overall_joint),
            "signals": [_signal(s) for s in brief.summary.signals],
            "top": [_signal(s) for s in brief.summary.top_signals],
            "participation": [
                {
                    "name": p.org.name,
                    "invited": f"{p.invited:,}",
                    "responded": f"{p.responded:,}",
                    "R": v(p.R, fmt_pct),
                }
                for p in brief.summary.participation
            ],
            "requests": brief.summary.decisions_requested,
        },
        "names": names,
        "scores": scores,
        "trends": {
            "instrument": trends.instrument,
            "labels": [s.label for s in trends.series],
            "rows": trend_rows,
        },
        "heatmap": {"columns": heat.columns, "rows": heat_rows},
        "plan": {
            "run": plan.signs.recorded,
            "signs": signs,
            "counts": [v(x, str) for x in plan.counts],
        },
        "kpis": {
            "recorded": brief.kpis.recorded,
            "groups": [
                {
                    "shared": _kpi(g.shared) if g.shared else None,
                    "local": [_kpi(k) for k in g.local],
                    "signal": _signal(g.signal) if g.signal else None,
                }
                for g in brief.kpis
            ],
        },
        "stages": {
            "recorded": brief.stages.recorded,
            "rows": [
                {
                    "label": s.label,
                    "state": STATE_WORDS[s.state],
                    "overdue": s.overdue,
                    "started": s.started_on.isoformat() if s.started_on else NA,
                    "finished": s.finished_on.isoformat() if s.finished_on else NA,
                    "due": s.due.isoformat() if s.due else NA,
                    "note": s.note,
                }
                for s in brief.stages
            ],
        },
        "actions": {
            "recorded": brief.actions.recorded,
            "overdue": [_action(a) for a in brief.overdue_actions],
            "open": [_action(a) for a in brief.open_actions],
            "done": [_action(a) for a in brief.done_actions],
            "since": c.previous_as_of.date().isoformat() if c.previous_as_of else None,
        },
        "escalations": brief.escalations,
        "meetings": brief.meetings,
        "decisions": brief.decisions,
        "lessons": brief.lessons,
        "items": [
            {
                "text": item.text,
                "options": item.options,
                "orgs": [
                    {
                        "name": o.org.name,
                        "counts": list(o.distribution.value) if o.distribution.value else None,
                        "reason": v(o.distribution, str).reason,
                        "n": v(o.n, str),
                        "mean": v(o.mean, indicative=o.indicative),
                    }
                    for o in (item.A, item.B)
                ],
                "joint": v(item.joint_mean),
                "likelihood": item.kind == "likelihood",
            }
            for item in brief.appendix.single_items
        ],
        "comments": [
            {
                "name": g.org.name,
                "comments": g.comments.value,
                "reason": v(g.comments, str).reason,
            }
            for g in brief.appendix.comments
        ],
        "method": brief.method,
        "svg": svg,
    }
