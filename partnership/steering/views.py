"""Steering pages: the escalation path and trade-off priorities, escalating an issue and
saying what it trades off. Thin: check access, validate a form, call one service, render or
redirect. Who may do what: the partnership's one access function
(partnership.governance.access)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from partnership.accounts.session import current_account
from partnership.db import utcnow
from partnership.errors import Refused
from partnership.forms import attach_error
from partnership.governance import services as governance
from partnership.governance.access import GovernanceAction as G
from partnership.governance.access import authorize, may
from partnership.governance.models import Issue
from partnership.partnerships.models import Partnership
from partnership.partnerships.services import get_child_or_404
from partnership.steering import escalation, tradeoffs
from partnership.steering.forms import EscalateForm, IssueTradeOffsForm, LevelForm, TradeOffsForm

bp = Blueprint("steering", __name__)

BASE = "/partnerships/<int:partnership_id>"


def _issue(partnership: Partnership, issue_id: int) -> Issue:
    row: Issue = get_child_or_404(Issue, issue_id, partnership)
    return row


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
    issue = _issue(partnership, issue_id)
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
    issue = _issue(partnership, issue_id)
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
