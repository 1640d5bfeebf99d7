from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import login_required

from partnership.accounts.session import current_account
from partnership.forms import attach_error, choices
from partnership.governance import views as governance_views
from partnership.partnerships import access, committee, services
from partnership.partnerships import stakeholders as stakeholder_services
from partnership.partnerships import thresholds as threshold_services
from partnership.partnerships.access import Act, authorize, may
from partnership.partnerships.forms import (
    CoachForm,
    ImportForm,
    InviteForm,
    PartnershipForm,
    StakeholderForm,
    ThresholdsForm,
    parse_functions,
)
from partnership.partnerships.models import DEFAULT_FUNCTIONS, Membership, Partnership, Stakeholder
from partnership.surveys import erasure
from partnership.surveys import services as survey_services
from partnership.timefmt import short_when

bp = Blueprint("partnerships", __name__)


@bp.record_once
def _template_globals(state) -> None:
    """What every page uses to offer only what the signed-in user may do (globals reach
    included templates and imported macros too)."""

    def may_here(partnership, action: str, owner_id: int | None = None) -> bool:
        return may(current_account(), partnership, action, owner_id=owner_id)

    state.app.jinja_env.globals.update(
        may=may_here,
        Act=Act,
        acts_as_coach=lambda: access.acts_as_coach(current_account()),
        ROLE_LABELS=access.ROLE_LABELS,
    )


@bp.get("/")
def home():
    return redirect(url_for("partnerships.index"))


@bp.get("/partnerships")
@login_required
def index():
    archived = request.args.get("archived") == "1"
    items = services.visible_partnerships(current_account(), archived=archived)
    return render_template("partnerships/index.html", partnerships=items, archived=archived)


def _form_data(form: PartnershipForm) -> services.PartnershipData:
    return services.PartnershipData(
        name=form.name.data or "",
        description=form.description.data or "",
        start_date=form.start_date.data,
        timezone=form.timezone.data or "UTC",
        org_a_name=form.org_a_name.data or "",
        org_a_code=form.org_a_code.data or "",
        org_b_name=form.org_b_name.data or "",
        org_b_code=form.org_b_code.data or "",
        functions=parse_functions(form.functions.data or ""),
        min_group=form.min_group.data or 5,
    )


@bp.route("/partnerships/new", methods=["GET", "POST"])
@login_required
def create():
    if not access.acts_as_coach(current_account()):
        abort(403)
    form = PartnershipForm()
    form.timezone.choices = choices(services.timezones())
    if request.method == "GET":
        form.functions.data = ", ".join(DEFAULT_FUNCTIONS)
        form.timezone.data = "UTC"
    if form.validate_on_submit():
        try:
            partnership = services.create_partnership(current_account(), _form_data(form))
        except services.PartnershipError as exc:
            flash(str(exc), "error")
        else:
            flash(f"Partnership “{partnership.name}” created.", "success")
            return redirect(url_for("partnerships.show", partnership_id=partnership.id))
    status = 400 if request.method == "POST" else 200
    return render_template("partnerships/form.html", form=form, partnership=None), status


@bp.get("/partnerships/<int:partnership_id>")
@login_required
def show(partnership_id: int):
    partnership = authorize(current_account(), partnership_id, Act.VIEW)
    counts = stakeholder_services.stakeholder_counts(partnership)
    return render_template(
        "partnerships/show.html",
        partnership=partnership,
        counts=counts,
        members=committee.members(partnership),
        threshold_overrides=sum(
            row.is_override for row in threshold_services.current_thresholds(partnership).values()
        ),
        **governance_views.status_panel(partnership),
    )


@bp.route("/partnerships/<int:partnership_id>/edit", methods=["GET", "POST"])
@login_required
def edit(partnership_id: int):
    partnership = authorize(current_account(), partnership_id, Act.CONFIGURE)
    form = PartnershipForm(obj=None if request.method == "POST" else partnership)
    form.timezone.choices = choices(services.timezones())
    if request.method == "GET":
        form.org_a_name.data, form.org_a_code.data = (
            partnership.org_a.name,
            partnership.org_a.short_code,
        )
        form.org_b_name.data, form.org_b_code.data = (
            partnership.org_b.name,
            partnership.org_b.short_code,
        )
        form.functions.data = ", ".join(partnership.functions)
    if form.validate_on_submit():
        try:
            services.update_partnership(partnership, _form_data(form))
        except services.PartnershipError as exc:
            flash(str(exc), "error")
        else:
            flash("Partnership saved.", "success")
            return redirect(url_for("partnerships.show", partnership_id=partnership.id))
    status = 400 if request.method == "POST" else 200
    return render_template("partnerships/form.html", form=form, partnership=partnership), status


@bp.post("/partnerships/<int:partnership_id>/archive")
@login_required
def archive(partnership_id: int):
    partnership = authorize(current_account(), partnership_id, Act.ARCHIVE)
    restore = request.form.get("restore") == "1"
    services.set_archived(partnership, not restore)
    flash(
        "Partnership restored." if restore else "Partnership archived: it is now read-only.",
        "success",
    )
    return redirect(url_for("partnerships.show", partnership_id=partnership.id))


@bp.route("/partnerships/<int:partnership_id>/coaches", methods=["GET", "POST"])
@login_required
def coaches(partnership_id: int):
    """The members page: coaches and the steering committee per organization with their last
    login, the invite form; an admin adds a coach here (POST)."""
    partnership = authorize(
        current_account(),
        partnership_id,
        Act.ADD_COACH if request.method == "POST" else Act.VIEW_MEMBERS,
    )
    form = CoachForm()
    if form.validate_on_submit():
        try:
            user = services.add_coach(partnership, form.email.data or "")
        except services.PartnershipError as exc:
            form.email.errors = [str(exc)]
        else:
            flash(f"{user.name} now has access to this partnership.", "success")
            return redirect(url_for("partnerships.coaches", partnership_id=partnership.id))
    return _members_page(partnership, form, _invite_form(partnership, formdata=None))


def _invite_form(partnership: Partnership, **kw: object) -> InviteForm:
    form = InviteForm(**kw)
    form.organization.choices = choices((o.letter, o.name) for o in partnership.organizations)
    return form


def _members_page(partnership: Partnership, form: CoachForm, invite_form: InviteForm):
    everyone = committee.members(partnership)
    return render_template(
        "partnerships/coaches.html",
        partnership=partnership,
        form=form,
        invite_form=invite_form,
        coaches=[m for m in everyone if m.role == access.COACH],
        committees=committee.committees(partnership),
        invite_days=committee.INVITE_DAYS,
        when=lambda value: short_when(value, partnership.timezone),
    ), (400 if form.errors or invite_form.errors else 200)


@bp.post("/partnerships/<int:partnership_id>/committee")
@login_required
def invite_member(partnership_id: int):
    """A coach invites a steering member (name, email, organization)."""
    partnership = authorize(current_account(), partnership_id, Act.MANAGE_STEERING)
    form = _invite_form(partnership)
    if form.validate_on_submit():
        try:
            user, created = committee.invite_steering(
                partnership,
                name=form.name.data or "",
                email=form.email.data or "",
                organization=form.organization.data or "",
                base_url=current_app.config["BASE_URL"],
            )
        except committee.CommitteeError as exc:
            attach_error(form, str(exc), exc.field)
        else:
            flash(
                f"{user.name} is invited: an email with a link to choose a password is on its way."
                if created
                else f"{user.name} has an account already: added to the committee and told by email.",
                "success",
            )
            return redirect(url_for("partnerships.coaches", partnership_id=partnership.id))
    return _members_page(partnership, CoachForm(formdata=None), form)


def _managed_member(partnership_id: int, member_id: int) -> tuple[Partnership, Membership]:
    """The partnership and the membership the signed-in user may manage: steering members
    are their coaches', coaches the admins'."""
    partnership = authorize(current_account(), partnership_id, Act.MANAGE_STEERING)
    membership = committee.membership(partnership, member_id)
    if membership.role == access.COACH:
        authorize(current_account(), partnership_id, Act.ADD_COACH)
    return partnership, membership


@bp.post("/partnerships/<int:partnership_id>/members/<int:member_id>/remove")
@login_required
def remove_member(partnership_id: int, member_id: int):
    partnership, _ = _managed_member(partnership_id, member_id)
    try:
        user = committee.remove_member(partnership, member_id)
    except committee.CommitteeError as exc:
        flash(str(exc), "error")
    else:
        flash(f"{user.name} is no longer a member of this partnership.", "success")
    return redirect(url_for("partnerships.coaches", partnership_id=partnership.id))


@bp.post("/partnerships/<int:partnership_id>/members/<int:member_id>/reinvite")
@login_required
def reinvite_member(partnership_id: int, member_id: int):
    partnership, _ = _managed_member(partnership_id, member_id)
    try:
        user = committee.reinvite(partnership, member_id, current_app.config["BASE_URL"])
    except committee.CommitteeError as exc:
        flash(str(exc), "error")
    else:
        flash(f"A new invitation to {user.email} is on its way.", "success")
    return redirect(url_for("partnerships.coaches", partnership_id=partnership.id))


# --- stakeholders -------------------------------------------------------------------------


@bp.get("/partnerships/<int:partnership_id>/stakeholders")
@login_required
def stakeholders(partnership_id: int):
    partnership = authorize(current_account(), partnership_id, Act.VIEW_STAKEHOLDERS)
    return render_template(
        "partnerships/stakeholders.html",
        partnership=partnership,
        stakeholders=stakeholder_services.list_stakeholders(partnership),
        import_form=ImportForm(),
        newcomers=survey_services.newcomers_by_open_survey(partnership),
    )


def _stakeholder_form(partnership, obj=None) -> StakeholderForm:
    form = StakeholderForm(obj=obj)
    form.organization_id.choices = choices((o.id, o.name) for o in partnership.organizations)
    form.function.choices = choices((f, f.capitalize()) for f in partnership.functions)
    return form


def _stakeholder_data(form: StakeholderForm) -> stakeholder_services.StakeholderData:
    return stakeholder_services.StakeholderData(
        name=form.name.data or "",
        email=form.email.data or "",
        organization_id=form.organization_id.data or 0,
        function=form.function.data or "",
        level=form.level.data or "",
        is_active=bool(form.is_active.data),
    )


@bp.route("/partnerships/<int:partnership_id>/stakeholders/new", methods=["GET", "POST"])
@login_required
def new_stakeholder(partnership_id: int):
    partnership = authorize(current_account(), partnership_id, Act.CONFIGURE)
    form = _stakeholder_form(partnership)
    if form.validate_on_submit():
        try:
            row = stakeholder_services.add_stakeholder(partnership, _stakeholder_data(form))
        except services.PartnershipError as exc:
            form.email.errors = [str(exc)] if "email" in str(exc) else []
            if not form.email.errors:
                flash(str(exc), "error")
        else:
            flash(f"{row.name} added.", "success")
            return redirect(url_for("partnerships.stakeholders", partnership_id=partnership.id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "partnerships/stakeholder_form.html", partnership=partnership, form=form, stakeholder=None
    ), status


@bp.route(
    "/partnerships/<int:partnership_id>/stakeholders/<int:stakeholder_id>/edit",
    methods=["GET", "POST"],
)
@login_required
def edit_stakeholder(partnership_id: int, stakeholder_id: int):
    partnership = authorize(current_account(), partnership_id, Act.CONFIGURE)
    stakeholder = services.get_child_or_404(Stakeholder, stakeholder_id, partnership)
    form = _stakeholder_form(partnership, obj=None if request.method == "POST" else stakeholder)
    if form.validate_on_submit():
        try:
            stakeholder_services.update_stakeholder(
                partnership, stakeholder, _stakeholder_data(form)
            )
        except services.PartnershipError as exc:
            form.email.errors = [str(exc)] if "email" in str(exc) else []
            if not form.email.errors:
                flash(str(exc), "error")
        else:
            flash(f"{stakeholder.name} saved.", "success")
            return redirect(url_for("partnerships.stakeholders", partnership_id=partnership.id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "partnerships/stakeholder_form.html",
        partnership=partnership,
        form=form,
        stakeholder=stakeholder,
    ), status


@bp.post("/partnerships/<int:partnership_id>/stakeholders/<int:stakeholder_id>/active")
@login_required
def toggle_stakeholder(partnership_id: int, stakeholder_id: int):
    partnership = authorize(current_account(), partnership_id, Act.CONFIGURE)
    stakeholder = services.get_child_or_404(Stakeholder, stakeholder_id, partnership)
    active = request.form.get("active") == "1"
    stakeholder_services.set_stakeholder_active(stakeholder, active)
    flash(f"{stakeholder.name} {'reactivated' if active else 'deactivated'}.", "success")
    return redirect(url_for("partnerships.stakeholders", partnership_id=partnership.id))


@bp.route(
    "/partnerships/<int:partnership_id>/stakeholders/<int:stakeholder_id>/erase",
    methods=["GET", "POST"],
)
@login_required
def erase_stakeholder(partnership_id: int, stakeholder_id: int):
    partnership = authorize(current_account(), partnership_id, Act.CONFIGURE)
    stakeholder = services.get_child_or_404(Stakeholder, stakeholder_id, partnership)
    if request.method == "POST":
        name = erasure.erase_stakeholder(stakeholder)
        flash(f"{name} was erased with their invitations. Anonymous answers remain.", "success")
        return redirect(url_for("partnerships.stakeholders", partnership_id=partnership.id))
    return render_template(
        "partnerships/erase.html", partnership=partnership, stakeholder=stakeholder
    )


@bp.route("/partnerships/<int:partnership_id>/stakeholders/import", methods=["GET", "POST"])
@login_required
def import_stakeholders(partnership_id: int):
    """Upload a CSV, see what it would change (adds, changes, deactivations), then apply it.
    The preview carries the file's text in a hidden field, so the second step needs neither
    JavaScript nor a stored upload; applying checks that the plan is still the one shown."""
    partnership = authorize(current_account(), partnership_id, Act.CONFIGURE)
    form = ImportForm()
    if request.method == "POST" and request.form.get("apply") == "1":
        raw = request.form.get("csv_text", "").encode("utf-8")
        complete = request.form.get("complete") == "1"
        try:
            result = stakeholder_services.apply_import(
                partnership, raw, complete=complete, digest=request.form.get("digest", "")
            )
        except stakeholder_services.ImportChanged as exc:
            flash(str(exc), "error")
            plan = stakeholder_services.plan_import(partnership, raw, complete=complete)
            return _import_preview(partnership, plan, raw, complete, 409)
        except services.PartnershipError as exc:
            flash(str(exc), "error")
            return redirect(
                url_for("partnerships.import_stakeholders", partnership_id=partnership.id)
            )
        flash(
            f"Import done: {result.added} added, {result.changed} changed, "
            f"{result.deactivated} deactivated.",
            "success",
        )
        return redirect(url_for("partnerships.stakeholders", partnership_id=partnership.id))
    errors: tuple[str, ...] = ()
    if form.validate_on_submit():
        raw = form.file.data.read()
        plan = stakeholder_services.plan_import(partnership, raw, complete=bool(form.complete.data))
        if not plan.errors:
            return _import_preview(partnership, plan, raw, bool(form.complete.data), 200)
        errors = plan.errors
    status = 400 if request.method == "POST" else 200
    return render_template(
        "partnerships/import.html", partnership=partnership, form=form, errors=errors
    ), status


def _import_preview(partnership, plan, raw: bytes, complete: bool, status: int):
    return render_template(
        "partnerships/import_preview.html",
        partnership=partnership,
        plan=plan,
        csv_text=raw.decode("utf-8-sig"),
        complete=complete,
    ), status


@bp.post("/partnerships/<int:partnership_id>/stakeholders/bulk")
@login_required
def bulk_stakeholders(partnership_id: int):
    """Activate or deactivate the stakeholders ticked on the list."""
    partnership = authorize(current_account(), partnership_id, Act.CONFIGURE)
    ids = [int(v) for v in request.form.getlist("ids") if v.isdigit()]
    active = request.form.get("active") == "1"
    if not ids:
        flash("Tick the stakeholders to change first.", "error")
    else:
        n = stakeholder_services.set_stakeholders_active(partnership, ids, active)
        word = "activated" if active else "deactivated"
        flash(f"{n} stakeholder{'s' if n != 1 else ''} {word}.", "success")
    return redirect(url_for("partnerships.stakeholders", partnership_id=partnership.id))


@bp.get("/partnerships/<int:partnership_id>/stakeholders.csv")
@login_required
def export_stakeholders(partnership_id: int):
    partnership = authorize(current_account(), partnership_id, Act.VIEW_STAKEHOLDERS)
    body = "\ufeff" + stakeholder_services.export_stakeholders_csv(partnership)
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=stakeholders-{partnership.id}.csv"},
    )


# --- scoring thresholds -------------------------------------------------------------------


def _thresholds_page(partnership, form: ThresholdsForm | None, status: int = 200):
    current = threshold_services.current_thresholds(partnership)
    groups = [
        (
            key,
            title,
            about,
            [current[t.name] for t in threshold_services.THRESHOLDS if t.rule == key],
        )
        for key, title, about in threshold_services.THRESHOLD_RULES
    ]
    return render_template(
        "partnerships/thresholds.html",
        partnership=partnership,
        form=form,
        groups=groups,
        overridden=[row for row in current.values() if row.is_override],
    ), status


@bp.get("/partnerships/<int:partnership_id>/thresholds")
@login_required
def thresholds(partnership_id: int):
    """The early-warning thresholds: a form for coaches, read-only on an archived partnership
    (steering members never see them: 403)."""
    partnership = authorize(current_account(), partnership_id, Act.VIEW_THRESHOLDS)
    form = None
    if may(current_account(), partnership, Act.CONFIGURE):
        current = threshold_services.current_thresholds(partnership)
        form = ThresholdsForm(
            data={name: row.spec.to_typed(row.value) for name, row in current.items()}
        )
    return _thresholds_page(partnership, form)


@bp.post("/partnerships/<int:partnership_id>/thresholds")
@login_required
def save_thresholds(partnership_id: int):
    partnership = authorize(current_account(), partnership_id, Act.CONFIGURE)
    form = ThresholdsForm()
    if form.validate_on_submit():
        try:
            changed = threshold_services.save_thresholds(partnership, form.typed())
        except threshold_services.ThresholdsRefused as exc:
            for name, message in exc.errors:
                attach_error(form, message, name)
        else:
            flash(
                f"Thresholds saved: {len(changed)} differ from the scoring.md defaults. They apply "
                "to surveys closed from now on and to a re-score.",
                "success",
            )
            return redirect(url_for("partnerships.thresholds", partnership_id=partnership.id))
    return _thresholds_page(partnership, form, 400)


@bp.post("/partnerships/<int:partnership_id>/thresholds/restore")
@login_required
def restore_thresholds(partnership_id: int):
    partnership = authorize(current_account(), partnership_id, Act.CONFIGURE)
    threshold_services.restore_default_thresholds(partnership)
    flash("Thresholds restored to the scoring.md defaults.", "success")
    return redirect(url_for("partnerships.thresholds", partnership_id=partnership.id))
