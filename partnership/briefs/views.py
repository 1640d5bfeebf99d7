"""The brief's pages: a cycle's brief with its versions (issue, download, acknowledge), and the
panel on the cycle page. Thin: check access, call one service, render or redirect."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from partnership.accounts.session import current_account
from partnership.briefs import services
from partnership.briefs.data import BriefRefused, brief_surveys
from partnership.briefs.emails import pdf_filename
from partnership.errors import Refused
from partnership.partnerships.access import Act, authorize, may
from partnership.partnerships.models import Partnership
from partnership.partnerships.services import get_child_or_404
from partnership.results.services import hidden_comment_texts
from partnership.surveys.models import Cycle

bp = Blueprint("briefs", __name__)

BASE = "/partnerships/<int:partnership_id>/cycles/<int:cycle_id>/brief"


def _back(partnership: Partnership, cycle: Cycle) -> Response:
    return redirect(url_for("briefs.brief", partnership_id=partnership.id, cycle_id=cycle.id))


def cycle_panel(partnership: Partnership, cycle: Cycle) -> dict[str, Any]:
    """What the cycle page shows of the brief: the latest version and whether it can be
    issued (the cycle has a closed survey with results)."""
    rows = services.version_rows(cycle)
    done, waiting = services.brief_acknowledged(cycle)
    return {
        "may_issue_brief": may(current_account(), partnership, Act.ISSUE_BRIEF),
        "brief_panel": {
            "latest": rows[0] if rows else None,
            "count": len(rows),
            "ready": bool(brief_surveys(cycle)),
            "acknowledged": done,
            "waiting": waiting,
        },
    }


@bp.get(BASE)
@login_required
def brief(partnership_id: int, cycle_id: int) -> str:
    user = current_account()
    partnership = authorize(user, partnership_id, Act.VIEW_BRIEFS)
    cycle = get_child_or_404(Cycle, cycle_id, partnership)
    rows = services.version_rows(cycle)
    done, waiting = services.brief_acknowledged(cycle)
    return render_template(
        "briefs/brief.html",
        partnership=partnership,
        cycle=cycle,
        rows=rows,
        ready=bool(brief_surveys(cycle)),
        acknowledged=done,
        waiting=waiting,
        may_issue=may(user, partnership, Act.ISSUE_BRIEF),
        is_steering=services.steering_membership(partnership, user) is not None,
        me=user.id,
        recipients=len(services.steering_members(partnership)),
    )


@bp.post(BASE + "/issue")
@login_required
def issue(partnership_id: int, cycle_id: int) -> Response:
    user = current_account()
    partnership = authorize(user, partnership_id, Act.ISSUE_BRIEF)
    cycle = get_child_or_404(Cycle, cycle_id, partnership)
    try:
        version = services.issue_brief(cycle, user)
    except (BriefRefused, Refused) as exc:
        flash(str(exc), "error")
    else:
        members = len(services.steering_members(partnership))
        flash(
            f"Brief version {version.number} issued; it is emailed to {members} steering "
            f"member{'' if members == 1 else 's'}.",
            "success",
        )
    return _back(partnership, cycle)


@bp.get(BASE + "/v<int:number>.pdf")
@login_required
def download(partnership_id: int, cycle_id: int, number: int) -> Response:
    user = current_account()
    partnership = authorize(user, partnership_id, Act.VIEW_BRIEFS)
    cycle = get_child_or_404(Cycle, cycle_id, partnership)
    version = services.version_of(cycle, number)
    body = services.download(version, user)
    response = Response(body, mimetype="application/pdf")
    name = pdf_filename(partnership, cycle, version)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post(BASE + "/v<int:number>/acknowledge")
@login_required
def acknowledge(partnership_id: int, cycle_id: int, number: int) -> Response:
    user = current_account()
    partnership = authorize(user, partnership_id, Act.ACKNOWLEDGE_BRIEF)
    cycle = get_child_or_404(Cycle, cycle_id, partnership)
    version = services.version_of(cycle, number)
    try:
        services.acknowledge(version, user)
    except Refused as exc:
        flash(str(exc), "error")
    else:
        flash(f"You acknowledged brief version {version.number}.", "success")
    return _back(partnership, cycle)


@bp.get(BASE + "/read")
@login_required
def read(partnership_id: int, cycle_id: int) -> str:
    """The brief as an accessible web page: the latest version as it was issued (the same
    content as its PDF, whatever changed since), or, while none was issued, a preview of the
    records as they stand, dated by the latest close."""
    from partnership.briefs import frozen, html
    from partnership.briefs.data import build_brief, default_as_of

    user = current_account()
    partnership = authorize(user, partnership_id, Act.VIEW_BRIEFS)
    cycle = get_child_or_404(Cycle, cycle_id, partnership)
    version = services.latest_version(cycle)
    if version is not None and version.page is not None:
        view = frozen.loads(version.page, hidden_comments=hidden_comment_texts(cycle.id))
    else:
        if version is not None:  # issued before versions kept their page: rebuilt, as then
            as_of = version.as_of
            since = services.previous_as_of(partnership, as_of)
            author = version.issued_by_name
        else:
            try:
                as_of = default_as_of(cycle)
            except BriefRefused as exc:
                return render_template(
                    "briefs/unavailable.html",
                    partnership=partnership,
                    cycle=cycle,
                    problem=str(exc),
                )
            since, author = None, "Partnership Pulse"
        try:
            brief = build_brief(cycle, as_of=as_of, previous_as_of=since, author=author)
        except BriefRefused as exc:
            return render_template(
                "briefs/unavailable.html", partnership=partnership, cycle=cycle, problem=str(exc)
            )
        view = html.page(brief)
    return render_template(
        "briefs/read.html",
        partnership=partnership,
        cycle=cycle,
        version=version,
        view=view,
    )
