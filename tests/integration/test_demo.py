from __future__ import annotations

import re

from sqlalchemy import func, select

from partnership.extensions import db
from partnership.results.models import Snapshot
from partnership.surveys.models import Survey


def test_demo_loads_a_living_dashboard_and_prints_working_links(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    email = re.search(r"email (\S+@\S+)", result.output).group(1)
    password = re.search(r"password: (\S+)", result.output).group(1)
    link = re.search(r"/s/[\w-]+", result.output).group(0)

    states = dict(
        db.session.execute(select(Survey.state, func.count()).group_by(Survey.state)).all()
    )
    assert states == {"closed": 6, "open": 1}
    assert db.session.scalar(select(func.count()).select_from(Snapshot)) == 6

    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": password}).status_code == 302
    overview = client.get("/partnerships/1/results").get_data(as_text=True)
    assert "Müller Fertigung" in overview
    assert "a gap of" in overview  # the demo's story shows as signals with their explanations
    survey_page = client.get(link)
    assert survey_page.status_code == 200 and b"<form" in survey_page.data

    again = runner.invoke(args=["demo"])  # idempotent: nothing duplicated, a fresh link
    assert again.exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(Survey)) == 7
    new_link = re.search(r"/s/[\w-]+", again.output).group(0)
    assert new_link != link
    assert client.get(new_link).status_code == 200
