from __future__ import annotations

import contextlib
import os
import queue
import re
import signal
import subprocess
import threading
import time
import urllib.request

from sqlalchemy import func, select

from partnership.extensions import db
from partnership.governance.models import Action, Issue, Lesson
from partnership.governance.progress import gap_progress
from partnership.instruments.models import Instrument
from partnership.results import presenters
from partnership.results.models import Snapshot
from partnership.surveys.models import Cycle, Survey
from tests.builders.basics import text_of
from tests.servers import ROOT, free_port


def test_demo_loads_a_living_dashboard_and_prints_working_links(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    email = re.search(r"email (\S+@\S+)", result.output).group(1)
    password = re.search(r"password: (\S+)", result.output).group(1)
    link = re.search(r"/s/[\w-]+/playback", result.output).group(0)

    states = dict(
        db.session.execute(select(Survey.state, func.count()).group_by(Survey.state)).all()
    )
    assert states == {"closed": 7}
    assert db.session.scalar(select(func.count()).select_from(Snapshot)) == 7

    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": password}).status_code == 302
    overview = client.get("/partnerships/1/results").get_data(as_text=True)
    assert "Müller Fertigung" in overview
    assert "a gap of" in overview  # the demo's story shows as signals with their explanations
    playback = text_of(client.get(link).get_data(as_text=True))
    assert "What we heard, what we will do" in playback and "2026-Q3" in playback

    # One steering member per organization, their logins beside the coach's: results, never
    # the stakeholder directory.
    steering = re.findall(r"Steering member \((.+?)\) login: email (\S+@\S+)", result.output)
    assert [org for org, _ in steering] == ["Lumen Software", "Müller Fertigung"]
    for _org, member_email in steering:
        member = app.test_client()
        login = member.post("/login", data={"email": member_email, "password": password})
        assert login.status_code == 302
        assert "a gap of" in member.get("/partnerships/1/results").get_data(as_text=True)
        assert member.get("/partnerships/1/stakeholders").status_code == 403

    # KPI values were recorded before each quarter closed: Q2's snapshots show the
    # local-optimization red, Q3's the two-cycles-running amber, both on deliveries
    kpi_signals = {}
    for survey in db.session.scalars(select(Survey).where(Survey.state == "closed")):
        data = db.session.scalar(select(Snapshot.data).where(Snapshot.survey_id == survey.id))
        assert [k["name"] for k in data["kpis"]] == [
            "On-time joint deliveries",
            "Unit cost",
            "Joint pipeline value",
            "Sales volume",
        ]
        for s in data["signals"]:
            if s["rule"] == "KPI":
                kpi_signals.setdefault(survey.cycle.label, set()).add(
                    (s["severity"], s["explanation"].split("”")[0])
                )
    assert kpi_signals == {
        "2026-Q2": {("red", "The shared KPI “On-time joint deliveries")},
        "2026-Q3": {("amber", "The shared KPI “On-time joint deliveries")},
        "2026-Q4": {("amber", "The shared KPI “On-time joint deliveries")},
    }
    q2 = db.session.scalar(select(Survey.id).where(Survey.cycle.has(label="2026-Q2")))
    q2_page = text_of(client.get(f"/partnerships/1/surveys/{q2}/results").get_data(as_text=True))
    assert "(local optimization)" in q2_page and "KPIs of cycle 2026-Q2" in q2_page
    # Groups large enough to read (issue 19, item 10): Q3's heatmap and leadership view show
    # values, a few cells are withheld, and the rule is spelled out beside the heatmap
    q3 = db.session.scalar(
        select(Survey)
        .join(Instrument, Instrument.id == Survey.instrument_id)
        .where(Survey.cycle.has(label="2026-Q3"), Instrument.builtin_key == "quarterly-pulse")
    )
    data = db.session.scalar(select(Snapshot.data).where(Snapshot.survey_id == q3.id))
    cells = [v for _, _, row in presenters.breakdown_table(data, "function").rows for v in row]
    shown = sum(v.shown for v in cells)
    assert len(cells) == 60 and 0 < len(cells) - shown <= 20, (shown, len(cells))
    leadership = [(r.executive, r.individual) for r in presenters.leadership_rows(data)]
    assert leadership and all(e.shown and i.shown for e, i in leadership)
    q3_page = text_of(client.get(f"/partnerships/1/surveys/{q3.id}/results").get_data(as_text=True))
    assert "Hatched cells are withheld: fewer than 5 people in that group" in q3_page
    kpi_page = text_of(client.get("/partnerships/1/kpis").get_data(as_text=True))
    assert "Joint pipeline value" in kpi_page and "Local · Lumen Software · Sales" in kpi_page

    again = runner.invoke(args=["demo"])  # idempotent: nothing duplicated, a fresh link
    assert again.exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(Survey)) == 7
    assert db.session.scalar(select(func.count()).select_from(Action)) == 4
    new_link = re.search(r"/s/[\w-]+/playback", again.output).group(0)
    assert new_link != link
    assert client.get(new_link).status_code == 200


def test_the_demo_runs_each_quarter_through_its_governance_turn(app, runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    stages = dict(db.session.execute(select(Cycle.label, Cycle.stage)).all())
    assert stages == {"2026-Q1": "done", "2026-Q2": "done", "2026-Q3": "done", "2026-Q4": "adapt"}
    lessons = db.session.execute(
        select(Cycle.label, func.count(Lesson.id)).join(Lesson).group_by(Cycle.label)
    ).all()
    assert dict(lessons) == {label: 1 for label in stages}
    # Q2's and Q3's escalations are issues with actions; one action's gap closed by Q4
    for label in ("2026-Q2", "2026-Q3"):
        escalated = db.session.scalars(
            select(Issue).join(Cycle).where(Cycle.label == label, Issue.is_escalated.is_(True))
        ).all()
        assert escalated
    with_actions = {
        label
        for (label,) in db.session.execute(
            select(Cycle.label)
            .join(Issue, Issue.cycle_id == Cycle.id)
            .join(Action, Action.issue_id == Issue.id)
        )
    }
    assert with_actions == {"2026-Q2", "2026-Q3"}
    verdicts = {
        a.title: gap_progress(a).verdict
        for a in db.session.scalars(select(Action))
        if gap_progress(a) is not None
    }
    assert verdicts == {
        "Joint team with shared objectives": "closed",
        "Bi-weekly executive alignment": "not_yet",
    }
    client = app.test_client()
    client.post("/login", data={"email": "coach@example.org", "password": "pulse-demo-2026"})
    q4 = db.session.scalar(select(Cycle.id).where(Cycle.label == "2026-Q4"))
    page = text_of(client.get(f"/partnerships/1/cycles/{q4}").get_data(as_text=True))
    assert "Moving on to Communicate" in page and "Gap between the organizations: Market" in page


def test_make_demo_prints_its_address_once_the_first_page_answers(tmp_path):
    # A newcomer opens the printed address at once: it must answer then, not seconds later
    # (issue 19, item 12). `make demo` on a database of its own and a free port, until it
    # prints "Open ...", then the page is asked for right away.
    port = free_port()
    env = {
        **os.environ,
        "PARTNERSHIP_DATABASE_URL": "sqlite:///" + str(tmp_path / "demo.db"),
        "PORT": str(port),
    }
    env.pop("PARTNERSHIP_BASE_URL", None)
    make = subprocess.Popen(
        ["make", "--no-print-directory", "demo"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, stopped as a whole below
    )
    assert make.stdout is not None
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in make.stdout])
    reader.start()
    output: list[str] = []
    try:
        deadline = time.monotonic() + 120
        while not any(line.startswith("Open ") for line in output):
            assert time.monotonic() < deadline, "".join(output)[-3000:]
            with contextlib.suppress(queue.Empty):
                output.append(lines.get(timeout=1))
        assert f"Open http://127.0.0.1:{port}/ (Ctrl+C stops)." in output[-1]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as page:
            assert page.status == 200 and "/login" in page.url
            assert b"Log in" in page.read()
    finally:
        os.killpg(make.pid, signal.SIGINT)  # what Ctrl+C does
        make.wait(timeout=30)
        reader.join(timeout=30)  # until the end of make's output
        make.stdout.close()
