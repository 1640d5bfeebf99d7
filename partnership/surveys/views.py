"""The coach's cycle and survey pages. Thin: check access, validate a form, call one
service, render or redirect."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required

from partnership.accounts.session import current_account
from partnership.briefs import views as brief_views
from partnership.db import utcnow
from partnership.errors import Refused
from partnership.forms import attach_error, choices
from partnership.governance import views as governance_views
from partnership.instruments import services as instrument_services
from partnership.partnerships.access import Act, authorize, may
from partnership.partnerships.models import LEVELS, Partnership
from partnership.partnerships.services import get_child_or_404
from partnership.results import services as results_services
from partnership.scoring.format import fmt_pct
from partnership.surveys import schedule, services
from partnership.surveys.emails import format_local
from partnership.surveys.forms import CycleForm, SurveyForm
from partnership.surveys.models import Cycle, Survey
from partnership.surveys.taking import survey_page_context
from partnership.timefmt import roughly, zone

bp = Blueprint("surveys", __name__)

STATE_BADGES = {"draft": "grey", "scheduled": "amber", "open": "green", "closed": ""}


@bp.context_processor
def _helpers() -> dict[str, object]:
    def local_time(when: dt.datetime | None, partnership: Partnership) -> str:
        return format_local(when, partnership.timezone) if when else "—"

    def local_date(
        when: dt.datetime | None, partnership: Partnership, fmt: str = "%Y-%m-%d"
    ) -> str:
        return when.astimezone(zone(partnership.timezone)).strftime(fmt) if when else "—"

    return {
        "local_time": local_time,
        "local_date": local_date,
        "pct": fmt_pct,
        "state_badges": STATE_BADGES,
        "can_write": lambda partnership: may(current_account(), partnership, Act.CONFIGURE),
        "missed": lambda survey: schedule.missed(survey, utcnow()),
    }


def _cycle_or_404(partnership: Partnership, cycle_id: int) -> Cycle:
    return get_child_or_404(Cycle, cycle_id, partnership)


def _survey_or_404(partnership: Partnership, cycle: Cycle, survey_id: int) -> Survey:
    survey = get_child_or_404(Survey, survey_id, partnership)
    if survey.cycle_id != cycle.id:
        abort(404)
    return survey


# --- cycles -------------------------------------------------------------------------------


@bp.get("/partnerships/<int:partnership_id>/cycles")
@login_required
def index(partnership_id: int):
    partnership = authorize(current_account(), partnership_id, Act.VIEW)
    form = CycleForm()
    form.label.data = services.quarter_label(partnership)
    cycles = services.list_cycles(partnership)
    return render_template(
        "surveys/index.html",
        partnership=partnership,
        cycles=cycles,
        names=services.instrument_names([s for c in cycles for s in c.surveys]),
        form=form,
    )


@bp.route("/partnerships/<int:partnership_id>/cycles/new", methods=["GET", "POST"])
@login_required
def new_cycle(partnership_id: int):
    partnership = authorize(current_account(), partnership_id, Act.CONFIGURE)
    form = CycleForm()
    if request.method == "GET":
        form.label.data = services.quarter_label(partnership)
    if form.validate_on_submit():
        try:
            cycle = services.create_cycle(
                partnership,
                form.label.data,
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
            )
        except services.SurveyError as exc:
            attach_error(form, str(exc), exc.field)
        else:
            flash(f"Cycle {cycle.label} created.", "success")
            return redirect(
                url_for("surveys.cycle", partnership_id=partnership.id, cycle_id=cycle.id)
            )
    status = 400 if request.method == "POST" else 200
    return render_template(
        "surveys/cycle_form.html",
        partnership=partnership,
        form=form,
        default_label=services.quarter_label(partnership),
    ), status


@bp.get("/partnerships/<int:partnership_id>/cycles/<int:cycle_id>")
@login_required
def cycle(partnership_id: int, cycle_id: int):
    partnership = authorize(current_account(), partnership_id, Act.VIEW)
    cycle = _cycle_or_404(partnership, cycle_id)
    rows = [(s, services.survey_instrument(s)[0], services.participation(s)) for s in cycle.surveys]
    return render_template(
        "surveys/cycle.html",
        partnership=partnership,
        cycle=cycle,
        surveys=rows,
        **governance_views.cycle_panel(partnership, cycle),
        **brief_views.cycle_panel(partnership, cycle),
    )


# --- planning surveys ---------------------------------------------------------------------


def _survey_form(partnership: Partnership, obj: Survey | None = None) -> SurveyForm:
    form = SurveyForm()
    instruments = services.usable_instruments(partnership)
    form.instrument_id.choices = choices(
        [(0, "Choose an instrument")] + [(i.id, i.name) for i in instruments]
    )
    form.target_functions.choices = choices((f, f.capitalize()) for f in partnership.functions)
    tz = partnership.timezone
    form.opens_at.label.text = f"Planned opening ({tz})"
    form.closes_at.label.text = f"Planned closing ({tz})"
    if request.method == "GET" and obj is not None:
        form.instrument_id.data = obj.instrument_id
        form.opens_at.data = services.to_local(obj.opens_at, tz)
        form.closes_at.data = services.to_local(obj.closes_at, tz)
        form.target_functions.data = list(obj.target_functions)
        form.target_levels.data = list(obj.target_levels)
    return form


def _survey_data(form: SurveyForm) -> services.SurveyData:
    return services.SurveyData(
        instrument_id=form.instrument_id.data or 0,
        opens_at=form.opens_at.data,
        closes_at=form.closes_at.data,
        target_functions=list(form.target_functions.data or []),
        target_levels=list(form.target_levels.data or []),
    )


def _render_survey_form(partnership, cycle, form, survey):
    instruments = {i.id: i for i in services.usable_instruments(partnership)}
    return render_template(
        "surveys/survey_form.html",
        partnership=partnership,
        cycle=cycle,
        form=form,
        survey=survey,
        instruments=instruments,
        levels=LEVELS,
        gov=governance_views.previous_lessons(cycle),
    ), (400 if request.method == "POST" else 200)


@bp.route(
    "/partnerships/<int:partnership_id>/cycles/<int:cycle_id>/surveys/new",
    methods=["GET", "POST"],
)
@login_required
def new_survey(partnership_id: int, cycle_id: int):
    partnership = authorize(current_account(), partnership_id, Act.CONFIGURE)
    cycle = _cycle_or_404(partnership, cycle_id)
    form = _survey_form(partnership)
    if form.validate_on_submit():
        try:
            survey = services.create_survey(partnership, cycle, _survey_data(form))
        except services.SurveyError as exc:
            attach_error(form, str(exc), exc.field)
        else:
            flash("Survey planned.", "success")
            return redirect(_survey_url(survey))
    return _render_survey_form(partnership, cycle, form, None)


@bp.route(
    "/partnerships/<int:partnership_id>/cycles/<int:cycle_id>/surveys/<int:survey_id>/edit",
    methods=["GET", "POST"],
)
@login_required
def edit_survey(partnership_id: int, cycle_id: int, survey_id: int):
    partnership = authorize(current_account(), partnership_id, Act.CONFIGURE)
    cycle = _cycle_or_404(partnership, cycle_id)
    survey = _survey_or_404(partnership, cycle, survey_id)
    if survey.state not in services.EDITABLE_STATES:
        flash(f"This survey is {survey.state}: it can no longer be changed.", "error")
        return redirect(_survey_url(survey))
    form = _survey_form(partnership, survey)
    if form.validate_on_submit():
        try:
            services.update_survey(survey, _survey_data(form))
        except services.SurveyError as exc:
            attach_error(form, str(exc), exc.field)
        else:
            flash("Survey saved.", "success")
            return redirect(_survey_url(survey))
    return _render_survey_form(partnership, cycle, form, survey)


# --- the survey page and its actions ------------------------------------------------------


def _survey_url(survey: Survey) -> str:
    return url_for(
        "surveys.survey",
        partnership_id=survey.partnership_id,
        cycle_id=survey.cycle_id,
        survey_id=survey.id,
    )


def _render_survey(partnership, cycle, survey, status: int = 200):
    instrument, version = services.survey_instrument(survey)
    matching = (
        len(services.matching_stakeholders(survey))
        if survey.state in services.EDITABLE_STATES
        else None
    )
    return render_template(
        "surveys/survey.html",
        partnership=partnership,
        cycle=cycle,
        survey=survey,
        instrument=instrument,
        version=version,
        matching=matching,
        newcomers=services.not_invited(survey) if survey.state == "open" else [],
        stats=services.invitation_stats(survey),
        participation=services.participation(survey),
        levels=LEVELS,
    ), status


@bp.get("/partnerships/<int:partnership_id>/cycles/<int:cycle_id>/surveys/<int:survey_id>")
@login_required
def survey(partnership_id: int, cycle_id: int, survey_id: int):
    partnership = authorize(current_account(), partnership_id, Act.VIEW)
    cycle = _cycle_or_404(partnership, cycle_id)
    return _render_survey(partnership, cycle, _survey_or_404(partnership, cycle, survey_id))


def _action(partnership_id: int, cycle_id: int, survey_id: int, run, success):
    """Run a survey action for a POST button: redirect with a message, or show the refusal
    on the survey page (400, nothing changed)."""
    partnership = authorize(current_account(), partnership_id, Act.CONFIGURE)
    cycle = _cycle_or_404(partnership, cycle_id)
    survey = _survey_or_404(partnership, cycle, survey_id)
    try:
        result = run(survey)
    except Refused as exc:
        flash(str(exc), "error")
        return _render_survey(partnership, cycle, survey, 400)
    flash(success(result), "success")
    return redirect(_survey_url(survey))


SURVEY_URL = "/partnerships/<int:partnership_id>/cycles/<int:cycle_id>/surveys/<int:survey_id>"


def _confirm_page(partnership_id: int, cycle_id: int, survey_id: int, action: str, states, **more):
    """The confirmation page of an action with consequences (opening, closing): it posts to
    the action's own URL, so it works without JavaScript; one click on the survey page only
    leads here."""
    partnership = authorize(current_account(), partnership_id, Act.CONFIGURE)
    cycle = _cycle_or_404(partnership, cycle_id)
    survey = _survey_or_404(partnership, cycle, survey_id)
    if survey.state not in states:
        flash(f"This survey is {survey.state}: there is nothing to {action}.", "error")
        return redirect(_survey_url(survey))
    instrument, version = services.survey_instrument(survey)
    consequences = (
        services.open_consequences(survey)
        if action == "open"
        else results_services.close_consequences(survey)
    )
    return render_template(
        "surveys/confirm.html",
        partnership=partnership,
        cycle=cycle,
        survey=survey,
        instrument=instrument,
        version=version,
        action=action,
        c=consequences,
        roughly=roughly,
        **more,
    )


@bp.get(SURVEY_URL + "/open")
@login_required
def confirm_open(partnership_id: int, cycle_id: int, survey_id: int):
    return _confirm_page(partnership_id, cycle_id, survey_id, "open", services.EDITABLE_STATES)


@bp.get(SURVEY_URL + "/close")
@login_required
def confirm_close(partnership_id: int, cycle_id: int, survey_id: int):
    return _confirm_page(partnership_id, cycle_id, survey_id, "close", ("open",))


@bp.post(SURVEY_URL + "/open")
@login_required
def open_survey(partnership_id: int, cycle_id: int, survey_id: int):
    base_url = current_app.config["BASE_URL"]
    return _action(
        partnership_id,
        cycle_id,
        survey_id,
        lambda s: services.open_survey(s, base_url=base_url),
        lambda n: f"Survey open: {n} invitation{'s' if n != 1 else ''} queued for sending.",
    )


@bp.post(SURVEY_URL + "/close")
@login_required
def close_survey(partnership_id: int, cycle_id: int, survey_id: int):
    return _action(
        partnership_id,
        cycle_id,
        survey_id,
        results_services.close_survey,
        lambda _: "Survey closed: no more answers are accepted, and the results are frozen.",
    )


@bp.post(SURVEY_URL + "/remind")
@login_required
def remind(partnership_id: int, cycle_id: int, survey_id: int):
    base_url = current_app.config["BASE_URL"]
    return _action(
        partnership_id,
        cycle_id,
        survey_id,
        lambda s: services.send_reminders(s, base_url=base_url),
        lambda n: (
            f"{n} reminder{'s' if n != 1 else ''} queued for sending."
            if n
            else "Nobody to remind: everyone answered or opted out of reminders."
        ),
    )


@bp.post(SURVEY_URL + "/invite-newcomers")
@login_required
def invite_newcomers(partnership_id: int, cycle_id: int, survey_id: int):
    base_url = current_app.config["BASE_URL"]
    return _action(
        partnership_id,
        cycle_id,
        survey_id,
        lambda s: services.invite_newcomers(s, base_url=base_url),
        lambda n: f"{n} invitation{'s' if n != 1 else ''} queued for sending.",
    )


@bp.post(SURVEY_URL + "/test-invitation")
@login_required
def test_invitation(partnership_id: int, cycle_id: int, survey_id: int):
    base_url = current_app.config["BASE_URL"]
    user = current_account()
    return _action(
        partnership_id,
        cycle_id,
        survey_id,
        lambda s: services.send_test_invitation(s, user, base_url=base_url),
        lambda written: (
            f"A test invitation is on its way to {user.email}."
            if written
            else f"A test invitation was sent to {user.email} a moment ago."
        ),
    )


# --- instrument preview -------------------------------------------------------------------


@bp.get("/partnerships/<int:partnership_id>/instruments/<int:instrument_id>/preview")
@login_required
def instrument_preview(partnership_id: int, instrument_id: int):
    """An instrument's survey page as a stakeholder of organization A or B sees it (a link of
    the instrument library). Read-only: the page built by the survey-taking code, with no
    action to post to and a banner saying nothing is saved."""
    partnership = authorize(current_account(), partnership_id, Act.VIEW_INSTRUMENTS)
    instrument = instrument_services.get_instrument_or_404(partnership, instrument_id)
    version = instrument_services.get_version_or_404(
        instrument, request.args.get("version", type=int)
    )
    side = request.args.get("as", "A").upper()
    if side not in ("A", "B"):
        abort(404)
    respondent = partnership.org_a if side == "A" else partnership.org_b
    context = survey_page_context(version, respondent, partnership, preview=True)
    return render_template(
        "surveys/instrument_preview.html",
        **context,
        partnership=partnership,
        instrument=instrument,
        version=version,
        side=side,
    )
