"""A stakeholder answers from the emailed link: real SMTP (aiosmtpd), real server (gunicorn),
real browser (Chromium)."""

from __future__ import annotations

import os
import re

import pytest
from sqlalchemy import func, select

from partnership.extensions import db
from partnership.outbox.services import send_pending
from partnership.surveys.models import Answer, Cycle, Response, Survey
from tests.builders.basics import make_partnership, make_stakeholders, make_user
from tests.e2e.browser import assert_accessible

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]


def _open_pulse(partnership, base_url: str) -> Survey:
    from partnership.instruments.models import Instrument
    from partnership.instruments.services import ensure_builtins, latest_version
    from partnership.surveys.services import open_survey

    ensure_builtins()
    pulse = db.session.scalar(select(Instrument).where(Instrument.builtin_key == "quarterly-pulse"))
    cycle = Cycle(partnership_id=partnership.id, label="2026-Q4")
    db.session.add(cycle)
    db.session.flush()
    survey = Survey(
        partnership_id=partnership.id,
        cycle_id=cycle.id,
        instrument_id=pulse.id,
        instrument_version_id=latest_version(pulse).id,
    )
    db.session.add(survey)
    db.session.commit()
    open_survey(survey, base_url=base_url)
    return survey


def test_stakeholder_answers_from_the_emailed_link(
    page, app, live_server, smtp_server, artifacts_dir
):
    coach = make_user()
    partnership = make_partnership(coach, org_b_name="Müller Fertigung")
    make_stakeholders(partnership, 1, 0)
    survey = _open_pulse(partnership, live_server.url)
    counts = send_pending(app.config)
    assert counts["sent"] == 1
    (mail,) = smtp_server.wait_for(1)
    body = mail.get_body(preferencelist=("plain",)).get_content()
    link = re.search(re.escape(live_server.url) + r"/s/[\w-]+", body).group(0)

    page.goto(link)
    assert "Müller Fertigung" in page.content()  # the partner's name in the item texts
    assert_accessible(page)
    # Answer every closed question with the keyboard-reachable radios; leave comments empty.
    for fieldset in page.locator("fieldset").all():
        radios = fieldset.locator("input[type=radio]")
        if radios.count():
            radios.nth(radios.count() // 2).check()
    page.screenshot(path=os.path.join(artifacts_dir, "survey.png"), full_page=True)
    page.get_by_role("button", name=re.compile("submit|send", re.I)).click()
    page.wait_for_load_state()
    assert "thank" in page.content().lower()
    assert_accessible(page)

    db.session.expire_all()
    assert (
        db.session.scalar(
            select(func.count()).select_from(Response).where(Response.survey_id == survey.id)
        )
        == 1
    )
    assert db.session.scalar(select(func.count()).select_from(Answer)) >= 19

    page.goto(link)
    assert "already answered" in page.content().lower()
