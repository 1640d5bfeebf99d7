"""Governance pages: the cycle's stage bar and guards (on the cycle page), issues, actions,
lessons, the playbook, the playback, the stage settings; and the stakeholder's playback page
reached from their own survey link. Thin: check access, validate a form, call one service,
render or redirect."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from partnership.accounts.session import current_account
from partnership.db import utcnow
from partnership.errors import Refused
from partnership.forms import attach_error
from partnership.governance import playback as playback_services
from partnership.governance import playbook, services, stages
from partnership.governance.emails import playback_view
from partnership.governance.forms import (
    NOBODY,
    RULE_CHOICES,
    ActionForm,
    ActionStatusForm,
    CommentForm,
    DatesForm,
    DecisionForm,
    IssueForm,
    IssueStatusForm,
    LessonForm,
    NoteForm,
    OwnerForm,
    PlaybackForm,
    StageDaysForm,
    StageForm,
    SuggestionChoiceForm,
    SuggestionForm,
    none_if_nobody,
)
from partnership.governance.models import Action, Issue, Lesson
from partnership.governance.progress import gap_progress
from partnership.partnerships.access import Act as G
from partnership.partnerships.access import authorize, may
from partnership.partnerships.models import Partnership
from partnership.partnerships.services import get_child_or_404
from partnership.surveys.models import CYCLE_STAGES, Cycle
from partnership.timefmt import short_when

bp = Blueprint("governance", __name__)
public_bp = Blueprint("playback", __name__)

BASE = "/partnerships/<int:partnership_id>"


def _now() -> dt.datetime:
    return utcnow()


def _status(form: Any) -> int:
    return 400 if request.method == "POST" else 200


def _short_local(when: dt.datetime | None, partnership: Partnership) -> str:
    """A moment in the partnership's time zone, with the zone's name."""
    return short_when(when, partnership.timezone, empty="–")


def _may_do(partnership: Partnership, action: str, owner_id: int | None = None) -> bool:
    """Whether to offer an action (a button, a form) to the signed-in user."""
    return may(current_account(), partnership, action, owner_id=owner_id)


@bp.record_once
def _template_globals(state: Any) -> None:
    """Names the governance templates use, also where other pages include them (the cycle
    page, the overview); globals reach imported macros too."""
    state.app.jinja_env.globals.update(
        short_local=_short_local,
        may_do=_may_do,
        G=G,
        CYCLE_STAGES=CYCLE_STAGES,
        STAGE_LABELS=stages.STAGE_LABELS,
        ISSUE_STATUS_LABELS=services.ISSUE_STATUS_LABELS,
        ACTION_STATUS_LABELS=services.ACTION_STATUS_LABELS,
    )


def _names(partnership: Partnership) -> dict[str, Any]:
    """Names the pages show for ids: organizations, members, dimensions, cycles."""
    people = services.owners(partnership)
    return {
        "org_names": {o.id: o.name for o in partnership.organizations},
        "people": {p.user_id: p.name for p in people},
        "dimension_names": dict(services.dimension_choices(partnership)),
        "instrument_names": services.instrument_names(partnership),
    }


# --- the cycle page's governance panel -----------------------------------------------------


def cycle_panel(partnership: Partnership, cycle: Cycle) -> dict[str, Any]:
    """What the cycle page shows of the cycle's turn: the stage bar with dates, the guard of
    the next move, overdue flags, its issues, actions (and those carried over), lessons, the
    playback. Used by the cycle page of partnership.surveys.views."""
    now = _now()
    target = stages.next_stage(cycle.stage)
    issues = services.list_issues(partnership, cycle=cycle)
    actions = services.list_actions(partnership, cycle=cycle, now=now)
    return {
        "gov": {
            "stage": cycle.stage,
            "next": target,
            "guard": stages.guard(cycle) if target else None,
            "deadline": stages.stage_deadline(cycle, partnership),
            "overdue": stages.is_stage_overdue(cycle, partnership, now),
            "began_on": stages.stage_began_on(cycle, partnership),
            "days": stages.stage_days(partnership),
            "hints": stages.STAGE_HINTS,
            "issues": issues,
            "actions": actions,
            "overdue_actions": {
                a.id for a in actions if services.is_action_overdue(a, partnership, now)
            },
            "lessons": services.search_lessons(partnership, cycle=cycle),
            "playback": services.playback_of(cycle),
            "moves": services.events_of(cycle=cycle),
            **previous_lessons(cycle),
            **_names(partnership),
        }
    }


def previous_lessons(cycle: Cycle) -> dict[str, Any]:
    """The lessons of the cycle before, while this one is being assessed (planned and run),
    for the cycle page and the survey planning form."""
    if cycle.stage != "assess":
        return {"previous_cycle": None, "previous_lessons": []}
    before, lessons = services.previous_lessons(cycle)
    return {"previous_cycle": before, "previous_lessons": lessons}


def status_panel(partnership: Partnership) -> dict[str, Any]:
    """The overview's governance flags: the current cycle's stage (overdue or not), overdue
    stages of earlier cycles and overdue actions, open escalations, the last meetings."""
    now = _now()
    current = services.current_cycle(partnership, now)
    late_cycles = [
        c for c in services.open_cycles(partnership) if stages.is_stage_overdue(c, partnership, now)
    ]
    return {
        "gov_status": {
            "cycle": current,
            "overdue": current is not None and current in late_cycles,
            "deadline": stages.stage_deadline(current, partnership) if current else None,
            "late_cycles": [c for c in late_cycles if c is not current],
            "late_actions": len(services.list_actions(partnership, overdue=True, now=now)),
            "open_issues": len(services.list_issues(partnership, status="active")),
            **steering_status(partnership, now),
        }
    }


def steering_status(partnership: Partnership, now: dt.datetime) -> dict[str, Any]:
    """The steering committee's side of the overview: open escalations and how the last
    four meetings went (decisions made against items discussed), oldest first."""
    from partnership.steering import escalation, meetings

    standings = escalation.standings(partnership, now).values()
    return {
        "escalations": sum(1 for s in standings if s.is_escalated or s.is_overdue),
        "meetings": list(reversed(meetings.outcomes(partnership)[:4])),
    }


@bp.post(BASE + "/cycles/<int:cycle_id>/stage")
@login_required
def move_stage(partnership_id: int, cycle_id: int) -> Response:
    partnership = authorize(current_account(), partnership_id, G.MOVE_STAGE)
    cycle = get_child_or_404(Cycle, cycle_id, partnership)
    form = StageForm()
    back = url_for("surveys.cycle", partnership_id=partnership.id, cycle_id=cycle.id)
    if not form.validate_on_submit():
        flash("Choose the stage to move to.", "error")
        return redirect(back)
    try:
        services.move_stage(cycle, form.to.data, current_account(), note=form.note.data or "")
    except Refused as exc:
        flash(str(exc), "error")
    else:
        flash(f"Cycle {cycle.label} moved to {stages.STAGE_LABELS[cycle.stage]}.", "success")
    return redirect(back + "#stages")


@bp.route(BASE + "/cycles/<int:cycle_id>/dates", methods=["GET", "POST"])
@login_required
def cycle_dates(partnership_id: int, cycle_id: int):
    partnership = authorize(current_account(), partnership_id, G.EDIT_CYCLE)
    cycle = get_child_or_404(Cycle, cycle_id, partnership)
    form = DatesForm(obj=cycle)
    if form.validate_on_submit():
        try:
            services.set_cycle_dates(
                cycle, form.starts_on.data, form.ends_on.data, current_account()
            )
        except Refused as exc:
            attach_error(form, str(exc), exc.field)
        else:
            flash("Dates saved. Cycles are ordered by their first days.", "success")
            return redirect(
                url_for("surveys.cycle", partnership_id=partnership.id, cycle_id=cycle.id)
            )
    return render_template(
        "governance/dates.html", partnership=partnership, cycle=cycle, form=form
    ), _status(form)


@bp.route(BASE + "/governance/settings", methods=["GET", "POST"])
@login_required
def settings(partnership_id: int):
    partnership = authorize(current_account(), partnership_id, G.VIEW_GOVERNANCE)
    editable = may(current_account(), partnership, G.EDIT_CYCLE)
    days = stages.stage_days(partnership)
    form = StageDaysForm(data=days)
    if request.method == "POST":
        authorize(current_account(), partnership_id, G.EDIT_CYCLE)
        if form.validate_on_submit():
            try:
                services.set_stage_days(
                    partnership,
                    {s: getattr(form, s).data for s in stages.DEFAULT_STAGE_DAYS},
                    current_account(),
                )
            except Refused as exc:
                attach_error(form, str(exc), exc.field)
            else:
                flash("Target days saved.", "success")
                return redirect(url_for("governance.settings", partnership_id=partnership.id))
    return render_template(
        "governance/settings.html",
        partnership=partnership,
        form=form,
        editable=editable,
        defaults=stages.DEFAULT_STAGE_DAYS,
        hints=stages.STAGE_HINTS,
        active_tab="settings",
    ), _status(form)


# --- issues ---------------------------------------------------------------------------------


@bp.get(BASE + "/issues")
@login_required
def issues(partnership_id: int):
    partnership = authorize(current_account(), partnership_id, G.VIEW_GOVERNANCE)
    cycles = services.list_cycles(partnership)
    cycle = next((c for c in cycles if str(c.id) == request.args.get("cycle")), None)
    status = request.args.get("status") or "active"
    rows = services.list_issues(
        partnership, cycle=cycle, status=None if status == "all" else status
    )
    return render_template(
        "governance/issues.html",
        partnership=partnership,
        issues=rows,
        cycles=cycles,
        cycle=cycle,
        status=status,
        cycle_labels={c.id: c.label for c in cycles},
        active_tab="issues",
        **_names(partnership),
    )


@bp.route(BASE + "/cycles/<int:cycle_id>/issues/new", methods=["GET", "POST"])
@login_required
def new_issue(partnership_id: int, cycle_id: int):
    partnership = authorize(current_account(), partnership_id, G.RAISE_ISSUE)
    cycle = get_child_or_404(Cycle, cycle_id, partnership)
    form = IssueForm()
    form.setup(partnership, services.owners(partnership), services.dimension_choices(partnership))
    if form.validate_on_submit():
        try:
            issue = services.raise_issue(
                cycle,
                services.IssueData(
                    title=form.title.data,
                    explanation=form.explanation.data or "",
                    severity=form.severity.data,
                    dimension=form.dimension.data or None,
                    owner_organization_id=none_if_nobody(form.owner_organization_id.data),
                    owner_user_id=none_if_nobody(form.owner_user_id.data),
                ),
                current_account(),
            )
        except Refused as exc:
            attach_error(form, str(exc), exc.field)
        else:
            flash("Issue raised.", "success")
            return redirect(
                url_for("governance.issue", partnership_id=partnership.id, issue_id=issue.id)
            )
    return render_template(
        "governance/issue_form.html", partnership=partnership, cycle=cycle, form=form
    ), _status(form)


def issue_page(partnership: Partnership, issue: Issue, **forms: Any) -> str:
    """The issue's page, with a form re-shown with its errors when given (also by the
    steering pages' escalation and trade-off forms)."""
    from partnership.steering.views import issue_panel

    people = services.owners(partnership)
    owner_form = forms.get("owner_form") or OwnerForm(
        owner_organization_id=issue.owner_organization_id or NOBODY,
        owner_user_id=issue.owner_user_id or NOBODY,
    )
    owner_form.setup(partnership, people)
    cycle = get_child_or_404(Cycle, issue.cycle_id, partnership)
    return render_template(
        "governance/issue.html",
        partnership=partnership,
        issue=issue,
        cycle=cycle,
        actions=services.issue_actions(issue),
        suggestions=playbook.suggestions_for(partnership, issue),
        events=services.events_of(issue=issue),
        status_form=forms.get("status_form")
        or IssueStatusForm(status=issue.status, reason=issue.status_reason),
        owner_form=owner_form,
        comment_form=forms.get("comment_form") or CommentForm(),
        decision_form=forms.get("decision_form") or DecisionForm(decision=issue.decision),
        choice_form=SuggestionChoiceForm(),
        active_tab="issues",
        **issue_panel(partnership, issue, **forms),
        **_names(partnership),
    )


@bp.get(BASE + "/issues/<int:issue_id>")
@login_required
def issue(partnership_id: int, issue_id: int) -> str:
    partnership = authorize(current_account(), partnership_id, G.VIEW_GOVERNANCE)
    return issue_page(partnership, get_child_or_404(Issue, issue_id, partnership))


def _back_to_issue(partnership: Partnership, issue: Issue, anchor: str = "") -> Response:
    return redirect(
        url_for(
            "governance.issue",
            partnership_id=partnership.id,
            issue_id=issue.id,
            _anchor=anchor or None,
        )
    )


@bp.post(BASE + "/issues/<int:issue_id>/status")
@login_required
def issue_status(partnership_id: int, issue_id: int):
    partnership = authorize(current_account(), partnership_id, G.VIEW_GOVERNANCE)
    issue = get_child_or_404(Issue, issue_id, partnership)
    authorize(current_account(), partnership_id, G.UPDATE_ISSUE, owner_id=issue.owner_user_id)
    form = IssueStatusForm()
    if form.validate_on_submit():
        try:
            services.set_issue_status(
                issue, form.status.data, form.reason.data or "", current_account()
            )
        except Refused as exc:
            attach_error(form, str(exc), exc.field)
        else:
            flash("Status saved.", "success")
            return _back_to_issue(partnership, issue)
    return issue_page(partnership, issue, status_form=form), 400


@bp.post(BASE + "/issues/<int:issue_id>/owner")
@login_required
def issue_owner(partnership_id: int, issue_id: int):
    partnership = authorize(current_account(), partnership_id, G.ASSIGN_ISSUE)
    issue = get_child_or_404(Issue, issue_id, partnership)
    form = OwnerForm()
    form.setup(partnership, services.owners(partnership))
    if form.validate_on_submit():
        try:
            services.assign_issue(
                issue,
                none_if_nobody(form.owner_organization_id.data),
                none_if_nobody(form.owner_user_id.data),
                current_account(),
            )
        except Refused as exc:
            attach_error(form, str(exc), exc.field)
        else:
            flash("Owner saved.", "success")
            return _back_to_issue(partnership, issue)
    return issue_page(partnership, issue, owner_form=form), 400


@bp.post(BASE + "/issues/<int:issue_id>/comments")
@login_required
def issue_comment(partnership_id: int, issue_id: int):
    partnership = authorize(current_account(), partnership_id, G.COMMENT_ISSUE)
    issue = get_child_or_404(Issue, issue_id, partnership)
    form = CommentForm()
    if form.validate_on_submit():
        try:
            services.comment_on_issue(issue, form.body.data, current_account())
        except Refused as exc:
            attach_error(form, str(exc), exc.field)
        else:
            flash("Comment added.", "success")
            return _back_to_issue(partnership, issue, "record")
    return issue_page(partnership, issue, comment_form=form), 400


@bp.post(BASE + "/issues/<int:issue_id>/decision")
@login_required
def issue_decision(partnership_id: int, issue_id: int):
    partnership = authorize(current_account(), partnership_id, G.DECIDE_ISSUE)
    issue = get_child_or_404(Issue, issue_id, partnership)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            services.record_decision(issue, form.decision.data, current_account())
        except Refused as exc:
            attach_error(form, str(exc), exc.field)
        else:
            flash("Decision recorded.", "success")
            return _back_to_issue(partnership, issue)
    return issue_page(partnership, issue, decision_form=form), 400


@bp.post(BASE + "/issues/<int:issue_id>/actions")
@login_required
def action_from_suggestion(partnership_id: int, issue_id: int) -> Response:
    """One POST turns a playbook suggestion into a pre-filled action for the issue."""
    partnership = authorize(current_account(), partnership_id, G.CREATE_ACTION)
    issue = get_child_or_404(Issue, issue_id, partnership)
    form = SuggestionChoiceForm()
    if not form.validate_on_submit():
        flash("Choose a suggestion.", "error")
        return _back_to_issue(partnership, issue, "suggestions")
    try:
        action = services.action_from_suggestion(issue, form.suggestion.data, current_account())
    except Refused as exc:
        flash(str(exc), "error")
        return _back_to_issue(partnership, issue, "suggestions")
    flash("Action created from the suggestion. Check its owner and due date.", "success")
    return redirect(
        url_for("governance.edit_action", partnership_id=partnership.id, action_id=action.id)
    )


# --- actions --------------------------------------------------------------------------------


@bp.get(BASE + "/actions")
@login_required
def actions(partnership_id: int) -> str:
    partnership = authorize(current_account(), partnership_id, G.VIEW_GOVERNANCE)
    now = _now()
    people = services.owners(partnership)
    args = request.args
    owner = args.get("owner", "")
    owner_user_id = int(owner[5:]) if owner.startswith("user-") and owner[5:].isdigit() else None
    owner_org_id = int(owner[4:]) if owner.startswith("org-") and owner[4:].isdigit() else None
    status = args.get("status") or "active"
    overdue = args.get("overdue") == "1"
    rows = services.list_actions(
        partnership,
        status=None if status == "all" else status,
        owner_user_id=owner_user_id,
        owner_organization_id=owner_org_id,
        overdue=overdue,
        now=now,
    )
    cycles = services.list_cycles(partnership)
    return render_template(
        "governance/actions.html",
        partnership=partnership,
        actions=rows,
        owner=owner,
        status=status,
        overdue=overdue,
        people_list=people,
        late={a.id for a in rows if services.is_action_overdue(a, partnership, now)},
        progress={a.id: gap_progress(a) for a in rows},
        cycle_labels={c.id: c.label for c in cycles},
        active_tab="actions",
        **_names(partnership),
    )


def _action_data(form: ActionForm) -> services.ActionData:
    return services.ActionData(
        title=form.title.data,
        description=form.description.data or "",
        dimension=form.dimension.data or None,
        owner_organization_id=none_if_nobody(form.owner_organization_id.data),
        owner_user_id=none_if_nobody(form.owner_user_id.data),
        due_on=form.due_on.data,
    )


@bp.route(BASE + "/cycles/<int:cycle_id>/actions/new", methods=["GET", "POST"])
@login_required
def new_action(partnership_id: int, cycle_id: int):
    partnership = authorize(current_account(), partnership_id, G.CREATE_ACTION)
    cycle = get_child_or_404(Cycle, cycle_id, partnership)
    issue_arg = request.values.get("issue", "")
    issue = get_child_or_404(Issue, int(issue_arg), partnership) if issue_arg.isdigit() else None
    form = ActionForm()
    form.setup(partnership, services.owners(partnership), services.dimension_choices(partnership))
    if request.method == "GET" and issue is not None:
        form.dimension.data = issue.dimension or ""
        form.owner_organization_id.data = issue.owner_organization_id or NOBODY
        form.owner_user_id.data = issue.owner_user_id or NOBODY
    if form.validate_on_submit():
        try:
            action = services.create_action(
                cycle, _action_data(form), current_account(), issue=issue
            )
        except Refused as exc:
            attach_error(form, str(exc), exc.field)
        else:
            flash("Action agreed.", "success")
            return redirect(
                url_for("governance.action", partnership_id=partnership.id, action_id=action.id)
            )
    return render_template(
        "governance/action_form.html",
        partnership=partnership,
        cycle=cycle,
        issue=issue,
        action=None,
        form=form,
    ), _status(form)


def _action_page(partnership: Partnership, action: Action, **forms: Any) -> str:
    now = _now()
    return render_template(
        "governance/action.html",
        partnership=partnership,
        action=action,
        cycle=get_child_or_404(Cycle, action.cycle_id, partnership),
        issue=get_child_or_404(Issue, action.issue_id, partnership) if action.issue_id else None,
        progress=gap_progress(action),
        overdue=services.is_action_overdue(action, partnership, now),
        events=services.events_of(action=action),
        status_form=forms.get("status_form")
        or ActionStatusForm(status=action.status, reason=action.status_reason),
        note_form=forms.get("note_form") or NoteForm(),
        active_tab="actions",
        **_names(partnership),
    )


@bp.get(BASE + "/actions/<int:action_id>")
@login_required
def action(partnership_id: int, action_id: int) -> str:
    partnership = authorize(current_account(), partnership_id, G.VIEW_GOVERNANCE)
    return _action_page(partnership, get_child_or_404(Action, action_id, partnership))


@bp.route(BASE + "/actions/<int:action_id>/edit", methods=["GET", "POST"])
@login_required
def edit_action(partnership_id: int, action_id: int):
    partnership = authorize(current_account(), partnership_id, G.EDIT_ACTION)
    action = get_child_or_404(Action, action_id, partnership)
    form = ActionForm(
        obj=None if request.method == "POST" else action,
        owner_organization_id=action.owner_organization_id or NOBODY,
        owner_user_id=action.owner_user_id or NOBODY,
    )
    form.setup(partnership, services.owners(partnership), services.dimension_choices(partnership))
    if request.method == "GET":
        form.dimension.data = action.dimension or ""
    if form.validate_on_submit():
        try:
            services.update_action(action, _action_data(form), current_account())
        except Refused as exc:
            attach_error(form, str(exc), exc.field)
        else:
            flash("Action saved.", "success")
            return redirect(
                url_for("governance.action", partnership_id=partnership.id, action_id=action.id)
            )
    return render_template(
        "governance/action_form.html",
        partnership=partnership,
        cycle=get_child_or_404(Cycle, action.cycle_id, partnership),
        issue=get_child_or_404(Issue, action.issue_id, partnership) if action.issue_id else None,
        action=action,
        form=form,
    ), _status(form)


def _back_to_action(partnership: Partnership, action: Action, anchor: str = "") -> Response:
    return redirect(
        url_for(
            "governance.action",
            partnership_id=partnership.id,
            action_id=action.id,
            _anchor=anchor or None,
        )
    )


@bp.post(BASE + "/actions/<int:action_id>/status")
@login_required
def action_status(partnership_id: int, action_id: int):
    partnership = authorize(current_account(), partnership_id, G.VIEW_GOVERNANCE)
    action = get_child_or_404(Action, action_id, partnership)
    authorize(current_account(), partnership_id, G.UPDATE_ACTION, owner_id=action.owner_user_id)
    form = ActionStatusForm()
    if form.validate_on_submit():
        try:
            services.set_action_status(
                action, form.status.data, form.reason.data or "", current_account()
            )
        except Refused as exc:
            attach_error(form, str(exc), exc.field)
        else:
            flash("Status saved.", "success")
            return _back_to_action(partnership, action)
    return _action_page(partnership, action, status_form=form), 400


@bp.post(BASE + "/actions/<int:action_id>/notes")
@login_required
def action_note(partnership_id: int, action_id: int):
    partnership = authorize(current_account(), partnership_id, G.VIEW_GOVERNANCE)
    action = get_child_or_404(Action, action_id, partnership)
    authorize(current_account(), partnership_id, G.UPDATE_ACTION, owner_id=action.owner_user_id)
    form = NoteForm()
    if form.validate_on_submit():
        try:
            services.add_progress_note(action, form.body.data, current_account())
        except Refused as exc:
            attach_error(form, str(exc), exc.field)
        else:
            flash("Progress note added.", "success")
            return _back_to_action(partnership, action, "record")
    return _action_page(partnership, action, note_form=form), 400


# --- lessons --------------------------------------------------------------------------------


@bp.get(BASE + "/lessons")
@login_required
def lessons(partnership_id: int) -> str:
    partnership = authorize(current_account(), partnership_id, G.VIEW_GOVERNANCE)
    cycles = services.list_cycles(partnership)
    args = request.args
    cycle = next((c for c in cycles if str(c.id) == args.get("cycle")), None)
    text, tag, dimension = args.get("q", ""), args.get("tag", ""), args.get("dimension", "")
    rows = services.search_lessons(
        partnership, text=text, tag=tag, dimension=dimension, cycle=cycle
    )
    return render_template(
        "governance/lessons.html",
        partnership=partnership,
        lessons=rows,
        cycles=cycles,
        cycle=cycle,
        q=text,
        tag=tag,
        dimension=dimension,
        tags=services.lesson_tags(partnership),
        cycle_labels={c.id: c.label for c in cycles},
        searched=bool(text or tag or dimension or cycle),
        active_tab="lessons",
        **_names(partnership),
    )


def _lesson_data(form: LessonForm) -> services.LessonData:
    return services.LessonData(
        what_happened=form.what_happened.data,
        what_worked=form.what_worked.data or "",
        what_failed=form.what_failed.data or "",
        dimension=form.dimension.data or None,
        tags=services.parse_tags(form.tags.data or ""),
    )


@bp.route(BASE + "/cycles/<int:cycle_id>/lessons/new", methods=["GET", "POST"])
@login_required
def new_lesson(partnership_id: int, cycle_id: int):
    partnership = authorize(current_account(), partnership_id, G.ADD_LESSON)
    cycle = get_child_or_404(Cycle, cycle_id, partnership)
    form = LessonForm()
    form.setup(services.dimension_choices(partnership))
    if form.validate_on_submit():
        try:
            services.add_lesson(cycle, _lesson_data(form), current_account())
        except Refused as exc:
            attach_error(form, str(exc), exc.field)
        else:
            flash(f"Lesson of {cycle.label} saved.", "success")
            return redirect(
                url_for("governance.lessons", partnership_id=partnership.id, cycle=cycle.id)
            )
    return render_template(
        "governance/lesson_form.html", partnership=partnership, cycle=cycle, lesson=None, form=form
    ), _status(form)


@bp.route(BASE + "/lessons/<int:lesson_id>/edit", methods=["GET", "POST"])
@login_required
def edit_lesson(partnership_id: int, lesson_id: int):
    partnership = authorize(current_account(), partnership_id, G.VIEW_GOVERNANCE)
    lesson = get_child_or_404(Lesson, lesson_id, partnership)
    authorize(current_account(), partnership_id, G.EDIT_LESSON, owner_id=lesson.author_id)
    cycle = get_child_or_404(Cycle, lesson.cycle_id, partnership)
    form = LessonForm(obj=None if request.method == "POST" else lesson)
    form.setup(services.dimension_choices(partnership))
    if request.method == "GET":
        form.dimension.data = lesson.dimension or ""
        form.tags.data = ", ".join(lesson.tags or [])
    if form.validate_on_submit():
        try:
            services.update_lesson(lesson, _lesson_data(form), current_account())
        except Refused as exc:
            attach_error(form, str(exc), exc.field)
        else:
            flash("Lesson saved.", "success")
            return redirect(
                url_for("governance.lessons", partnership_id=partnership.id, cycle=cycle.id)
            )
    return render_template(
        "governance/lesson_form.html",
        partnership=partnership,
        cycle=cycle,
        lesson=lesson,
        form=form,
        events=services.events_of(lesson=lesson),
    ), _status(form)


# --- the playbook ---------------------------------------------------------------------------


@bp.get(BASE + "/playbook")
@login_required
def playbook_page(partnership_id: int) -> str:
    partnership = authorize(current_account(), partnership_id, G.VIEW_GOVERNANCE)
    return render_template(
        "governance/playbook.html",
        partnership=partnership,
        suggestions=playbook.playbook(partnership, include_hidden=True),
        rule_labels=dict(RULE_CHOICES),
        active_tab="playbook",
        **_names(partnership),
    )


@bp.route(BASE + "/playbook/edit", methods=["GET", "POST"])
@login_required
def edit_suggestion(partnership_id: int):
    """Edit a suggestion (?key=b-joint-team or c-12), or add one of the partnership's own (no
    key)."""
    partnership = authorize(current_account(), partnership_id, G.EDIT_PLAYBOOK)
    key = request.values.get("key") or None
    current = playbook.suggestion(partnership, key) if key else None
    form = SuggestionForm()
    form.setup(services.dimension_choices(partnership))
    if request.method == "GET" and current is not None:
        form.key.data = current.key
        form.title.data = current.title
        form.description.data = current.description
        form.rules.data = list(current.rules)
        form.dimensions.data = list(current.dimensions)
        form.due_days.data = current.due_days
    if form.validate_on_submit():
        try:
            playbook.save_suggestion(
                partnership,
                key,
                playbook.SuggestionData(
                    title=form.title.data,
                    description=form.description.data or "",
                    rules=list(form.rules.data or []),
                    dimensions=list(form.dimensions.data or []),
                    due_days=form.due_days.data or 30,
                ),
                current_account(),
            )
        except Refused as exc:
            attach_error(form, str(exc), exc.field)
        else:
            flash("Suggestion saved.", "success")
            return redirect(url_for("governance.playbook_page", partnership_id=partnership.id))
    return render_template(
        "governance/suggestion_form.html",
        partnership=partnership,
        form=form,
        current=current,
        active_tab="playbook",
    ), _status(form)


@bp.post(BASE + "/playbook/visibility")
@login_required
def suggestion_visibility(partnership_id: int) -> Response:
    partnership = authorize(current_account(), partnership_id, G.EDIT_PLAYBOOK)
    key = request.form.get("key", "")
    hidden = request.form.get("hidden") == "1"
    playbook.set_hidden(partnership, key, hidden, current_account())
    flash(
        "Suggestion hidden from issues." if hidden else "Suggestion shown on issues again.",
        "success",
    )
    return redirect(url_for("governance.playbook_page", partnership_id=partnership.id))


@bp.post(BASE + "/playbook/restore")
@login_required
def restore_suggestion(partnership_id: int) -> Response:
    partnership = authorize(current_account(), partnership_id, G.EDIT_PLAYBOOK)
    try:
        playbook.restore_builtin(partnership, request.form.get("key", ""))
    except Refused as exc:
        flash(str(exc), "error")
    else:
        flash("The built-in suggestion is back as shipped.", "success")
    return redirect(url_for("governance.playbook_page", partnership_id=partnership.id))


# --- the playback ---------------------------------------------------------------------------


@bp.route(BASE + "/cycles/<int:cycle_id>/playback", methods=["GET", "POST"])
@login_required
def playback(partnership_id: int, cycle_id: int):
    partnership = authorize(current_account(), partnership_id, G.VIEW_GOVERNANCE)
    cycle = get_child_or_404(Cycle, cycle_id, partnership)
    published = services.playback_of(cycle)
    form = PlaybackForm()
    if request.method == "POST":
        authorize(current_account(), partnership_id, G.PUBLISH_PLAYBACK)
        if form.validate_on_submit():
            try:
                playback_services.publish_playback(
                    cycle,
                    form.message.data or "",
                    current_account(),
                    base_url=current_app.config["BASE_URL"],
                )
            except Refused as exc:
                attach_error(form, str(exc), exc.field)
            else:
                flash("Playback published: the emails are on their way.", "success")
                return redirect(
                    url_for("governance.playback", partnership_id=partnership.id, cycle_id=cycle.id)
                )
    data = (
        published.data
        if published is not None
        else playback_services.playback_data(cycle, form.message.data or "")
    )
    return render_template(
        "governance/playback.html",
        partnership=partnership,
        cycle=cycle,
        published=published,
        view=playback_view(data),
        recipients=len(playback_services.recipients(cycle))
        if published is None
        else published.recipients,
        form=form,
        can_publish=cycle.stage in playback_services.PUBLISH_STAGES,
    ), _status(form)


@public_bp.get("/s/<token>/playback")
def stakeholder_playback(token: str):
    """The playback, from a stakeholder's own survey link (any link they received), once the
    survey has closed. No account; nothing is written but the link check's throttle."""
    from partnership.surveys.public import link_refusal
    from partnership.surveys.taking import resolve_link

    result, link = resolve_link(token, ip=request.remote_addr)
    if link is None:
        return link_refusal(result)
    found = (
        playback_services.playback_for_survey(link.survey_id) if link.state == "closed" else None
    )
    if found is None:
        return render_template("governance/playback_pending.html", closed=link.state == "closed")
    return render_template("governance/playback_public.html", view=playback_view(found.data))
