"""Steering pages: the escalation path and trade-off priorities, escalating an issue and
saying what it trades off, the decisions register, meetings and their agenda. Thin: check access, validate a form, call one service, render or
redirect. Who may do what: the partnership's one access function
(partnership.partnerships.access)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from partnership.accounts.session import current_account
from partnership.db import utcnow
from partnership.errors import Forbidden, Refused
from partnership.extensions import db
from partnership.forms import attach_error
from partnership.governance import services as governance
from partnership.governance.models import Issue
from partnership.partnerships.access import Act as G
from partnership.partnerships.access import acts_as_coach, authorize, may
from partnership.partnerships.models import Partnership
from partnership.partnerships.services import get_child_or_404
from partnership.steering import decisions as register
from partnership.steering import escalation, tradeoffs
from partnership.steering import meetings as meetings_services
from partnership.steering import portfolio as portfolio_services
from partnership.steering.forms import (
    AgendaCommentForm,
    AgendaItemForm,
    DecisionForm,
    EscalateForm,
    IssueTradeOffsForm,
    LevelForm,
    MeetingForm,
    MeetingRecordForm,
    TradeOffsForm,
)
from partnership.steering.models import AgendaItem, Decision, Meeting

bp = Blueprint("steering", __name__)

BASE = "/partnerships/<int:partnership_id>"


def _status() -> int:
    return 400 if request.method == "POST" else 200


# --- the escalation path and the trade-off priorities ---------------------------------------


def _path_page(partnership: Partnership, trade_offs_form: TradeOffsForm | None = None) -> str:
    ranked = tradeoffs.priorities(partnership)
    form = trade_offs_form or TradeOffsForm(names="\n".join(p.name for p in ranked))
    return render_template(
        "steering/path.html",
        partnership=partnership,
        levels=escalation.path(partnership),
        org_names={o.id: o.name for o in partnership.organizations},
        priorities=ranked,
        trade_offs_form=form,
        editable=may(current_account(), partnership, G.EDIT_STEERING),
        active_tab="escalation",
    )


@bp.get(BASE + "/escalation")
@login_required
def path(partnership_id: int) -> str:
    partnership = authorize(current_account(), partnership_id, G.VIEW_GOVERNANCE)
    return _path_page(partnership)


@bp.route(BASE + "/escalation/levels/<int:level>", methods=["GET", "POST"])
@login_required
def edit_level(partnership_id: int, level: int):
    partnership = authorize(current_account(), partnership_id, G.EDIT_STEERING)
    levels = escalation.path(partnership)
    if not 1 <= level <= len(levels) + 1 or level > escalation.MAX_LEVELS:
        return redirect(url_for("steering.path", partnership_id=partnership.id))
    current = levels[level - 1] if level <= len(levels) else None
    if current is not None and request.method == "GET":
        form = LevelForm(
            name=current.name,
            days_allowed=current.days_allowed,
            people_a=[
                p.user_id for p in current.people if p.organization_id == partnership.org_a.id
            ],
            people_b=[
                p.user_id for p in current.people if p.organization_id == partnership.org_b.id
            ],
        )
    else:
        form = LevelForm(days_allowed=7) if request.method == "GET" else LevelForm()
    form.setup_people(partnership, governance.owners(partnership), "People")
    if form.validate_on_submit():
        try:
            escalation.save_level(
                partnership,
                level,
                escalation.LevelData(
                    form.name.data or "",
                    form.days_allowed.data or 0,
                    form.chosen_people(partnership),
                ),
                current_account(),
            )
        except Refused as exc:
            attach_error(form, str(exc), exc.field)
        else:
            flash("Escalation path saved.", "success")
            return redirect(url_for("steering.path", partnership_id=partnership.id))
    return render_template(
        "steering/level_form.html",
        partnership=partnership,
        form=form,
        level=level,
        is_new=current is None,
        active_tab="escalation",
    ), _status()


@bp.post(BASE + "/escalation/levels/remove-last")
@login_required
def remove_last_level(partnership_id: int) -> Response:
    partnership = authorize(current_account(), partnership_id, G.EDIT_STEERING)
    try:
        escalation.remove_last_level(partnership, current_account())
    except Refused as exc:
        flash(str(exc), "error")
    else:
        flash("The last level was removed.", "success")
    return redirect(url_for("steering.path", partnership_id=partnership.id))


@bp.post(BASE + "/trade-offs")
@login_required
def trade_offs(partnership_id: int):
    partnership = authorize(current_account(), partnership_id, G.EDIT_STEERING)
    form = TradeOffsForm()
    if form.validate_on_submit():
        try:
            tradeoffs.set_priorities(
                partnership, tradeoffs.parse_names(form.names.data or ""), current_account()
            )
        except Refused as exc:
            attach_error(form, str(exc), "names")
        else:
            flash("Trade-off priorities saved.", "success")
            return redirect(
                url_for("steering.path", partnership_id=partnership.id, _anchor="trade-offs")
            )
    return _path_page(partnership, form), 400


# --- an issue on its path --------------------------------------------------------------------


def issue_panel(partnership: Partnership, issue: Issue, **forms: Any) -> dict[str, Any]:
    """What the issue page shows of the steering committee's side: where the issue stands on
    its escalation path (and whether the signed-in user may move it up), what it trades off.
    Used by the issue page of partnership.governance.views."""
    user = current_account()
    standing = escalation.standing_of(issue, utcnow())
    ranked = tradeoffs.priorities(partnership)
    keys = tradeoffs.tags_of_issues([issue.id])[issue.id]
    tag_form = forms.get("trade_offs_form") or IssueTradeOffsForm(trade_offs=keys)
    tag_form.setup(ranked)
    mine = standing is not None and user.id in standing.level.user_ids
    levels = escalation.path(partnership)
    above = (
        levels[standing.level.position]
        if standing is not None and standing.level.position < len(levels)
        else None
    )
    return {
        "esc": {
            "standing": standing,
            "next_level": above,
            "may_escalate": above is not None
            and may(user, partnership, G.ESCALATE_ISSUE, owner_id=user.id if mine else None),
            "form": forms.get("escalate_form") or EscalateForm(),
            "trade_offs": tradeoffs.names_of(keys, ranked),
            "decisions": register.decisions_of_issue(issue),
            "tag_form": tag_form,
        }
    }


def _back(partnership: Partnership, issue: Issue) -> Response:
    return redirect(
        url_for(
            "governance.issue",
            partnership_id=partnership.id,
            issue_id=issue.id,
            _anchor="escalation",
        )
    )


@bp.post(BASE + "/issues/<int:issue_id>/escalate")
@login_required
def escalate(partnership_id: int, issue_id: int):
    from partnership.governance.views import issue_page

    user = current_account()
    partnership = authorize(user, partnership_id, G.VIEW_GOVERNANCE)
    issue = get_child_or_404(Issue, issue_id, partnership)
    standing = escalation.standing_of(issue)
    mine = standing is not None and user.id in standing.level.user_ids
    authorize(user, partnership_id, G.ESCALATE_ISSUE, owner_id=user.id if mine else None)
    form = EscalateForm()
    if form.validate_on_submit():
        try:
            reached = escalation.escalate(issue, user, note=form.note.data or "")
        except Refused as exc:
            flash(str(exc), "error")
            return _back(partnership, issue)
        flash(f"Escalated to {reached.name}.", "success")
        return _back(partnership, issue)
    return issue_page(partnership, issue, escalate_form=form), 400


@bp.post(BASE + "/issues/<int:issue_id>/trade-offs")
@login_required
def issue_trade_offs(partnership_id: int, issue_id: int):
    from partnership.governance.views import issue_page

    partnership = authorize(current_account(), partnership_id, G.TAG_TRADE_OFFS)
    issue = get_child_or_404(Issue, issue_id, partnership)
    form = IssueTradeOffsForm()
    form.setup(tradeoffs.priorities(partnership))
    if form.validate_on_submit():
        try:
            tradeoffs.tag_issue(issue, form.trade_offs.data or [], current_account())
        except Refused as exc:
            attach_error(form, str(exc), "trade_offs")
        else:
            flash("Trade-offs saved.", "success")
            return _back(partnership, issue)
    return issue_page(partnership, issue, trade_offs_form=form), 400


# --- the decisions register ------------------------------------------------------------------


def _names(partnership: Partnership) -> dict[str, Any]:
    return {
        "org_names": {o.id: o.name for o in partnership.organizations},
        "trade_off_names": {p.key: p.name for p in tradeoffs.priorities(partnership)},
    }


@bp.get(BASE + "/decisions")
@login_required
def decisions(partnership_id: int) -> str:
    partnership = authorize(current_account(), partnership_id, G.VIEW_GOVERNANCE)
    rows = register.list_decisions(partnership)
    return render_template(
        "steering/decisions.html",
        partnership=partnership,
        decisions=rows,
        tags=tradeoffs.tags_of_decisions([d.id for d in rows]),
        meetings={m.id: m for m in meetings_services.list_meetings(partnership)},
        active_tab="decisions",
        **_names(partnership),
    )


def _decision_form_page(
    partnership: Partnership, form: DecisionForm, decision: Decision | None
) -> str:
    return render_template(
        "steering/decision_form.html",
        partnership=partnership,
        form=form,
        decision=decision,
        active_tab="decisions",
    )


def _setup_decision_form(partnership: Partnership, form: DecisionForm) -> None:
    form.setup(
        partnership,
        governance.owners(partnership),
        governance.list_issues(partnership),
        governance.list_actions(partnership),
        meetings_services.list_meetings(partnership),
        tradeoffs.priorities(partnership),
    )


def _decision_data(partnership: Partnership, form: DecisionForm) -> register.DecisionData:
    return register.DecisionData(
        title=form.title.data or "",
        status=form.status.data or "made",
        rationale=form.rationale.data or "",
        options=(form.options.data or "").splitlines(),
        deciders=form.chosen_people(partnership),
        decided_on=form.decided_on.data,
        issue_ids=list(form.issue_ids.data or []),
        action_ids=list(form.action_ids.data or []),
        resolves=list(form.resolves.data or []),
        trade_offs=list(form.trade_offs.data or []),
        meeting_id=form.meeting_id.data or None,
    )


@bp.route(BASE + "/decisions/new", methods=["GET", "POST"])
@login_required
def new_decision(partnership_id: int):
    partnership = authorize(current_account(), partnership_id, G.RECORD_DECISION)
    if request.method == "GET":
        form = DecisionForm(
            issue_ids=[int(i) for i in request.args.getlist("issue") if i.isdigit()],
            meeting_id=request.args.get("meeting", 0, type=int),
            status=request.args.get("status", "made"),
        )
    else:
        form = DecisionForm()
    _setup_decision_form(partnership, form)
    if form.validate_on_submit():
        try:
            decision = register.save_decision(
                partnership, _decision_data(partnership, form), current_account()
            )
        except Refused as exc:
            attach_error(form, str(exc), exc.field)
        else:
            flash(
                "Decision recorded." if decision.status == "made" else "Decision requested.",
                "success",
            )
            return redirect(
                url_for("steering.decision", partnership_id=partnership.id, decision_id=decision.id)
            )
    return _decision_form_page(partnership, form, None), _status()


@bp.get(BASE + "/decisions/<int:decision_id>")
@login_required
def decision(partnership_id: int, decision_id: int) -> str:
    partnership = authorize(current_account(), partnership_id, G.VIEW_GOVERNANCE)
    row = get_child_or_404(Decision, decision_id, partnership)
    return render_template(
        "steering/decision.html",
        partnership=partnership,
        decision=row,
        links=register.links_of(row),
        tags=tradeoffs.tags_of_decisions([row.id])[row.id],
        meeting=db.session.get(Meeting, row.meeting_id) if row.meeting_id else None,
        may_edit=may(
            current_account(),
            partnership,
            G.RECORD_DECISION if row.status == "requested" else G.EDIT_DECISION,
        ),
        active_tab="decisions",
        **_names(partnership),
    )


@bp.route(BASE + "/decisions/<int:decision_id>/edit", methods=["GET", "POST"])
@login_required
def edit_decision(partnership_id: int, decision_id: int):
    partnership = authorize(current_account(), partnership_id, G.VIEW_GOVERNANCE)
    row = get_child_or_404(Decision, decision_id, partnership)
    # a requested decision is made by whoever may record decisions; a made one is a coach's to edit
    authorize(
        current_account(),
        partnership_id,
        G.RECORD_DECISION if row.status == "requested" else G.EDIT_DECISION,
    )
    if request.method == "GET":
        links = register.links_of(row)
        form = DecisionForm(
            status="made",
            title=row.title,
            rationale=row.rationale,
            options="\n".join(row.options or []),
            decided_on=row.decided_on,
            meeting_id=row.meeting_id or request.args.get("meeting", 0, type=int),
            people_a=[
                d["user_id"]
                for d in row.deciders
                if d.get("organization_id") == partnership.org_a.id
            ],
            people_b=[
                d["user_id"]
                for d in row.deciders
                if d.get("organization_id") == partnership.org_b.id
            ],
            issue_ids=[i.id for i, _ in links.issues],
            resolves=[i.id for i, resolves in links.issues if resolves],
            action_ids=[a.id for a in links.actions],
            trade_offs=tradeoffs.tags_of_decisions([row.id])[row.id],
        )
    else:
        form = DecisionForm()
    _setup_decision_form(partnership, form)
    if form.validate_on_submit():
        try:
            register.save_decision(
                partnership, _decision_data(partnership, form), current_account(), decision=row
            )
        except Refused as exc:
            attach_error(form, str(exc), exc.field)
        else:
            flash("Decision saved.", "success")
            return redirect(
                url_for("steering.decision", partnership_id=partnership.id, decision_id=row.id)
            )
    return _decision_form_page(partnership, form, row), _status()


# --- meetings and their agenda ----------------------------------------------------------------


@bp.get(BASE + "/meetings")
@login_required
def meetings(partnership_id: int) -> str:
    partnership = authorize(current_account(), partnership_id, G.VIEW_GOVERNANCE)
    return render_template(
        "steering/meetings.html",
        partnership=partnership,
        outcomes=meetings_services.outcomes(partnership),
        active_tab="meetings",
    )


@bp.route(BASE + "/meetings/new", methods=["GET", "POST"])
@login_required
def new_meeting(partnership_id: int):
    partnership = authorize(current_account(), partnership_id, G.PLAN_MEETING)
    form = MeetingForm()
    form.setup_people(partnership, governance.owners(partnership), "Attending")
    if form.validate_on_submit():
        try:
            meeting = meetings_services.create_meeting(
                partnership,
                meetings_services.MeetingData(
                    form.title.data or "", form.held_on.data, form.chosen_people(partnership)
                ),
                current_account(),
            )
        except Refused as exc:
            attach_error(form, str(exc), exc.field)
        else:
            flash("Meeting planned; its agenda is ready.", "success")
            return redirect(
                url_for("steering.meeting", partnership_id=partnership.id, meeting_id=meeting.id)
            )
    return render_template(
        "steering/meeting_form.html", partnership=partnership, form=form, active_tab="meetings"
    ), _status()


def _meeting_page(partnership: Partnership, meeting: Meeting, **forms: Any) -> str:
    record_form = forms.get("record_form") or MeetingRecordForm(
        minutes=meeting.minutes,
        people_a=[
            a["user_id"]
            for a in meeting.attendees
            if a.get("organization_id") == partnership.org_a.id
        ],
        people_b=[
            a["user_id"]
            for a in meeting.attendees
            if a.get("organization_id") == partnership.org_b.id
        ],
    )
    record_form.setup_people(partnership, governance.owners(partnership), "Attended")
    agenda = meetings_services.items(meeting)
    made = [d for d in meetings_services.decisions_of_meeting(meeting) if d.status == "made"]
    return render_template(
        "steering/meeting.html",
        partnership=partnership,
        meeting=meeting,
        agenda=agenda,
        comments=meetings_services.comments_of(meeting),
        decisions_made=made,
        discussed=sum(1 for i in agenda if i.is_discussed),
        labels=meetings_services.GROUP_LABELS,
        record_form=record_form,
        item_form=forms.get("item_form") or AgendaItemForm(),
        comment_form=AgendaCommentForm(),
        failed_comment=forms.get("failed_comment"),
        active_tab="meetings",
        **_names(partnership),
    )


@bp.get(BASE + "/meetings/<int:meeting_id>")
@login_required
def meeting(partnership_id: int, meeting_id: int) -> str:
    partnership = authorize(current_account(), partnership_id, G.VIEW_GOVERNANCE)
    return _meeting_page(partnership, get_child_or_404(Meeting, meeting_id, partnership))


def _to_meeting(partnership: Partnership, meeting_id: int, anchor: str | None = None) -> Response:
    return redirect(
        url_for(
            "steering.meeting", partnership_id=partnership.id, meeting_id=meeting_id, _anchor=anchor
        )
    )


@bp.post(BASE + "/meetings/<int:meeting_id>/record")
@login_required
def record_meeting(partnership_id: int, meeting_id: int):
    partnership = authorize(current_account(), partnership_id, G.PLAN_MEETING)
    row = get_child_or_404(Meeting, meeting_id, partnership)
    form = MeetingRecordForm()
    form.setup_people(partnership, governance.owners(partnership), "Attended")
    if form.validate_on_submit():
        try:
            meetings_services.record_meeting(
                row, form.chosen_people(partnership), form.minutes.data or "", current_account()
            )
        except Refused as exc:
            attach_error(form, str(exc), exc.field)
        else:
            flash("Minutes saved.", "success")
            return _to_meeting(partnership, row.id, "minutes")
    return _meeting_page(partnership, row, record_form=form), 400


@bp.post(BASE + "/meetings/<int:meeting_id>/items")
@login_required
def add_item(partnership_id: int, meeting_id: int):
    partnership = authorize(current_account(), partnership_id, G.PLAN_MEETING)
    row = get_child_or_404(Meeting, meeting_id, partnership)
    form = AgendaItemForm()
    if form.validate_on_submit():
        try:
            item = meetings_services.add_item(
                row, form.title.data or "", form.detail.data or "", current_account()
            )
        except Refused as exc:
            attach_error(form, str(exc), exc.field)
        else:
            flash("Item added.", "success")
            return _to_meeting(partnership, row.id, f"item-{item.id}")
    return _meeting_page(partnership, row, item_form=form), 400


@bp.post(BASE + "/agenda/<int:agenda_item_id>/move")
@login_required
def move_item(partnership_id: int, agenda_item_id: int) -> Response:
    partnership = authorize(current_account(), partnership_id, G.PLAN_MEETING)
    item = get_child_or_404(AgendaItem, agenda_item_id, partnership)
    try:
        meetings_services.move_item(item, request.form.get("direction", ""))
    except Refused as exc:
        flash(str(exc), "error")
    return _to_meeting(partnership, item.meeting_id, f"item-{item.id}")


@bp.post(BASE + "/agenda/<int:agenda_item_id>/discussed")
@login_required
def item_discussed(partnership_id: int, agenda_item_id: int) -> Response:
    partnership = authorize(current_account(), partnership_id, G.PLAN_MEETING)
    item = get_child_or_404(AgendaItem, agenda_item_id, partnership)
    meetings_services.set_discussed(item, request.form.get("discussed") == "1")
    return _to_meeting(partnership, item.meeting_id, f"item-{item.id}")


@bp.post(BASE + "/agenda/<int:agenda_item_id>/comments")
@login_required
def item_comment(partnership_id: int, agenda_item_id: int):
    partnership = authorize(current_account(), partnership_id, G.COMMENT_AGENDA)
    item = get_child_or_404(AgendaItem, agenda_item_id, partnership)
    form = AgendaCommentForm()
    if form.validate_on_submit():
        meetings_services.comment_on_item(item, form.body.data or "", current_account())
        flash("Comment added.", "success")
        return _to_meeting(partnership, item.meeting_id, f"item-{item.id}")
    row = get_child_or_404(Meeting, item.meeting_id, partnership)
    return _meeting_page(partnership, row, failed_comment=(item.id, form)), 400


# --- the portfolio ------------------------------------------------------------------------------


@bp.get("/portfolio")
@login_required
def portfolio() -> str:
    """Every partnership the coach holds (an admin: all), sortable by each column."""
    user = current_account()
    if not acts_as_coach(user):
        raise Forbidden("The portfolio is for coaches.")
    sort = request.args.get("sort", "health")
    sort = sort if sort in portfolio_services.SORTS else "health"
    descending = request.args.get("order") == "desc"
    columns = [
        ("name", "Partnership"),
        ("health", "Health"),
        (None, "Trend, last four cycles"),
        ("escalations", "Open escalations"),
        ("overdue", "Overdue stages and actions"),
        ("next", "Next survey"),
    ]
    return render_template(
        "steering/portfolio.html",
        rows=portfolio_services.portfolio(user, sort=sort, descending=descending),
        sort=sort,
        sort_label=dict(c for c in columns if c[0])[sort],
        descending=descending,
        columns=columns,
    )
