"""The instrument library: list, read, clone, edit and preview instruments."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import login_required
from markupsafe import Markup, escape

from partnership.accounts.session import current_account
from partnership.instruments import catalog, services
from partnership.instruments.forms import NO_DIMENSION, DimensionForm, InstrumentForm, ItemForm
from partnership.instruments.models import Instrument, InstrumentVersion, Item
from partnership.partnerships.access import Act, authorize, may
from partnership.partnerships.models import Partnership
from partnership.surveys import services as survey_services
from partnership.timefmt import short_date

bp = Blueprint("instruments", __name__)

BASE = "/partnerships/<int:partnership_id>/instruments"


@bp.app_template_filter("partner_marked")
def partner_marked(text: str) -> Markup:
    """Item text for the coach: escaped, with the partner placeholder shown as a marker."""
    marker = Markup('<span class="inst-partner">partner</span>')
    return marker.join(escape(part) for part in (text or "").split(catalog.PARTNER))


def _own_or_403(instrument: Instrument) -> None:
    if instrument.is_builtin or instrument.partnership_id is None:
        abort(403)


def _editable(partnership_id: int, instrument_id: int) -> tuple[Partnership, Instrument]:
    """The partnership (writable by this user) and one of its own instruments; 404 when it is
    not visible to the partnership, 403 for a built-in."""
    partnership = authorize(current_account(), partnership_id, Act.CONFIGURE)
    instrument = services.get_instrument_or_404(partnership, instrument_id)
    _own_or_403(instrument)
    return partnership, instrument


def _show_url(partnership: Partnership, instrument: Instrument, anchor: str | None = None) -> str:
    return url_for(
        "instruments.show",
        partnership_id=partnership.id,
        instrument_id=instrument.id,
        _anchor=anchor,
    )


@bp.get(BASE)
@login_required
def index(partnership_id: int):
    partnership = authorize(current_account(), partnership_id, Act.VIEW_INSTRUMENTS)
    entries = services.library(partnership, survey_services.surveys_per_instrument(partnership))
    return render_template(
        "instruments/index.html",
        partnership=partnership,
        builtins=[e for e in entries if e.instrument.is_builtin],
        own=[e for e in entries if not e.instrument.is_builtin],
        can_write=may(current_account(), partnership, Act.CONFIGURE),
        kind_labels=services.KIND_LABELS,
    )


def _render_show(
    partnership: Partnership,
    instrument: Instrument,
    version: InstrumentVersion | None = None,
    *,
    dimension_form: DimensionForm | None = None,
    status: int = 200,
):
    latest = services.latest_version(instrument)
    version = version or latest
    is_latest = version.id == latest.id
    items = sorted(version.items, key=lambda i: i.position)
    used = {d: sum(1 for i in items if i.dimension == d) for d in version.dimensions}
    editable = (
        may(current_account(), partnership, Act.CONFIGURE)
        and not instrument.is_builtin
        and is_latest
    )
    return render_template(
        "instruments/show.html",
        partnership=partnership,
        instrument=instrument,
        version=version,
        latest=latest,
        is_latest=is_latest,
        versions=list(instrument.versions),
        locked=services.is_version_locked(version),
        items=items,
        dimensions=services.summarize_dimensions(version),
        dimension_use=used,
        dimension_label=lambda key: services.dimension_label(key, version),
        kind_labels=services.KIND_LABELS,
        surveys=survey_services.surveys_per_instrument(partnership).get(instrument.id, 0),
        cloned_from=services.clone_source(instrument, partnership),
        can_write=may(current_account(), partnership, Act.CONFIGURE),
        editable=editable,
        dimension_form=dimension_form or DimensionForm(),
        created=short_date(version.created_at, partnership.timezone),
    ), status


@bp.get(BASE + "/<int:instrument_id>")
@login_required
def show(partnership_id: int, instrument_id: int):
    partnership = authorize(current_account(), partnership_id, Act.VIEW_INSTRUMENTS)
    instrument = services.get_instrument_or_404(partnership, instrument_id)
    number = request.args.get("version", type=int)
    version = services.get_version_or_404(instrument, number)
    return _render_show(partnership, instrument, version)


@bp.post(BASE + "/<int:instrument_id>/clone")
@login_required
def clone(partnership_id: int, instrument_id: int):
    partnership = authorize(current_account(), partnership_id, Act.CONFIGURE)
    instrument = services.get_instrument_or_404(partnership, instrument_id)
    number = request.form.get("version", type=int)
    copy = services.clone_instrument(partnership, instrument, number)
    flash(f"“{copy.name}” created. Rename it and adjust its items as you need.", "success")
    return redirect(_show_url(partnership, copy))


@bp.route(BASE + "/<int:instrument_id>/edit", methods=["GET", "POST"])
@login_required
def edit(partnership_id: int, instrument_id: int):
    partnership, instrument = _editable(partnership_id, instrument_id)
    form = InstrumentForm(obj=None if request.method == "POST" else instrument)
    if form.validate_on_submit():
        try:
            services.update_instrument(
                instrument,
                services.InstrumentData(
                    name=form.name.data or "",
                    description=form.description.data or "",
                    audience=form.audience.data or "",
                    minutes=form.minutes.data or 0,
                ),
            )
        except services.InstrumentError as exc:
            _attach(form, exc)
        else:
            flash("Instrument saved.", "success")
            return redirect(_show_url(partnership, instrument))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "instruments/edit.html", partnership=partnership, instrument=instrument, form=form
    ), status


def _attach(form, exc: services.InstrumentError) -> None:
    """Show a service's refusal next to its field (or at the top of the form)."""
    target = form[exc.field] if exc.field and exc.field in form else None
    if target is not None:
        target.errors = [*target.errors, str(exc)]
    else:
        flash(str(exc), "error")


def _item_data(form: ItemForm) -> services.ItemData:
    return services.ItemData(
        kind=form.kind.data or "",
        text=form.text.data or "",
        dimension=form.dimension.data or None,
        help=form.help.data or "",
        is_reverse=bool(form.is_reverse.data),
        allow_na=bool(form.allow_na.data),
        is_required=bool(form.is_required.data),
        sign=int(form.sign.data) if form.sign.data else None,
    )


def _item_page(
    partnership: Partnership,
    instrument: Instrument,
    form: ItemForm,
    item: Item | None,
):
    status = 400 if request.method == "POST" else 200
    latest = services.latest_version(instrument)
    return render_template(
        "instruments/item_form.html",
        partnership=partnership,
        instrument=instrument,
        form=form,
        item=item,
        latest=latest,
        locked=services.is_version_locked(latest),
    ), status


@bp.route(BASE + "/<int:instrument_id>/items/new", methods=["GET", "POST"])
@login_required
def new_item(partnership_id: int, instrument_id: int):
    partnership, instrument = _editable(partnership_id, instrument_id)
    form = ItemForm()
    form.set_dimensions(services.latest_version(instrument))
    if request.method == "GET":
        form.kind.data = "agreement"
        form.dimension.data = request.args.get("dimension", NO_DIMENSION)
    if form.validate_on_submit():
        try:
            item = services.add_item(instrument, _item_data(form))
        except services.InstrumentError as exc:
            _attach(form, exc)
        else:
            flash("Item added.", "success")
            return redirect(_show_url(partnership, instrument, f"item-{item.key}"))
    return _item_page(partnership, instrument, form, None)


@bp.route(BASE + "/<int:instrument_id>/items/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def edit_item(partnership_id: int, instrument_id: int, item_id: int):
    partnership, instrument = _editable(partnership_id, instrument_id)
    item = services.get_item_or_404(instrument, item_id)
    form = ItemForm(obj=None if request.method == "POST" else item)
    form.set_dimensions(services.latest_version(instrument))
    if request.method == "GET":
        form.dimension.data = item.dimension or NO_DIMENSION
        form.sign.data = str(item.sign) if item.sign else NO_DIMENSION
    if form.validate_on_submit():
        try:
            saved = services.update_item(instrument, item, _item_data(form))
        except services.InstrumentError as exc:
            _attach(form, exc)
        else:
            flash("Item saved.", "success")
            return redirect(_show_url(partnership, instrument, f"item-{saved.key}"))
    return _item_page(partnership, instrument, form, item)


@bp.post(BASE + "/<int:instrument_id>/items/<int:item_id>/remove")
@login_required
def remove_item(partnership_id: int, instrument_id: int, item_id: int):
    partnership, instrument = _editable(partnership_id, instrument_id)
    item = services.get_item_or_404(instrument, item_id)
    try:
        services.remove_item(instrument, item)
    except services.InstrumentError as exc:
        flash(str(exc), "error")
        return _render_show(partnership, instrument, status=400)
    flash("Item removed.", "success")
    return redirect(_show_url(partnership, instrument, "items"))


@bp.post(BASE + "/<int:instrument_id>/items/<int:item_id>/move")
@login_required
def move_item(partnership_id: int, instrument_id: int, item_id: int):
    partnership, instrument = _editable(partnership_id, instrument_id)
    item = services.get_item_or_404(instrument, item_id)
    try:
        services.move_item(instrument, item, request.form.get("direction", ""))
    except services.InstrumentError as exc:
        flash(str(exc), "error")
        return _render_show(partnership, instrument, status=400)
    return redirect(_show_url(partnership, instrument, f"item-{item.key}"))


@bp.post(BASE + "/<int:instrument_id>/dimensions")
@login_required
def add_dimension(partnership_id: int, instrument_id: int):
    partnership, instrument = _editable(partnership_id, instrument_id)
    form = DimensionForm()
    if form.validate_on_submit():
        try:
            key = services.add_dimension(instrument, form.label.data or "")
        except services.InstrumentError as exc:
            _attach(form, exc)
        else:
            flash(
                f"Dimension {services.dimension_label(key, services.latest_version(instrument))} added.",
                "success",
            )
            return redirect(_show_url(partnership, instrument, "dimensions"))
    return _render_show(partnership, instrument, dimension_form=form, status=400)


@bp.post(BASE + "/<int:instrument_id>/dimensions/remove")
@login_required
def remove_dimension(partnership_id: int, instrument_id: int):
    partnership, instrument = _editable(partnership_id, instrument_id)
    key = request.form.get("key", "")
    try:
        services.remove_dimension(instrument, key)
    except services.InstrumentError as exc:
        flash(str(exc), "error")
        return _render_show(partnership, instrument, status=400)
    flash(f"Dimension {services.dimension_label(key)} removed.", "success")
    return redirect(_show_url(partnership, instrument, "dimensions"))
