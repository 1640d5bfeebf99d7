"""Results pages: the partnership overview, one survey's results, trends across cycles, and a
coach hiding a comment.

Every number on these pages comes from a stored snapshot (scoring.md section 7), never from the
answers: the snapshot already withholds what the privacy rules withhold, and the presenters
show a withheld value as an en dash. While a survey is open only participation is shown.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_login import login_required
from markupsafe import Markup

from partnership.accounts.session import current_account
from partnership.errors import Refused
from partnership.governance import views as governance_views
from partnership.instruments.models import Instrument
from partnership.memo import kept
from partnership.partnerships.access import Act, authorize, may
from partnership.partnerships.models import Partnership
from partnership.partnerships.services import get_child_or_404
from partnership.results import presenters, services
from partnership.surveys.models import Survey
from partnership.surveys.services import survey_instrument
from partnership.timefmt import short_when

log = logging.getLogger(__name__)
bp = Blueprint("results", __name__)

#: What an unreadable snapshot (empty, another schema) raises while it is presented.
UNREADABLE = (presenters.MalformedResult, KeyError, TypeError, ValueError)


# --- page data ----------------------------------------------------------------------------


def _local(partnership: Partnership, when: dt.datetime | None) -> str:
    """A time in the partnership's time zone, with the zone's name."""
    return short_when(when, partnership.timezone, empty="–")


def _exports(partnership: Partnership, survey: Survey) -> list[tuple[str, str]]:
    """Download links of the survey's results (those whose blueprint is registered)."""
    links = []
    for endpoint, label in (
        ("downloads.results_csv", "CSV"),
        ("downloads.results_xlsx", "XLSX"),
        ("downloads.results_json", "JSON"),
    ):
        url = _link(endpoint, partnership_id=partnership.id, survey_id=survey.id)
        if url:
            links.append((label, url))
    return links


def _link(endpoint: str, **values: Any) -> str | None:
    return url_for(endpoint, **values) if endpoint in current_app.view_functions else None


def _survey_name(instrument: Instrument, survey: Survey) -> str:
    return f"{instrument.name} · {survey.cycle.label}"


# --- the one write: hiding a comment ------------------------------------------------------


# --- charts -------------------------------------------------------------------------------


def _survey_charts(page: dict[str, Any]) -> dict[str, Markup]:
    from partnership.results import charts  # ReportLab: loaded by the first page that draws

    labels, scores_a, scores_b = page["radar"]
    rows, cols, values = page["heatmap"]
    out = {
        "radar": charts.to_svg(
            charts.radar_chart(labels, scores_a, scores_b, page["names"]), "chart-radar"
        ),
        "gap": charts.to_svg(charts.gap_chart(page["gap_rows"], page["names"]), "chart-gap"),
        "split": charts.to_svg(charts.split_chart(page["split_chart_rows"]), "chart-split"),
    }
    if rows:
        out["heatmap"] = charts.to_svg(charts.heatmap(rows, cols, values), "chart-heatmap")
    return out


# --- pages --------------------------------------------------------------------------------


@bp.get("/partnerships/<int:partnership_id>/results")
@login_required
def overview(partnership_id: int):
    partnership = authorize(current_account(), partnership_id, Act.VIEW_RESULTS)
    latest = []
    # One summary per cycle before its surveys when a cycle holds several (issue 19, item 3).
    by_cycle: dict[int, dict[str, Any]] = {}
    # Surveys of one cycle carry the same KPI values: the table is shown once per cycle.
    kpis_shown: dict[tuple[int, tuple], str] = {}
    for instrument, surveys in services.surveys_by_lineage(partnership, ["closed"]):
        survey = surveys[-1]
        snapshot = services.current_snapshot(survey)
        card = None
        if snapshot is not None:
            try:
                card = presenters.overview_card(snapshot.data)
            except UNREADABLE:
                log.warning("snapshot %s of survey %s is unreadable", snapshot.id, survey.id)
        name = _survey_name(instrument, survey)
        shown_with = None
        if card is not None and card["kpis"]:
            shown_with = kpis_shown.setdefault((survey.cycle_id, tuple(card["kpis"])), name)
        entry = {
            "name": name,
            "instrument": instrument,
            "survey": survey,
            "closed_at": _local(partnership, survey.closed_at),
            "card": card,
            "kpis_shown_with": shown_with if shown_with != name else None,
        }
        latest.append(entry)
        group = by_cycle.setdefault(survey.cycle_id, {"cycle": survey.cycle, "entries": []})
        group["entries"].append(entry)
    in_progress = []
    for instrument, surveys in services.surveys_by_lineage(partnership, ["open"]):
        for survey in surveys:
            try:
                orgs = presenters.participation_summary(services.survey_result_dict(survey))
            except UNREADABLE:
                orgs = []
            in_progress.append(
                {"name": _survey_name(instrument, survey), "survey": survey, "orgs": orgs}
            )
    return render_template(
        "results/overview.html",
        partnership=partnership,
        latest=latest,
        cycles=list(by_cycle.values()),
        in_progress=in_progress,
        **governance_views.status_panel(partnership),
        access_log_url=_link("downloads.access_log", partnership_id=partnership.id),
        api_tokens_url=_link("downloads.api_tokens", partnership_id=partnership.id),
    )


@bp.get("/partnerships/<int:partnership_id>/surveys/<int:survey_id>/results", endpoint="survey")
@login_required
def survey_results(partnership_id: int, survey_id: int):
    partnership = authorize(current_account(), partnership_id, Act.VIEW_RESULTS)
    survey = get_child_or_404(Survey, survey_id, partnership)
    instrument, version = survey_instrument(survey)
    context: dict[str, Any] = {
        "partnership": partnership,
        "survey": survey,
        "name": _survey_name(instrument, survey),
        "version_number": version.number,
        "opened_at": _local(partnership, survey.opened_at),
        "closed_at": _local(partnership, survey.closed_at),
        "can_edit": may(current_account(), partnership, Act.CONFIGURE),  # hide comments, re-score
        "page": None,
        "open_orgs": None,
        "snapshot": None,
    }
    if survey.state == "open":
        result = services.survey_result_dict(survey)
        try:
            context["open_orgs"] = presenters.participation_summary(result)
            context["open_function"] = presenters.participation_rows(result, "function")
            context["open_level"] = presenters.participation_rows(result, "level")
        except UNREADABLE:
            context["open_orgs"] = []
        return render_template("results/survey.html", **context)
    if survey.state != "closed":
        return render_template("results/survey.html", **context)
    snapshot = services.current_snapshot(survey, data=False)
    if snapshot is not None:
        # Frozen results: what is drawn from them is kept per snapshot version (and per set
        # of hidden comments for what shows comments), so a re-score (a new version) or a
        # hidden comment (a new set) gets fresh ones and nothing else ever goes stale.
        frozen = (snapshot.id, snapshot.version, snapshot.created_at)
        hidden = frozenset(services.hidden_comment_ids(survey))
        try:
            page = kept(
                "results-page",
                (frozen, hidden),
                lambda: presenters.survey_page(
                    snapshot.data,
                    hidden_comment_ids=hidden,
                    item_texts=services.item_texts(survey),
                ),
                limit=KEPT_PAGES,
            )
        except UNREADABLE:
            log.warning("snapshot %s of survey %s is unreadable", snapshot.id, survey.id)
        else:
            context.update(
                page=page,
                charts=kept(
                    "results-charts", frozen, lambda: _survey_charts(page), limit=KEPT_PAGES
                ),
                comments_html=kept(
                    "results-comments",
                    (frozen, hidden, partnership.id, context["can_edit"]),
                    lambda: _comments_html(partnership, page, context["can_edit"]),
                    limit=KEPT_PAGES,
                ),
                snapshot=snapshot,
                snapshot_at=_local(partnership, snapshot.created_at),
                exports=_exports(partnership, survey),
            )
    return render_template("results/survey.html", **context)


#: Results pages whose charts, display rows and comment list a worker keeps (a 10k-respondent
#: survey's are about 0.5 MB).
KEPT_PAGES = 16


def _comments_html(partnership: Partnership, page: dict[str, Any], can_edit: bool) -> Markup:
    """The comment list of a results page. Each "Hide" button posts the page's one hiding form
    (its CSRF token written once) to its comment's URL: no form, URL building or token per
    comment."""
    hide_url = url_for("results.hide_comment", partnership_id=partnership.id, comment_id="-")
    return Markup(  # noqa: S704 - autoescaped template output
        render_template(
            "results/_comments.html",
            page=page,
            can_edit=can_edit,
            hide_prefix=hide_url[: -len("-/hide")],
        )
    )


def _unique(labels: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out


@bp.get("/partnerships/<int:partnership_id>/trends")
@login_required
def trends(partnership_id: int):
    from partnership.results import charts  # ReportLab: loaded by the first page that draws

    partnership = authorize(current_account(), partnership_id, Act.VIEW_RESULTS)
    lineages = []
    for k, (instrument, surveys) in enumerate(services.surveys_by_lineage(partnership, ["closed"])):
        labels = _unique([s.cycle.label for s in surveys])
        points = []
        for label, survey in zip(labels, surveys, strict=True):
            snapshot = services.current_snapshot(survey)
            points.append((label, snapshot.data if snapshot is not None else {}))
        view = presenters.trend_view(points)
        svg = {}
        if view.dimensions:
            svg["J"] = charts.to_svg(
                charts.trend_chart(view.J, view.labels, metric="J"), f"chart-trend-{k}-j"
            )
            svg["G"] = charts.to_svg(
                charts.trend_chart(view.G, view.labels, metric="G"), f"chart-trend-{k}-g"
            )
        lineages.append(
            {
                "instrument": instrument,
                "surveys": list(zip(labels, surveys, strict=True)),
                "view": view,
                "charts": svg,
                "key": k,
            }
        )
    return render_template("results/trends.html", partnership=partnership, lineages=lineages)


@bp.post("/partnerships/<int:partnership_id>/surveys/<int:survey_id>/rescore", endpoint="rescore")
@login_required
def rescore_view(partnership_id: int, survey_id: int):
    """Score a closed survey again with the partnership's current thresholds: a new snapshot
    version; the earlier ones are kept (scoring.md section 7)."""
    partnership = authorize(current_account(), partnership_id, Act.CONFIGURE)
    survey = get_child_or_404(Survey, survey_id, partnership)
    try:
        snapshot = services.rescore(survey, current_account())
    except Refused as exc:
        flash(str(exc), "error")
    else:
        flash(
            f"Re-scored with the current thresholds: these are now results version "
            f"{snapshot.version}. Earlier versions are kept, and breakdown cells hidden in "
            f"them stay hidden.",
            "success",
        )
    return redirect(url_for("results.survey", partnership_id=partnership.id, survey_id=survey.id))


@bp.post("/partnerships/<int:partnership_id>/comments/<comment_id>/hide", endpoint="hide_comment")
@login_required
def hide_comment_view(partnership_id: int, comment_id: str):
    partnership = authorize(current_account(), partnership_id, Act.CONFIGURE)
    survey = services.hide_comment(partnership, comment_id, current_account())
    flash(
        "The comment is hidden from the results. It is kept, and the hiding is logged.", "success"
    )
    return redirect(
        url_for(
            "results.survey",
            partnership_id=partnership.id,
            survey_id=survey.id,
            _anchor="comments",
        )
    )
