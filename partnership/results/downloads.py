"""Coach-facing downloads and administration of results: CSV/XLSX exports, API tokens and
the access log."""

from __future__ import annotations

import re

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from partnership.accounts.session import current_account
from partnership.partnerships.access import Act, authorize
from partnership.partnerships.models import Partnership
from partnership.partnerships.services import get_child_or_404

# Importing services connects the snapshot-at-close receiver (see services.py).
from partnership.results import services
from partnership.results.models import ApiToken
from partnership.surveys.models import Survey
from partnership.timefmt import short_when

bp = Blueprint("downloads", __name__)

MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


class ApiTokenForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[DataRequired(message="Give the token a name."), Length(max=100)],
        description="Who or what will use it, e.g. “Power BI dashboard”. Shown in the access log.",
    )


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.")[:60] or "results"


def _download(partnership_id: int, survey_id: int, fmt: str) -> Response:
    partnership = authorize(current_account(), partnership_id, Act.VIEW_RESULTS)
    survey = get_child_or_404(Survey, survey_id, partnership)
    body = services.export_survey_file(survey, fmt, user=current_account())
    name = "-".join(
        _slug(part)
        for part in ("results", survey.cycle.label, services.lineage_key(survey), str(survey.id))
    )
    return Response(
        body,
        mimetype=MIMETYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{name}.{fmt}"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/partnerships/<int:partnership_id>/surveys/<int:survey_id>/results.csv")
@login_required
def results_csv(partnership_id: int, survey_id: int) -> Response:
    return _download(partnership_id, survey_id, "csv")


@bp.get("/partnerships/<int:partnership_id>/surveys/<int:survey_id>/results.xlsx")
@login_required
def results_xlsx(partnership_id: int, survey_id: int) -> Response:
    return _download(partnership_id, survey_id, "xlsx")


@bp.get("/partnerships/<int:partnership_id>/surveys/<int:survey_id>/results.json")
@login_required
def results_json(partnership_id: int, survey_id: int) -> Response:
    """The API's JSON export as a file to save (the API itself answers inline)."""
    return _download(partnership_id, survey_id, "json")


@bp.route("/partnerships/<int:partnership_id>/api-tokens", methods=["GET", "POST"])
@login_required
def api_tokens(partnership_id: int):
    partnership = authorize(
        current_account(),
        partnership_id,
        Act.MANAGE_API_TOKENS if request.method == "POST" else Act.VIEW_ACCESS_LOG,
    )
    form = ApiTokenForm()
    created: ApiToken | None = None
    raw: str | None = None
    if form.validate_on_submit():
        try:
            created, raw = services.create_api_token(
                partnership, form.name.data or "", current_account()
            )
        except services.ResultsError as exc:
            form.name.errors = [str(exc)]
        else:
            form = ApiTokenForm(formdata=None)
    status = 400 if form.errors else 200
    return render_template(
        "downloads/api_tokens.html",
        partnership=partnership,
        form=form,
        tokens=services.api_tokens(partnership),
        created=created,
        raw_token=raw,
        example_url=_example_url(partnership),
        local=_local_time(partnership),
    ), status


def _example_url(partnership: Partnership) -> str:
    return url_for(
        "api.cycle_results", partnership_id=partnership.id, cycle_id=0, _external=True
    ).replace("/cycles/0/", "/cycles/<cycle id>/")


@bp.post("/partnerships/<int:partnership_id>/api-tokens/<int:token_id>/revoke")
@login_required
def revoke_api_token(partnership_id: int, token_id: int):
    # Revoking only removes access, so it is allowed on an archived partnership too.
    partnership = authorize(current_account(), partnership_id, Act.VIEW_ACCESS_LOG)
    token = get_child_or_404(ApiToken, token_id, partnership)
    services.revoke_api_token(token)
    flash(f"Token “{token.name}” revoked: it no longer opens the results API.", "success")
    return redirect(url_for("downloads.api_tokens", partnership_id=partnership.id))


@bp.get("/partnerships/<int:partnership_id>/access-log")
@login_required
def access_log(partnership_id: int):
    partnership = authorize(current_account(), partnership_id, Act.VIEW_ACCESS_LOG)
    return render_template(
        "downloads/access_log.html",
        partnership=partnership,
        entries=services.access_log(partnership),
        limit=services.ACCESS_LOG_LIMIT,
        local=_local_time(partnership),
    )


def _local_time(partnership: Partnership):
    """A template helper: an aware UTC time in the partnership's zone, with the zone's name."""

    def local(value):
        return short_when(value, partnership.timezone)

    return local
