"""The KPI pages: the partnership's KPIs, adding, editing and deactivating one, and the KPI
values of a cycle. Thin: check access, validate a form, call one service, render or redirect.
Coaches write; steering members read."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from partnership.accounts.session import current_account
from partnership.forms import attach_error
from partnership.kpis import services
from partnership.kpis.forms import KpiForm, kpi_values_form
from partnership.kpis.models import DIRECTIONS, Kpi
from partnership.partnerships.access import Act, authorize, may
from partnership.partnerships.models import Partnership
from partnership.partnerships.services import get_child_or_404
from partnership.scoring import fmt_number
from partnership.surveys.models import Cycle

bp = Blueprint("kpis", __name__)


@bp.context_processor
def _helpers() -> dict[str, object]:
    return {
        "number": fmt_number,
        "directions": DIRECTIONS,
        "can_write": lambda partnership: may(current_account(), partnership, Act.CONFIGURE),
    }


@bp.get("/partnerships/<int:partnership_id>/kpis")
@login_required
def index(partnership_id: int):
    partnership = authorize(current_account(), partnership_id, Act.VIEW_KPIS)
    return render_template(
        "kpis/index.html",
        partnership=partnership,
        kpis=services.list_kpis(partnership),
        latest=services.latest_values(partnership),
    )


def _kpi_form(partnership: Partnership, kpi: Kpi | None = None) -> KpiForm:
    form = KpiForm(obj=None if request.method == "POST" else kpi)
    form.set_choices(partnership, services.link_choices(partnership, kpi))
    return form


def _kpi_data(form: KpiForm) -> services.KpiData:
    return services.KpiData(
        name=form.name.data or "",
        scope=form.scope.data or "",
        direction=form.direction.data or "",
        target=form.target.data,
        unit=form.unit.data or "",
        organization_id=form.organization_id.data or None,
        function=form.function.data or None,
        linked_to_id=form.linked_to_id.data or None,
    )


def _render_kpi_form(partnership: Partnership, form: KpiForm, kpi: Kpi | None):
    status = 400 if request.method == "POST" else 200
    return render_template(
        "kpis/kpi_form.html", partnership=partnership, form=form, kpi=kpi
    ), status


@bp.route("/partnerships/<int:partnership_id>/kpis/new", methods=["GET", "POST"])
@login_required
def new_kpi(partnership_id: int):
    partnership = authorize(current_account(), partnership_id, Act.CONFIGURE)
    form = _kpi_form(partnership)
    if form.validate_on_submit():
        try:
            kpi = services.create_kpi(partnership, _kpi_data(form))
        except services.KpiError as exc:
            attach_error(form, str(exc), exc.field)
        else:
            flash(f"KPI “{kpi.name}” added.", "success")
            return redirect(url_for("kpis.index", partnership_id=partnership.id))
    return _render_kpi_form(partnership, form, None)


@bp.route("/partnerships/<int:partnership_id>/kpis/<int:kpi_id>/edit", methods=["GET", "POST"])
@login_required
def edit_kpi(partnership_id: int, kpi_id: int):
    partnership = authorize(current_account(), partnership_id, Act.CONFIGURE)
    kpi = get_child_or_404(Kpi, kpi_id, partnership)
    form = _kpi_form(partnership, kpi)
    if form.validate_on_submit():
        try:
            services.update_kpi(partnership, kpi, _kpi_data(form))
        except services.KpiError as exc:
            attach_error(form, str(exc), exc.field)
        else:
            flash(f"KPI “{kpi.name}” saved.", "success")
            return redirect(url_for("kpis.index", partnership_id=partnership.id))
    return _render_kpi_form(partnership, form, kpi)


@bp.post("/partnerships/<int:partnership_id>/kpis/<int:kpi_id>/active")
@login_required
def toggle_kpi(partnership_id: int, kpi_id: int):
    partnership = authorize(current_account(), partnership_id, Act.CONFIGURE)
    kpi = get_child_or_404(Kpi, kpi_id, partnership)
    active = request.form.get("active") == "1"
    services.set_kpi_active(kpi, active)
    flash(f"KPI “{kpi.name}” {'reactivated' if active else 'deactivated'}.", "success")
    return redirect(url_for("kpis.index", partnership_id=partnership.id))


@bp.route("/partnerships/<int:partnership_id>/cycles/<int:cycle_id>/kpis", methods=["GET", "POST"])
@login_required
def cycle_values(partnership_id: int, cycle_id: int):
    partnership = authorize(
        current_account(),
        partnership_id,
        Act.CONFIGURE if request.method == "POST" else Act.VIEW_KPIS,
    )
    cycle = get_child_or_404(Cycle, cycle_id, partnership)
    kpis = services.list_kpis(partnership, include_inactive=False)
    recorded = services.cycle_values(cycle)
    form = kpi_values_form(kpis, recorded)
    if form.validate_on_submit():
        try:
            saved = services.record_values(partnership, cycle, form.entries(), current_account())
        except services.KpiError as exc:
            attach_error(form, str(exc), exc.field)
        else:
            flash(
                f"KPI values of {cycle.label} saved: {saved.recorded} recorded or changed, "
                f"{saved.cleared} cleared.",
                "success",
            )
            return redirect(
                url_for("kpis.cycle_values", partnership_id=partnership.id, cycle_id=cycle.id)
            )
    status = 400 if request.method == "POST" else 200
    return render_template(
        "kpis/cycle_values.html",
        partnership=partnership,
        cycle=cycle,
        kpis=kpis,
        recorded=recorded,
        on_target={k.id: services.is_on_target(k, recorded.get(k.id)) for k in kpis},
        form=form,
    ), status
