from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from partnership.accounts import services
from partnership.accounts.forms import LoginForm, PasswordChangeForm, ResetForm, ResetRequestForm

bp = Blueprint("accounts", __name__)


def _safe_next(target: str | None) -> str:
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and not urlsplit(target).netloc
    ):
        return target
    return url_for("partnerships.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("partnerships.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        result = services.authenticate(
            form.email.data or "",
            form.password.data or "",
            request.remote_addr or "unknown",
            free_attempts=int(current_app.config["LOGIN_FREE_ATTEMPTS"]),
            max_delay=int(current_app.config["LOGIN_MAX_DELAY_SECONDS"]),
        )
        if result.user is not None:
            login_user(result.user)
            flash(f"Welcome, {result.user.name}.", "success")
            return redirect(_safe_next(request.args.get("next")))
        if result.wait_seconds:
            form.password.errors = [
                f"Too many failed attempts. Try again in {result.wait_seconds} seconds."
            ]
            status = 429
        else:
            form.password.errors = ["The email or password is not correct."]
            status = 401
    elif request.method == "POST":
        status = 400
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    services.logout(current_user._get_current_object())
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user._get_current_object(),
                form.current_password.data or "",
                form.new_password.data or "",
            )
        except services.AccountError as exc:
            form.current_password.errors = [str(exc)]
        else:
            login_user(current_user._get_current_object())  # re-issue this session's cookie
            flash("Your password was changed. Other sessions were logged out.", "success")
            return redirect(url_for("partnerships.index"))
    return render_template("accounts/password.html", form=form), 400 if form.errors else 200


@bp.route("/reset", methods=["GET", "POST"])
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(
            form.email.data or "",
            current_app.config["BASE_URL"],
            per_hour=int(current_app.config["PASSWORD_RESETS_PER_HOUR"]),
        )
        flash("If an account has that email, a reset link is on its way.", "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_request.html", form=form), 400 if form.errors else 200


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str, welcome: bool = False):
    form = ResetForm()
    if request.method in ("GET", "HEAD") and not services.reset_token_is_valid(token):
        return render_template("accounts/reset_invalid.html", welcome=welcome), 404
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.new_password.data or "")
        except services.AccountError as exc:
            if "no longer valid" in str(exc):
                return render_template("accounts/reset_invalid.html", welcome=welcome), 404
            form.new_password.errors = [str(exc)]
        else:
            flash(
                "Your password is set. Please log in."
                if welcome
                else "Your password was reset. Please log in.",
                "success",
            )
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", form=form, welcome=welcome), (
        400 if form.errors else 200
    )


@bp.route("/welcome/<token>", methods=["GET", "POST"])
def welcome(token: str):
    """An invited steering member's one-time link: the reset form, worded as a welcome."""
    return reset(token, welcome=True)


def require_admin() -> None:
    if not current_user.is_authenticated or not current_user.is_admin:
        abort(404)
