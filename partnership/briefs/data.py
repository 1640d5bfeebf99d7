"""The brief's data step: a cycle's snapshots and governance records as a frozen ``Brief``.

Everything comes from what is stored, never recomputed: the closed surveys' current snapshots
(``results.services.survey_result_dict``, which also drops comments a coach hid), earlier
snapshots of the same instrument lineage for the trends, the KPIs the snapshot froze, and the
governance records of the cycle. Values a snapshot withholds arrive as ``Reported(None,
reason)`` and stay that way (``model.reported``), so no renderer can print them. Words come
from the results presenters and ``scoring.words`` (one wording), numbers stay at full
precision for the one formatter.

``as_of`` is the brief version's stored time: overdue verdicts and "since the last brief" are
judged at it, never at the clock, so the same records and the same ``as_of`` give the same
brief (and the same bytes).

Meetings are not recorded by the product yet: that section says "None recorded yet." until the
meetings capability fills ``meetings``. Decisions are the committee's recorded decisions on
issues.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import select

from partnership.accounts.models import User
from partnership.errors import Refused
from partnership.extensions import db
from partnership.governance import progress, stages
from partnership.governance.models import (
    ACTION_ACTIVE,
    MULTIPLE_AMBER,
    Action,
    GovernanceEvent,
    Issue,
    Lesson,
)
from partnership.governance.services import is_action_overdue, list_actions, list_issues
from partnership.instruments.catalog import DIMENSION_LABELS, PLAN_EXECUTION_CHECK, option_labels
from partnership.instruments.models import Instrument, InstrumentVersion
from partnership.partnerships.models import Partnership
from partnership.partnerships.thresholds import THRESHOLDS
from partnership.results import presenters
from partnership.results.services import (
    current_snapshot,
    item_texts,
    lineage_key,
    survey_result_dict,
    surveys_by_lineage,
)
from partnership.scoring import words
from partnership.surveys.models import CYCLE_STAGES, Cycle, Survey
from partnership.timefmt import zone

from .model import (
    MAX_TREND_CYCLES,
    STAGES,
    ActionLine,
    Appendix,
    Brief,
    CommentGroup,
    Cover,
    DecisionLine,
    DecisionRequest,
    DimensionResult,
    EscalationLine,
    GapProgress,
    HeatCell,
    Heatmap,
    HeatRow,
    InstrumentRun,
    KpiGroup,
    KpiLine,
    LessonLine,
    MeetingLine,
    MethodNote,
    Organization,
    OrgDimensionResult,
    Participation,
    PlanCheck,
    Records,
    Reported,
    Scores,
    SignalLine,
    SignRow,
    SingleItem,
    SingleItemOrg,
    StageLine,
    Summary,
    ThresholdLine,
    Trends,
    TrendSeries,
    reported,
)

__all__ = ["BriefRefused", "brief_surveys", "build_brief", "default_as_of"]

ORGS = ("A", "B")
PLAN_CHECK_KEY = PLAN_EXECUTION_CHECK.key
#: How a stage's guard calls what it is waiting for, as the brief's stage table notes it.
_MODEL_STAGE_LABELS = dict(STAGES)


class BriefRefused(Refused):
    """The cycle cannot have a brief yet (no closed, scored survey)."""


# --- reading snapshot dicts into the model ---------------------------------------------------


def _org_dimension(obj: Mapping[str, Any], letter: str) -> OrgDimensionResult:
    return OrgDimensionResult(
        org=letter,
        n=reported(obj, "n"),
        S=reported(obj, "S"),
        s=reported(obj, "s"),
        favorable=reported(obj, "favorable"),
        neutral=reported(obj, "neutral"),
        unfavorable=reported(obj, "unfavorable"),
        rwg=reported(obj, "rwg"),
        AD=reported(obj, "AD"),
        indicative=bool(obj.get("indicative")),
    )


def dimension_result(dim: Mapping[str, Any]) -> DimensionResult:
    """A dimension of a snapshot dict as the scoring package's ``DimensionResult``."""
    orgs = dim.get("organizations") or {}
    return DimensionResult(
        dimension=str(dim["dimension"]),
        label=str(dim.get("label") or DIMENSION_LABELS.get(str(dim["dimension"]), "")),
        headline=bool(dim.get("headline")),
        points=dim.get("points"),
        item_count=int(dim.get("item_count") or 0),
        orgs=tuple(_org_dimension(orgs.get(o) or {}, o) for o in ORGS),
        J=reported(dim, "J"),
        G=reported(dim, "G"),
        g=reported(dim, "g"),
        ci_low=reported(dim, "ci_low"),
        ci_high=reported(dim, "ci_high"),
        confirmed=reported(dim, "confirmed"),
        census=reported(dim, "census"),
        health=reported(dim, "health"),
    )


def _signals(data: Mapping[str, Any]) -> list[SignalLine]:
    """The snapshot's signals in the presenters' order and words (severity, then headline
    dimension order)."""
    return [
        SignalLine(view.severity.css, view.rule, view.dimension, view.explanation)
        for view in presenters.signal_views(data)
        if view.severity.css in ("red", "amber")
    ]


# --- the cycle's surveys ----------------------------------------------------------------------


def brief_surveys(cycle: Cycle) -> list[tuple[Instrument, Survey]]:
    """The cycle's closed surveys that have results, the quarterly pulse first (the results
    pages' lineage order)."""
    partnership = db.session.get(Partnership, cycle.partnership_id)
    assert partnership is not None
    out = []
    for instrument, surveys in surveys_by_lineage(partnership, ["closed"]):
        mine = [s for s in surveys if s.cycle_id == cycle.id and current_snapshot(s) is not None]
        if mine:
            out.append((instrument, mine[-1]))
    return out


def _trend_surveys(partnership: Partnership, main: Survey) -> list[Survey]:
    """Closed surveys of the main survey's lineage up to and including it (cycle order), at
    most ``MAX_TREND_CYCLES``, one per cycle (the latest closed of a cycle)."""
    for instrument, surveys in surveys_by_lineage(partnership, ["closed"]):
        if instrument.id != main.instrument_id:
            continue
        upto = surveys[: surveys.index(main) + 1]
        per_cycle: dict[int, Survey] = {}
        for survey in upto:
            per_cycle.pop(survey.cycle_id, None)
            per_cycle[survey.cycle_id] = survey
        chosen = [s for s in per_cycle.values() if current_snapshot(s) is not None]
        return chosen[-MAX_TREND_CYCLES:]
    return [main]


def _trends(partnership: Partnership, main: Survey, instrument: Instrument) -> Trends:
    points = [(s.cycle.label, survey_result_dict(s)) for s in _trend_surveys(partnership, main)]
    labels: dict[str, str] = {}
    for _, data in points:
        for dim in data.get("dimensions") or []:
            labels.setdefault(str(dim["dimension"]), str(dim.get("label") or dim["dimension"]))
    series = []
    for key, label in labels.items():
        J: list[Reported[float]] = []
        G: list[Reported[float]] = []
        for _, data in points:
            dim = next((d for d in data.get("dimensions") or [] if d["dimension"] == key), None)
            J.append(reported(dim, "J") if dim else Reported(None, "not_applicable"))
            G.append(reported(dim, "G") if dim else Reported(None, "not_applicable"))
        series.append(TrendSeries(key, label, tuple(J), tuple(G)))
    return Trends(tuple(label for label, _ in points), tuple(series), instrument=instrument.name)


def _heatmap(data: Mapping[str, Any], orgs: Mapping[str, Organization]) -> Heatmap:
    """The org x function breakdown: rows in the results page's order (organization A's
    functions, then B's, as the snapshot lists them), one cell per dimension."""
    table = presenters.breakdown_table(data, "function")
    dims = [str(d["dimension"]) for d in data["dimensions"]]
    cells = (data.get("breakdowns") or {}).get("function") or []
    found = {(str(c["org"]), str(c["function"]), str(c["dimension"])): c for c in cells}
    keys: list[tuple[str, str]] = []
    for c in cells:
        key = (str(c["org"]), str(c["function"]))
        if key not in keys:
            keys.append(key)
    keys.sort(key=lambda k: ORGS.index(k[0]) if k[0] in ORGS else 9)
    rows = []
    for (org, segment), (_, segment_label, _) in zip(keys, table.rows, strict=True):
        if org not in orgs:
            continue
        row_cells = []
        for dim_key in dims:
            cell = found.get((org, segment, dim_key))
            if cell is None:
                row_cells.append(
                    HeatCell(Reported(None, "not_computable"), Reported(None, "not_computable"))
                )
            else:
                row_cells.append(
                    HeatCell(reported(cell, "S"), reported(cell, "n"), bool(cell.get("indicative")))
                )
        rows.append(HeatRow(orgs[org], segment_label, tuple(row_cells)))
    return Heatmap(tuple(table.columns), tuple(rows))


def _plan_check(data: Mapping[str, Any] | None) -> PlanCheck:
    if data is None:
        return PlanCheck()
    by_number = {item.sign: item for item in PLAN_EXECUTION_CHECK.items if item.sign is not None}
    present: dict[str, dict[int, Reported[bool]]] = {}
    for o in ORGS:
        org = data["organizations"][o]
        signs = org.get("signs")
        if isinstance(signs, list):
            present[o] = {int(s["sign"]): Reported(bool(s["present"])) for s in signs}
        else:
            reason = org.get("signs_reason") or "not_computable"
            present[o] = {n: Reported(None, reason) for n in by_number}
    rows = []
    for number in sorted(by_number):
        item = by_number[number]
        rows.append(
            SignRow(
                number=number,
                group=DIMENSION_LABELS.get(item.dimension or "", item.dimension or ""),
                text=item.text,
                A=present["A"].get(number, Reported(None, "not_computable")),
                B=present["B"].get(number, Reported(None, "not_computable")),
            )
        )
    orgs = data["organizations"]
    return PlanCheck(
        signs=Records.of(rows),
        counts=(reported(orgs["A"], "sign_count"), reported(orgs["B"], "sign_count")),
        respondents=(int(orgs["A"].get("responded") or 0), int(orgs["B"].get("responded") or 0)),
    )


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _kpis(
    data: Mapping[str, Any], orgs: Mapping[str, Organization], signals: Sequence[SignalLine]
) -> Records[KpiGroup]:
    """The KPIs the snapshot froze: each shared KPI with the local KPIs linked to it and the
    KPI signal it raised; local KPIs linked to no shared KPI in a group of their own."""
    kpis = [k for k in data.get("kpis") or [] if isinstance(k, Mapping)]
    if not kpis:
        return Records.none_yet()
    kpi_signals = {s.subject: s for s in signals if s.rule == "KPI"}

    def line(k: Mapping[str, Any]) -> KpiLine:
        local = k.get("scope") == "local"
        return KpiLine(
            name=str(k.get("name")),
            scope="local" if local else "shared",
            direction="lower" if k.get("direction") == "lower" else "higher",
            unit=str(k.get("unit") or ""),
            value=_number(k.get("value")),
            target=_number(k.get("target")),
            on_target=k.get("on_target"),
            prev_value=_number(k.get("value_prev")),
            prev_target=_number(k.get("target_prev")),
            on_target_prev=k.get("on_target_prev"),
            organization=orgs.get(str(k.get("organization"))) if local else None,
            function=(str(k["function"]).capitalize() if k.get("function") else None),
        )

    shared = [k for k in kpis if k.get("scope") != "local"]
    shared_ids = {str(k.get("id")) for k in shared}
    groups = []
    for k in shared:
        linked = [
            line(x)
            for x in kpis
            if x.get("scope") == "local" and str(x.get("linked_to")) == str(k.get("id"))
        ]
        groups.append(KpiGroup(line(k), tuple(linked), kpi_signals.get(str(k.get("name")))))
    loose = [
        line(x)
        for x in kpis
        if x.get("scope") == "local"
        and (x.get("linked_to") is None or str(x.get("linked_to")) not in shared_ids)
    ]
    if loose:
        groups.append(KpiGroup(None, tuple(loose)))
    return Records.of(groups)


def _single_items(
    data: Mapping[str, Any], texts: Mapping[str, str], orgs: Mapping[str, Organization]
) -> tuple[SingleItem, ...]:
    out = []
    for item in data.get("items") or []:
        kind = str(item.get("kind"))
        points, scale_min = int(item.get("points") or 5), int(item.get("scale_min") or 1)
        if kind in ("agreement", "frequency") and len(option_labels(kind)) == points:
            options = option_labels(kind, short=True)
        else:
            options = tuple(str(scale_min + k) for k in range(points))
        per_org = []
        for o in ORGS:
            od = (item.get("organizations") or {}).get(o) or {}
            dist = reported(od, "distribution")
            per_org.append(
                SingleItemOrg(
                    orgs[o],
                    reported(od, "n"),
                    Reported(tuple(int(c) for c in dist.value)) if dist.value is not None else dist,
                    reported(od, "mean"),
                    bool(od.get("indicative")),
                )
            )
        out.append(
            SingleItem(
                text=texts.get(str(item.get("item_id")), str(item.get("item_id"))),
                kind=kind if kind in ("agreement", "frequency", "likelihood") else "agreement",
                options=options,
                A=per_org[0],
                B=per_org[1],
                joint_mean=reported(item, "joint_mean"),
            )
        )
    return tuple(out)


def _comments(
    data: Mapping[str, Any], orgs: Mapping[str, Organization]
) -> tuple[CommentGroup, ...]:
    out = []
    for group in presenters.comment_groups(data):
        org = data["organizations"][group.org]
        if group.shown:
            out.append(CommentGroup(orgs[group.org], Reported(tuple(t for _, t in group.comments))))
        else:
            reason = org.get("comments_reason") or "not_computable"
            out.append(CommentGroup(orgs[group.org], Reported(None, reason)))
    return tuple(out)


def _thresholds(settings: Mapping[str, Any]) -> tuple[ThresholdLine, ...]:
    """The thresholds the snapshot was scored with, as the thresholds page words them."""
    out = []
    for spec in THRESHOLDS:
        value = settings.get(spec.name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            out.append(ThresholdLine(words.rule_title(spec.rule), spec.label, spec.show(value)))
    return tuple(out)


# --- governance -------------------------------------------------------------------------------


def _local_day(when: dt.datetime | None, tz: str) -> dt.date | None:
    return when.astimezone(zone(tz)).date() if when is not None else None


def _names(ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(wanted))).all())


def _stages(cycle: Cycle, partnership: Partnership, as_of: dt.datetime) -> Records[StageLine]:
    """Each stage of the cycle: done, current or not started, with the days its moves were
    recorded (partnership's time zone), the current stage's target day and what its guard
    still waits for."""
    tz = partnership.timezone
    moves = db.session.scalars(
        select(GovernanceEvent)
        .where(GovernanceEvent.cycle_id == cycle.id, GovernanceEvent.kind == "stage")
        .order_by(GovernanceEvent.created_at, GovernanceEvent.id)
    ).all()
    by_label = {label: key for key, label in stages.STAGE_LABELS.items()}
    entered: dict[str, dt.date] = {"assess": cycle.starts_on}
    for event in moves:
        change = (event.changes or {}).get("stage") or []
        if len(change) == 2 and change[1] in by_label:
            day = _local_day(event.created_at, tz)
            if day is not None:
                entered[by_label[change[1]]] = day
    current = CYCLE_STAGES.index(cycle.stage)
    lines = []
    for index, key in enumerate(CYCLE_STAGES):
        state = "done" if index < current else "current" if index == current else "not_started"
        if key == "done" and cycle.stage == "done":
            state = "done"
        nxt = CYCLE_STAGES[index + 1] if index + 1 < len(CYCLE_STAGES) else None
        due = stages.stage_deadline(cycle, partnership) if state == "current" else None
        note = ""
        if state == "current" and nxt is not None:
            note = " ".join(stages.guard(cycle).missing)
        lines.append(
            StageLine(
                key=key,
                label=_MODEL_STAGE_LABELS[key],
                state=state,
                started_on=entered.get(key) if state != "not_started" else None,
                finished_on=entered.get(nxt) if state == "done" and nxt else None,
                due=due,
                overdue=state == "current" and stages.is_stage_overdue(cycle, partnership, as_of),
                note=note,
            )
        )
    return Records.of(lines)


def _gap(action: Action) -> GapProgress | None:
    found = progress.gap_progress(action)
    if found is None:
        return None
    latest = found.latest

    def g(point: progress.GapPoint | None) -> Reported[float]:
        return Reported.of(point.G if point is not None else None, "not_computable")

    return GapProgress(
        dimension=found.label,
        at_start=g(found.baseline),
        latest=g(latest) if latest is not None else None,
        latest_cycle=latest.cycle_label if latest is not None else None,
        closed=None if latest is None else found.verdict_of(latest) == "closed",
    )


def _actions(
    cycle: Cycle,
    partnership: Partnership,
    as_of: dt.datetime,
    previous_as_of: dt.datetime | None,
) -> Records[Action]:
    ever = db.session.scalar(
        select(Action.id).where(Action.partnership_id == partnership.id).limit(1)
    )
    if ever is None:
        return Records.none_yet()
    rows = list_actions(partnership, cycle=cycle, now=as_of)
    # done since the last brief: closed after it (or, for the first brief, in this cycle)
    kept = [
        a
        for a in rows
        if a.status in ACTION_ACTIVE or previous_as_of is None or a.updated_at > previous_as_of
    ]
    return Records.of(kept)


def _action_lines(
    actions: Records[Action],
    partnership: Partnership,
    orgs_by_id: Mapping[int, Organization],
    as_of: dt.datetime,
) -> Records[ActionLine]:
    if not actions.recorded:
        return Records.none_yet()
    names = _names(a.owner_user_id for a in actions)
    titles = dict(
        db.session.execute(
            select(Issue.id, Issue.title).where(
                Issue.id.in_([a.issue_id for a in actions if a.issue_id is not None])
            )
        ).all()
    )
    lines = []
    for a in actions:
        done = a.status in ("done", "dropped")
        lines.append(
            ActionLine(
                title=a.title,
                owner=names.get(a.owner_user_id or 0, "no owner yet"),
                owner_org=orgs_by_id.get(a.owner_organization_id or 0),
                status=a.status,
                due=a.due_on,
                done_on=_local_day(a.updated_at, partnership.timezone) if done else None,
                overdue=is_action_overdue(a, partnership, as_of),
                issue=titles.get(a.issue_id) if a.issue_id is not None else None,
                gap=_gap(a),
            )
        )
    return Records.of(lines)


def _subject_label(
    issue: Issue, labels: Mapping[str, str], kpi_names: Mapping[str, str]
) -> str | None:
    if issue.dimension:
        return labels.get(issue.dimension, DIMENSION_LABELS.get(issue.dimension, issue.dimension))
    if issue.kpi_id is not None:
        return kpi_names.get(str(issue.kpi_id), f"KPI {issue.kpi_id}")
    return None


def _escalations(
    cycle: Cycle,
    partnership: Partnership,
    labels: Mapping[str, str],
    kpi_names: Mapping[str, str],
) -> Records[EscalationLine]:
    issues = [i for i in list_issues(partnership, cycle=cycle) if i.is_escalated and i.is_firing]
    names = _names(i.owner_user_id for i in issues)
    return Records.of(
        EscalationLine(
            title=words.escalation_title(
                "multiple_amber" if i.rule == MULTIPLE_AMBER else "repeated_red"
            ),
            subject=_subject_label(i, labels, kpi_names),
            explanation=i.explanation or i.title,
            status=i.status,
            owner=names.get(i.owner_user_id or 0),
        )
        for i in issues
    )


def _decisions(
    partnership: Partnership, as_of: dt.datetime, previous_as_of: dt.datetime | None
) -> Records[DecisionLine]:
    """The committee's decisions recorded on issues, since the last brief (up to ``as_of``)."""
    rows = db.session.scalars(
        select(Issue)
        .where(Issue.partnership_id == partnership.id, Issue.decided_at.is_not(None))
        .order_by(Issue.decided_at, Issue.id)
    ).all()
    if not rows:
        return Records.none_yet()
    names = _names(i.decided_by_id for i in rows)
    tz = partnership.timezone
    return Records.of(
        DecisionLine(
            decided_on=_local_day(i.decided_at, tz) or as_of.date(),
            decision=i.decision,
            decided_by=(names[i.decided_by_id],) if i.decided_by_id in names else (),
            linked=(i.title,),
        )
        for i in rows
        if i.decided_at is not None
        and i.decided_at <= as_of
        and (previous_as_of is None or i.decided_at > previous_as_of)
    )


def _decisions_requested(cycle: Cycle) -> Records[DecisionRequest]:
    """Red issues still firing that have neither an action nor a decision: what the
    committee is asked to decide (the Communicate guard waits for them)."""
    return Records.of(
        DecisionRequest(i.title, i.explanation) for i in stages.unhandled_red_issues(cycle)
    )


def _lessons(
    cycle: Cycle, partnership: Partnership, labels: Mapping[str, str]
) -> Records[LessonLine]:
    """The cycle's lessons (and, when it has none yet, the previous cycle's)."""
    ever = db.session.scalar(
        select(Lesson.id).where(Lesson.partnership_id == partnership.id).limit(1)
    )
    if ever is None:
        return Records.none_yet()
    rows = db.session.execute(
        select(Lesson, Cycle.label)
        .join(Cycle, Cycle.id == Lesson.cycle_id)
        .where(Lesson.cycle_id == cycle.id)
        .order_by(Lesson.created_at, Lesson.id)
    ).all()
    return Records.of(
        LessonLine(
            cycle_label=label,
            what_happened=lesson.what_happened,
            worked=lesson.what_worked,
            failed=lesson.what_failed,
            dimension=labels.get(lesson.dimension or "", lesson.dimension)
            if lesson.dimension
            else None,
            tags=tuple(lesson.tags or ()),
        )
        for lesson, label in rows
    )


# --- the brief --------------------------------------------------------------------------------


def _aware(when: dt.datetime) -> dt.datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


def build_brief(
    cycle: Cycle,
    *,
    as_of: dt.datetime,
    previous_as_of: dt.datetime | None = None,
    author: str = "Partnership Pulse",
) -> Brief:
    """The steering-committee brief of ``cycle`` as of ``as_of`` (reads only).

    The main survey is the cycle's quarterly pulse (or the first lineage the results pages
    list); the plan-and-execution check, when the cycle ran it, fills its section. Refused
    (``BriefRefused``) while the cycle has no closed survey with results.
    """
    as_of = _aware(as_of)
    previous_as_of = _aware(previous_as_of) if previous_as_of is not None else None
    partnership = db.session.get(Partnership, cycle.partnership_id)
    assert partnership is not None
    found = brief_surveys(cycle)
    scored = [(i, s) for i, s in found if lineage_key(s) != PLAN_CHECK_KEY] or found
    if not scored:
        raise BriefRefused(
            "This cycle has no closed survey with results yet: close its pulse first."
        )
    instrument, main = scored[0]
    data = survey_result_dict(main)
    if not presenters.is_result(data):
        raise BriefRefused("The results of this cycle's survey cannot be read; re-score it.")
    names = presenters.org_names(data)
    org_rows = {"A": partnership.org_a, "B": partnership.org_b}
    orgs = {o: Organization(o, org_rows[o].name or names[o]) for o in ORGS}
    orgs_by_id = {org_rows[o].id: orgs[o] for o in ORGS}
    labels = {
        str(d["dimension"]): str(d.get("label") or d["dimension"]) for d in data["dimensions"]
    }
    kpi_names = {str(k.get("id")): str(k.get("name")) for k in data.get("kpis") or []}

    # signals: the main survey's, then the other surveys' that are not already raised
    signals = _signals(data)
    seen = {(s.rule, s.subject) for s in signals}
    plan_data: Mapping[str, Any] | None = None
    runs = []
    for inst, survey in found:
        sdata = data if survey.id == main.id else survey_result_dict(survey)
        if survey.id != main.id:
            if lineage_key(survey) == PLAN_CHECK_KEY:
                plan_data = sdata
            for s in _signals(sdata):
                if (s.rule, s.subject) not in seen:
                    seen.add((s.rule, s.subject))
                    signals.append(s)
        snap = current_snapshot(survey)
        version = db.session.get(InstrumentVersion, survey.instrument_version_id)
        so = sdata["organizations"]
        runs.append(
            InstrumentRun(
                instrument=inst.name,
                version=version.number if version is not None else 1,
                closed_at=survey.closed_at,
                snapshot_version=snap.version if snap is not None else 1,
                invited=(int(so["A"].get("invited") or 0), int(so["B"].get("invited") or 0)),
                responded=(int(so["A"].get("responded") or 0), int(so["B"].get("responded") or 0)),
            )
        )

    dims = tuple(dimension_result(d) for d in data["dimensions"])
    summary = Summary(
        health=str(data.get("health") or "not_enough_data"),
        health_reason=presenters.health_reason(data) or "",
        overall_joint=reported(data, "overall_joint"),
        signals=tuple(signals),
        participation=tuple(  # type: ignore[arg-type]
            Participation(
                orgs[o],
                int(data["organizations"][o].get("invited") or 0),
                int(data["organizations"][o].get("responded") or 0),
                reported(data["organizations"][o], "R"),
            )
            for o in ORGS
        ),
        decisions_requested=_decisions_requested(cycle),
    )
    actions = _actions(cycle, partnership, as_of, previous_as_of)
    settings = data.get("settings") or {}
    return Brief(
        cover=Cover(
            partnership=partnership.name,
            organizations=(orgs["A"], orgs["B"]),
            cycle_label=cycle.label,
            as_of=as_of,
            time_zone=partnership.timezone or "UTC",
            previous_as_of=previous_as_of,
            author=author,
        ),
        summary=summary,
        scores=Scores(dims),
        trends=_trends(partnership, main, instrument),
        heatmap=_heatmap(data, orgs),
        plan_check=_plan_check(plan_data),
        kpis=_kpis(data, orgs, signals),
        stages=_stages(cycle, partnership, as_of),
        actions=_action_lines(actions, partnership, orgs_by_id, as_of),
        escalations=_escalations(cycle, partnership, labels, kpi_names),
        meetings=Records[MeetingLine].none_yet(),
        decisions=_decisions(partnership, as_of, previous_as_of),
        lessons=_lessons(cycle, partnership, labels),
        appendix=Appendix(
            _single_items(data, item_texts(main), orgs),
            _comments(data, orgs),
        ),
        method=MethodNote(
            min_group=int(settings.get("min_group") or partnership.min_group),
            surveys=tuple(runs),
            thresholds=_thresholds(settings),
        ),
    )


def default_as_of(cycle: Cycle) -> dt.datetime:
    """The date of a brief that was not issued (a preview, ``flask briefs build`` without
    ``--as-of``): the latest close of the cycle's surveys with results, so the same records
    always give the same brief. Refused while there is none."""
    closes = [s.closed_at for _, s in brief_surveys(cycle) if s.closed_at is not None]
    if not closes:
        raise BriefRefused(
            "This cycle has no closed survey with results yet: close its pulse first."
        )
    return _aware(max(closes))
