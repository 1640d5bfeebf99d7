"""50 concurrent POSTs of one personal link against a real server (gunicorn, 2 workers, CSRF
on): exactly one response is stored, one POST is redirected (303), the 49 others get the
"already answered" page with 409 Conflict; no 500 and no "database is locked"."""

from __future__ import annotations

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from partnership.extensions import db
from partnership.surveys.models import Answer, Response
from tests.builders.taking import full_answers, open_survey

pytestmark = pytest.mark.xdist_group("live")

SUBMITTERS = 50


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _stakeholder(base: str, path: str, data: dict[str, str], barrier: threading.Barrier):
    """One browser: fetch the page (own cookie jar) for its CSRF token, wait for the others,
    post the answers. Returns (status, body)."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
    )
    with opener.open(base + path, timeout=30) as page:
        html = page.read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert token is not None, html[:500]
    body = urllib.parse.urlencode(dict(data, csrf_token=token.group(1))).encode()
    barrier.wait(timeout=30)
    try:
        with opener.open(base + path, data=body, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_fifty_concurrent_posts_of_one_link_store_exactly_one_response(app, live_server):
    world = open_survey()
    path = f"/s/{world.tokens[0]}"
    data = full_answers(world)
    barrier = threading.Barrier(SUBMITTERS)
    with ThreadPoolExecutor(SUBMITTERS) as pool:
        futures = [
            pool.submit(_stakeholder, live_server.url, path, data, barrier)
            for _ in range(SUBMITTERS)
        ]
        results = [f.result(timeout=60) for f in futures]

    statuses = sorted(status for status, _ in results)
    assert statuses.count(303) == 1, statuses
    assert statuses.count(409) == SUBMITTERS - 1, statuses
    for status, body in results:
        if status == 409:
            assert "You have already answered. Thank you." in body
    db.session.rollback()  # end the test's own read snapshot, so it sees the server's commits
    assert db.session.scalar(select(func.count()).select_from(Response)) == 1
    closed_items = [i for i in world.items if i.kind != "comment"]
    assert db.session.scalar(select(func.count()).select_from(Answer)) == len(closed_items)
    log = live_server.log()
    assert "database is locked" not in log
    assert "Traceback" not in log and " 500 " not in log
