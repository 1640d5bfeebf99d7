"""Public survey pages reached through a personal link (no account).

Status codes: the survey 200 (400 when shown again with messages); an unknown link or a survey
not open yet 404 (one neutral page, no detail); "already answered" 200 on GET and 409 on a POST
that lost (e.g. the 49 losers of 50 concurrent submissions of one link); a closed survey 410;
too many unknown links from one IP 429. A successful submission redirects (303) to a thank-you
page that names nothing.

CSRF: both forms carry a CSRF token and every POST checks it (`_verified`), but the token has
no time limit: the survey page keeps working when left open for hours (decisions.md). Flask-WTF
1.3 turns `csrf_time_limit = None` back into WTF_CSRF_TIME_LIMIT, and its token lives in the
session cookie, which Flask refuses after PERMANENT_SESSION_LIFETIME (8 hours) anyway. So the
token is bound to the personal link instead: an HMAC, under the app's CSRF secret, of the form's
purpose and the link's SHA-256. A page from another site cannot produce it without the link, and
whoever holds the link can answer with it directly, so binding to a browser session would add
nothing here; it also means the stakeholder's pages set no cookie. The global CSRFProtect is
exempted for this blueprint because `_verified` does the check: a comparison of one field with
one HMAC, without building a WTForms form for it (the form machinery cost more than the check
on every submission; benchmarks/submit.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from markupsafe import Markup

from partnership.extensions import csrf
from partnership.memo import kept
from partnership.surveys import taking
from partnership.surveys.models import hash_token
from partnership.timefmt import long_when

bp = Blueprint("take", __name__)
csrf.exempt(bp)  # checked by _verified instead, without a time limit

#: Shown when the POST's CSRF token is missing or wrong (a form posted from elsewhere).
UNVERIFIED = (
    "We could not verify that this form came from your survey page. Your answers are still "
    "on the page: please check them and send them again."
)


def link_csrf_token(secret: str | bytes, purpose: str, token: str) -> str:
    """The CSRF token of a personal link's form: HMAC-SHA256 of the purpose and the link's
    SHA-256 under the CSRF secret."""
    key = secret.encode() if isinstance(secret, str) else secret
    message = f"partnership-link-csrf:{purpose}:{hash_token(token)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _page_csrf(purpose: str, token: str) -> str | None:
    """The CSRF token of a link's form (`purpose` "survey" or "opt-out"), as its page writes
    it; None when CSRF is off (tests)."""
    config = current_app.config
    if not config.get("WTF_CSRF_ENABLED", True):
        return None
    secret = config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    return link_csrf_token(str(secret), purpose, token)


def _verified(purpose: str, token: str) -> bool:
    """The POST carries the CSRF token of this link's form (always true when CSRF is off)."""
    expected = _page_csrf(purpose, token)
    if expected is None:
        return True
    sent = request.form.get("csrf_token", "")
    return hmac.compare_digest(sent.encode(), expected.encode())


def _ip() -> str:
    return request.remote_addr or "unknown"


def _message(kind: str, status: int, **values):
    response = render_template("take/message.html", kind=kind, **values)
    return response, status


def link_refusal(result: taking.LinkResult | None, token: str = ""):
    """The page for a link that cannot be used now; None when the result is not a refusal.
    Once the survey has closed, the "already answered" and "closed" pages lead on to the
    results playback of the same link."""
    if result is None:
        return None
    playback = (
        url_for("playback.stakeholder_playback", token=token)
        if token and result.after_close
        else None
    )
    if result.status == "invalid":
        return _message("invalid", 404)
    if result.status == "throttled":
        body, status = _message("throttled", 429, wait_seconds=result.wait_seconds)
        return body, status, {"Retry-After": str(result.wait_seconds)}
    if result.status == "used":
        return _message("used", 409 if request.method == "POST" else 200, playback_url=playback)
    if result.status == "closed":
        return _message("closed", 410, closed_on=result.closed_on, playback_url=playback)
    return None


def _items_html(page: dict) -> Markup | None:
    """The questions of an unanswered page, rendered once per locked instrument version and
    respondent organization (`fragment_key`) and reused: they are the same for everyone, and
    rendering 100-odd radios is most of the page's cost. None when the page must be rendered
    in full (answers kept, messages, or a version that may still change)."""
    key = page.get("fragment_key")
    if key is None:
        return None
    return kept(
        "survey-questions",
        key,
        lambda: Markup(render_template("take/_items.html", **page)),  # noqa: S704 - autoescaped
    )


#: Stand-ins for the two per-link values of a page kept whole (`_survey_page`): letters only,
#: so escaping leaves them as they are.
_ACTION_SLOT = "pp-slot-action-7c1e"
_CSRF_SLOT = "pp-slot-csrf-7c1e"
#: What a survey page shows besides its questions and the per-link action and CSRF token.
_PAGE_VALUES = (
    "partnership_name",
    "instrument_name",
    "intro",
    "minutes",
    "closes_text",
    "min_group",
    "partner_name",
    "organization_name",
    "notice",
)


def _survey_page(result: taking.LinkResult, token: str, status: int):
    """The survey page. An unanswered page without messages, for a visitor without cookies
    (no account signed in, no flashed message: the page's frame shows nothing of theirs), is
    the same for everyone of an organization but for the link's action and CSRF token: it is
    rendered once per version, organization and shown values, and those two are filled in."""
    page = result.page
    assert page is not None
    action = url_for("take.survey", token=token)
    csrf_value = _page_csrf("survey", token)
    key = page.get("fragment_key")
    if key is None or status != 200 or request.cookies:
        return render_template(
            "take/survey.html",
            action=action,
            csrf_value=csrf_value,
            items_html=_items_html(page),
            **page,
        ), status
    whole = (key, csrf_value is None, *(page[name] for name in _PAGE_VALUES))
    html = kept(
        "survey-pages",
        whole,
        lambda: render_template(
            "take/survey.html",
            action=_ACTION_SLOT,
            csrf_value=None if csrf_value is None else _CSRF_SLOT,
            items_html=_items_html(page),
            **page,
        ),
    )
    html = html.replace(_ACTION_SLOT, action)
    if csrf_value is not None:
        html = html.replace(_CSRF_SLOT, csrf_value)
    return html, status


@bp.route("/s/<token>", methods=["GET", "POST"])
def survey(token: str):
    # HEAD (mail scanners send it) is a GET without a body: it reads and consumes nothing.
    if request.method in ("GET", "HEAD"):
        result = taking.open_link(token, ip=_ip())
        return link_refusal(result, token) or _survey_page(result, token, 200)
    if not _verified("survey", token):
        result = taking.open_link(token, ip=_ip(), kept=request.form, notice=UNVERIFIED)
        return link_refusal(result, token) or _survey_page(result, token, 400)
    # The form carried the link's own CSRF token (when CSRF is on): the client had the page.
    checked = bool(current_app.config.get("WTF_CSRF_ENABLED", True))
    result = taking.submit(token, request.form, ip=_ip(), csrf_checked=checked)
    if result.status == "submitted":
        closes = result.closes_at.astimezone(dt.UTC) if result.closes_at else None
        return redirect(
            url_for("take.thanks", closes=closes.strftime("%Y-%m-%dT%H:%MZ") if closes else None),
            code=303,
        )
    if result.status == "confirm_empty":
        return _survey_page(result, token, 200)
    return link_refusal(result, token) or _survey_page(result, token, 400)


@bp.get("/s/thanks")
def thanks():
    """The thank-you page. It names nothing but when the survey closes (`closes`, an ISO time
    in UTC; anything else is ignored), so it can say when the results will be shared. (The
    submission reads no partnership, so the time is shown in UTC, with the zone's name.)"""
    try:
        closes = dt.datetime.strptime(request.args.get("closes", ""), "%Y-%m-%dT%H:%MZ")
    except ValueError:
        closes = None
    when = long_when(closes.replace(tzinfo=dt.UTC), "UTC") if closes else ""
    return _message("thanks", 200, closes_on=when)


@bp.route("/s/<token>/opt-out", methods=["GET", "POST"])
def opt_out(token: str):
    if request.method == "POST" and _verified("opt-out", token):
        result = taking.opt_out(token, ip=_ip())
        if result.status == "opted_out":
            assert result.page is not None
            return render_template("take/opt_out.html", done=True, **result.page)
        return link_refusal(result, token)
    result = taking.opt_out_page(token, ip=_ip())
    refusal = link_refusal(result, token)
    if refusal is not None:
        return refusal
    assert result.page is not None
    unverified = request.method == "POST"
    return render_template(
        "take/opt_out.html",
        done=False,
        unverified=unverified,
        csrf_value=_page_csrf("opt-out", token),
        **result.page,
    ), (400 if unverified else 200)
