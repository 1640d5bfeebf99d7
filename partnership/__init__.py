"""Partnership Pulse: pulse surveys and alignment scoring for strategic partnerships."""

from __future__ import annotations

import logging
import os
from typing import Any

from flask import Flask, render_template

from partnership.config import DEV_SECRET, defaults, instance_dir, resource_dir


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then PARTNERSHIP_* environment variables, then overrides."""
    app = Flask(
        __name__,
        template_folder=resource_dir("templates"),
        instance_path=instance_dir(),
        static_folder="static",
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(defaults(app.instance_path))
    app.config.from_prefixed_env("PARTNERSHIP")
    if overrides:
        app.config.update(overrides)
    check_config(app)
    register_extensions(app)
    register_blueprints(app)
    register_email_kinds()
    register_snapshot_hooks()
    register_errorhandlers(app)
    register_commands(app)
    register_security_headers(app)
    register_template_helpers(app)
    return app


def check_config(app: Flask) -> None:
    development = app.config["ENV"] == "development" or app.config.get("TESTING")
    if not app.config.get("SECRET_KEY"):
        if not development:
            raise RuntimeError(
                "PARTNERSHIP_SECRET_KEY is not set. Production refuses to start without a real "
                "secret key: generate one with `python -c 'import secrets; print(secrets.token_hex(32))'`."
            )
        app.config["SECRET_KEY"] = DEV_SECRET
    elif app.config["SECRET_KEY"] == DEV_SECRET and not development:
        raise RuntimeError("PARTNERSHIP_SECRET_KEY is the development key; set a real one.")
    secure = str(app.config["BASE_URL"]).startswith("https://")
    app.config["SESSION_COOKIE_SECURE"] = secure
    app.config["REMEMBER_COOKIE_SECURE"] = secure
    app.config["DEBUG_MODE"] = app.config["ENV"] == "development"
    if not app.debug:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )


def register_extensions(app: Flask) -> None:
    from partnership.accounts.services import load_user
    from partnership.extensions import csrf, db, login_manager

    db.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)


def register_blueprints(app: Flask) -> None:
    from partnership.accounts.views import bp as accounts_bp
    from partnership.governance.views import bp as governance_bp
    from partnership.governance.views import public_bp as playback_bp
    from partnership.instruments.views import bp as instruments_bp
    from partnership.jobs.views import bp as jobs_bp
    from partnership.kpis.views import bp as kpis_bp
    from partnership.outbox.views import bp as outbox_bp
    from partnership.partnerships.views import bp as partnerships_bp
    from partnership.results.api import bp as api_bp
    from partnership.results.downloads import bp as downloads_bp
    from partnership.results.views import bp as results_bp
    from partnership.steering.views import bp as steering_bp
    from partnership.surveys.public import bp as take_bp
    from partnership.surveys.views import bp as surveys_bp

    for blueprint in (
        accounts_bp,
        governance_bp,
        steering_bp,
        playback_bp,
        partnerships_bp,
        instruments_bp,
        surveys_bp,
        kpis_bp,
        take_bp,
        results_bp,
        downloads_bp,
        api_bp,
        jobs_bp,
        outbox_bp,
    ):
        app.register_blueprint(blueprint)


def register_email_kinds() -> None:
    """Every kind of email the outbox sends, each rendered by its domain at delivery
    (partnership.outbox.services.renders). A domain that sends a new kind of email imports
    its renderers here."""
    import partnership.accounts.emails  # noqa: F401 - account.password_reset
    import partnership.governance.emails  # noqa: F401 - governance.playback, .action_overdue
    import partnership.steering.emails  # noqa: F401 - steering.escalated
    import partnership.surveys.emails  # noqa: F401 - survey.invitation, .reminder, .test_invitation


def register_snapshot_hooks() -> None:
    """What other domains do inside the close and re-score use cases, in their transaction
    (partnership.results.services.on_snapshot)."""
    import partnership.governance.issues  # noqa: F401 - issues from red signals and escalations


def register_errorhandlers(app: Flask) -> None:
    from flask_wtf.csrf import CSRFError

    from partnership.errors import DomainError, Forbidden, NotFound

    def render_error(code: int, title: str, message: str) -> tuple[str, int]:
        return render_template("error.html", code=code, title=title, message=message), code

    @app.errorhandler(404)
    def not_found(_e: Exception) -> tuple[str, int]:
        return render_error(404, NotFound.title, NOT_FOUND_MESSAGE)

    @app.errorhandler(403)
    def forbidden(_e: Exception) -> tuple[str, int]:
        return render_error(403, Forbidden.title, FORBIDDEN_MESSAGE)

    @app.errorhandler(DomainError)
    def domain_error(e: DomainError) -> tuple[str, int]:
        """The one place a service's refusal a view did not catch becomes a page: not found
        and forbidden say no more than a missing page would; the rest show their message."""
        if isinstance(e, NotFound):
            return not_found(e)
        if isinstance(e, Forbidden):
            return forbidden(e)
        return render_error(e.status, e.title, str(e))

    @app.errorhandler(405)
    def not_allowed(_e: Exception) -> tuple[str, int]:
        return render_error(
            405, "Method not allowed", "This address does not accept that kind of request."
        )

    @app.errorhandler(413)
    def too_large(_e: Exception) -> tuple[str, int]:
        return render_error(413, "File too large", "The upload is larger than 4 MB.")

    @app.errorhandler(CSRFError)
    def csrf_error(_e: Exception) -> tuple[str, int]:
        return render_error(
            400,
            "Form expired",
            "The form was open too long or came from elsewhere. Go back, reload the page and try again.",
        )

    @app.errorhandler(500)
    def server_error(_e: Exception) -> tuple[str, int]:
        return render_error(
            500, "Something went wrong", "The error was logged. Please try again in a moment."
        )


def register_commands(app: Flask) -> None:
    from partnership.accounts.cli import accounts_cli
    from partnership.briefs.cli import briefs_cli
    from partnership.cli import db_cli, demo_command
    from partnership.governance.cli import governance_cli
    from partnership.instruments.cli import instruments_cli
    from partnership.jobs.cli import jobs_cli
    from partnership.outbox.cli import outbox_cli
    from partnership.surveys.cli import surveys_cli

    app.cli.add_command(db_cli)
    app.cli.add_command(accounts_cli)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(surveys_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(instruments_cli)
    app.cli.add_command(governance_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(briefs_cli)


NOT_FOUND_MESSAGE = "There is nothing at this address, or you have no access to it."
FORBIDDEN_MESSAGE = "Your account may not do this."

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "object-src 'none'; frame-ancestors 'none'"
)


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def _headers(response):
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        if response.mimetype == "text/html":
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def register_template_helpers(app: Flask) -> None:
    from partnership.partnerships.models import LEVELS

    app.jinja_env.globals["LEVELS"] = LEVELS

    def partnership_nav(partnership):
        """Links of the partnership's sub-navigation, from the blueprints that are registered,
        and only those the signed-in user may open. A steering member's start with results."""
        from flask import url_for

        from partnership.accounts.session import current_account
        from partnership.partnerships import access

        user = current_account()
        sections = PARTNERSHIP_NAV
        if access.role_on(user, partnership.id) == access.STEERING:
            first = [k for k in STEERING_NAV_ORDER if k in NAV_ACTIONS]
            sections = sorted(
                PARTNERSHIP_NAV,
                key=lambda s: first.index(s[0]) if s[0] in first else len(first),
            )
        links = []
        for key, label, endpoint in sections:
            # A section missing from NAV_ACTIONS is shown to coaches only.
            action = NAV_ACTIONS.get(key, access.Act.CONFIGURE)
            if endpoint in app.view_functions and (
                access.refusal(user, partnership, action) is None
                or (key not in NAV_ACTIONS and access.role_on(user, partnership.id) == "coach")
            ):
                links.append(
                    {
                        "key": key,
                        "label": label,
                        "url": url_for(endpoint, partnership_id=partnership.id),
                    }
                )
        return links

    app.jinja_env.globals["partnership_nav"] = partnership_nav


#: (key, label, endpoint) of each partnership section, in the order the sub-navigation shows.
PARTNERSHIP_NAV = [
    ("results", "Results", "results.overview"),
    ("trends", "Trends", "results.trends"),
    ("surveys", "Cycles & surveys", "surveys.index"),
    ("governance", "Issues & actions", "governance.issues"),
    ("kpis", "KPIs", "kpis.index"),
    ("instruments", "Instruments", "instruments.index"),
    ("thresholds", "Thresholds", "partnerships.thresholds"),
    ("schedule", "Schedule & email", "jobs.schedule_page"),
]

#: The action a section's link needs (see partnership.partnerships.access); sections not listed
#: are coaches' pages.
NAV_ACTIONS = {
    "results": "view_results",
    "trends": "view_results",
    "surveys": "view",
    "governance": "view_governance",
    "kpis": "view_kpis",
    "instruments": "view_instruments",
    "thresholds": "view_thresholds",
    "schedule": "view_schedule",
}
#: A steering member's sub-navigation puts these first, in this order (results first).
STEERING_NAV_ORDER = ["results", "trends", "kpis", "governance", "surveys"]
