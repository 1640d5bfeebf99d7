"""The scheduler as coaches see it: a warning on their pages when it is not running, and each
partnership's schedule (next openings, reminders, closings; the reminder plan and cadence)."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, flash, g, redirect, render_template, url_for
from flask_login import current_user, login_required

from partnership.accounts.session import current_account
from partnership.db import utcnow
from partnership.errors import Refused
from partnership.forms import attach_error
from partnership.jobs import services
from partnership.jobs.forms import PlanForm
from partnership.jobs.registry import JOBS
from partnership.outbox import services as outbox
from partnership.partnerships.access import Act, acts_as_coach, authorize, may
from partnership.partnerships.models import Partnership
from partnership.surveys import schedule
from partnership.timefmt import duration, short_when

bp = Blueprint("jobs", __name__)

STATE_BADGES = {"draft": "grey", "scheduled": "amber", "open": "green", "closed": ""}
REMINDER_BADGES = {
    "planned": "grey",
    "due": "amber",
    "done": "green",
    "skipped": "",
    "not sent": "",
}


def _is_coach_account(user) -> bool:
    return bool(user.is_authenticated and acts_as_coach(user._get_current_object()))


def _coach_partnership(partnership_id: int, *, write: bool = False) -> Partnership:
    return authorize(
        current_account(), partnership_id, Act.CONFIGURE if write else Act.VIEW_SCHEDULE
    )


@bp.app_context_processor
def _scheduler_alert() -> dict[str, object]:
    def scheduler_alert() -> str | None:
        """The warning coach pages show when no scheduler is running, else None."""
        if not _is_coach_account(current_user):
            return None
        if "_pp_scheduler_alert" not in g:
            health = services.health(current_app.config)
            message = None
            if health.beat is None:
                message = "it never ran"
            elif health.is_stale:
                message = (
                    f"its last sign of life was {duration(health.age or health.stale_after)} ago"
                )
            g._pp_scheduler_alert = message
        return g._pp_scheduler_alert

    return {"scheduler_alert": scheduler_alert}


@bp.get("/partnerships/<int:partnership_id>/schedule")
@login_required
def schedule_page(partnership_id: int):
    partnership = _coach_partnership(partnership_id)
    form = None
    if may(current_account(), partnership, Act.CONFIGURE):
        days = schedule.reminder_days(partnership)
        form = PlanForm(
            data={
                "first_reminder": days[0] if days else None,
                "second_reminder": days[1] if len(days) > 1 else None,
                "cadence": partnership.cycle_cadence,
            }
        )
    return _render(partnership, form)


def _render(partnership: Partnership, form: PlanForm | None, status: int = 200):
    now = utcnow()
    return render_template(
        "jobs/schedule.html",
        partnership=partnership,
        entries=schedule.schedule(partnership, now),
        days=schedule.reminder_days(partnership),
        cadences=schedule.CADENCES,
        health=services.health(current_app.config, now),
        runs=services.last_runs(),
        jobs=JOBS,
        email_counts=outbox.status_counts(partnership.id),
        form=form,
        when=lambda value: short_when(value, partnership.timezone),
        duration=duration,
        duration_seconds=lambda job: duration(
            dt.timedelta(seconds=job.interval(current_app.config))
        ),
        missed=lambda survey: schedule.missed(survey, now),
        state_badges=STATE_BADGES,
        reminder_badges=REMINDER_BADGES,
    ), status


@bp.post("/partnerships/<int:partnership_id>/schedule")
@login_required
def save_plan(partnership_id: int):
    partnership = _coach_partnership(partnership_id, write=True)
    form = PlanForm()
    if form.validate_on_submit():
        try:
            schedule.save_plan(
                partnership,
                [form.first_reminder.data, form.second_reminder.data],
                form.cadence.data or "off",
            )
        except Refused as exc:
            attach_error(form, str(exc), exc.field)
        else:
            flash("Schedule settings saved.", "success")
            return redirect(url_for("jobs.schedule_page", partnership_id=partnership.id))
    return _render(partnership, form, 400)
