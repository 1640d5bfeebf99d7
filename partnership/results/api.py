"""The results API (/api/v1): JSON, authenticated by session or per-partnership API token.

- ``GET /api/v1/partnerships/<id>/surveys/<id>/results``: one survey's export.
- ``GET /api/v1/partnerships/<id>/cycles/<id>/results``: each survey of a cycle, by lineage.
- ``GET /api/v1/schema.json``: the JSON Schema of both (docs/results-export.schema.json).

Who may read: a signed-in member of the partnership (session cookie), or the bearer of a live
API token of THAT partnership (``Authorization: Bearer <token>``). A request without any
credentials gets 401; a bad or revoked token gets 401 too (that says nothing about any
partnership); every other refusal, and every unknown id, is the same 404, so the API never
reveals whether a partnership exists. Only GET: CSRF does not apply. Every export is logged.
"""

from __future__ import annotations

import os

from flask import Blueprint, Response, jsonify, request
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from partnership.config import resource_dir
from partnership.errors import DomainError, NotFound
from partnership.partnerships.services import get_child_or_404
from partnership.results import services
from partnership.results.models import ApiToken
from partnership.surveys.models import Cycle, Survey

bp = Blueprint("api", __name__, url_prefix="/api/v1")

SCHEMA_PATH = os.path.join(resource_dir("docs"), "results-export.schema.json")
NO_CREDENTIALS = (
    "Sign in, or send an API token of this partnership as `Authorization: Bearer <token>`."
)


class _Refused(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


def error(status: int, message: str, reason: str | None = None) -> Response:
    response = jsonify({"error": message, "reason": reason})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="results"'
    return response


def _not_found() -> _Refused:
    return _Refused(error(404, "not found", "No such resource, or no access to it."))


def _caller(partnership_id: int):
    """(partnership, user, token) of an allowed caller; raises _Refused otherwise."""
    header = request.headers.get("Authorization", "").strip()
    if header:
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            raise _Refused(error(401, "unauthorized", "Use `Authorization: Bearer <token>`."))
        token: ApiToken | None = services.authenticate_token(raw.strip())
        if token is None:
            raise _Refused(error(401, "unauthorized", "The token is unknown or was revoked."))
        partnership = services.api_partnership(partnership_id, api_token=token)
        if partnership is None:
            raise _not_found()
        return partnership, None, token
    if not current_user.is_authenticated:
        raise _Refused(error(401, "unauthorized", NO_CREDENTIALS))
    user = current_user._get_current_object()
    partnership = services.api_partnership(partnership_id, user=user)
    if partnership is None:
        raise _not_found()
    return partnership, user, None


def _json(payload: dict) -> Response:
    response = jsonify(payload)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(_Refused)
def _refused(exc: _Refused) -> Response:
    return exc.response


@bp.errorhandler(DomainError)
def _domain_error(exc: DomainError) -> Response:
    if isinstance(exc, NotFound):
        return _not_found().response
    return error(exc.status, exc.title.lower(), str(exc))


@bp.errorhandler(404)
def _missing(_exc: HTTPException) -> Response:
    # by code: the app's HTML 404 handler would otherwise win over a class-based one
    return _not_found().response


@bp.errorhandler(500)
def _failed(_exc: HTTPException) -> Response:
    return error(500, "internal error", "The error was logged. Please try again in a moment.")


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response:
    return error(exc.code or 500, (exc.name or "error").lower(), exc.description)


@bp.get("/partnerships/<int:partnership_id>/surveys/<int:survey_id>/results")
def survey_results(partnership_id: int, survey_id: int) -> Response:
    partnership, user, token = _caller(partnership_id)
    survey = get_child_or_404(Survey, survey_id, partnership)
    return _json(services.export_survey_json(survey, user=user, api_token=token))


@bp.get("/partnerships/<int:partnership_id>/cycles/<int:cycle_id>/results")
def cycle_results(partnership_id: int, cycle_id: int) -> Response:
    partnership, user, token = _caller(partnership_id)
    cycle = get_child_or_404(Cycle, cycle_id, partnership)
    return _json(services.export_cycle_json(cycle, user=user, api_token=token))


@bp.get("/schema.json")
def schema() -> Response:
    """The JSON Schema of both exports (public: it describes the shape, no data)."""
    with open(SCHEMA_PATH, "rb") as handle:
        body = handle.read()
    response = Response(body, mimetype="application/schema+json")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
