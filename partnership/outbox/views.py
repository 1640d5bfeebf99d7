"""The partnership's outbox for its coaches: every email with its status, failed ones with the
SMTP error and a button that sends them again."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required

from partnership.accounts.session import current_account
from partnership.errors import Refused
from partnership.outbox import services
from partnership.partnerships.access import Act, authorize, may
from partnership.partnerships.models import Partnership
from partnership.timefmt import short_when

bp = Blueprint("outbox", __name__)

STATUS_LABELS = {
    "failed": "Failed",
    "pending": "Waiting",
    "sending": "Sending",
    "sent": "Sent",
    "cancelled": "Not sent",
}


def _coach_partnership(partnership_id: int, *, write: bool = False) -> Partnership:
    return authorize(
        current_account(), partnership_id, Act.CONFIGURE if write else Act.VIEW_SCHEDULE
    )


@bp.get("/partnerships/<int:partnership_id>/outbox")
@login_required
def index(partnership_id: int):
    partnership = _coach_partnership(partnership_id)
    status = request.args.get("status") or None
    if status not in (None, *services.STATUS_ORDER):
        abort(404)
    return render_template(
        "outbox/index.html",
        partnership=partnership,
        page=services.partnership_outbox(partnership.id, status=status),
        counts=services.status_counts(partnership.id),
        status=status,
        labels=STATUS_LABELS,
        kind_label=services.kind_label,
        when=lambda value: short_when(value, partnership.timezone),
        may_retry=may(current_account(), partnership, Act.CONFIGURE),
        max_attempts=services.MAX_ATTEMPTS,
    )


@bp.post("/partnerships/<int:partnership_id>/outbox/retry")
@login_required
def retry(partnership_id: int):
    partnership = _coach_partnership(partnership_id, write=True)
    ids = [int(v) for v in request.form.getlist("message") if v.isdigit()]
    try:
        n = services.retry_failed(partnership.id, ids)
    except Refused as exc:
        flash(str(exc), "error")
    else:
        flash(
            f"{n} email{'s' if n != 1 else ''} queued again: the scheduler sends "
            f"{'them' if n != 1 else 'it'} within a minute.",
            "success",
        )
    return redirect(url_for("outbox.index", partnership_id=partnership.id, status="failed"))
