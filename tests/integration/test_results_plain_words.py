"""What a steering committee reads at a glance (issue 19): the health says why, signals speak
in plain names on pages, CSV and XLSX (the codes stay in the JSON), the results page opens
with the summary, a cycle of several surveys gets one summary first, and JSON downloads."""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from partnership.extensions import db
from partnership.results import presenters
from partnership.results.models import AccessLog, Snapshot
from partnership.scoring.signals import RULES
from tests.builders.basics import login
from tests.builders.pulse import build_closed_survey, make_pulse_instrument, setup_coach
from tests.readers import read_csv, read_xlsx, text_tokens

#: Codes a reader must never meet ("KPI" is a plain word, used in "Shared KPI").
CODES = [r for r in RULES if r != "KPI"]


def _codes_in(text: str) -> list[str]:
    return [c for c in CODES if re.search(rf"\b{c}\b", text)]


def _with_old_escalations(survey) -> dict:  # type: ignore[no-untyped-def]
    """Give the survey's snapshot the two escalation kinds, worded the way snapshots frozen
    before issue 19 worded them (rule codes inside the sentence)."""
    snapshot = db.session.scalars(select(Snapshot).where(Snapshot.survey_id == survey.id)).one()
    data = json.loads(json.dumps(snapshot.data))
    ambers = ["LEVEL", "DIVERGENCE"]
    data["signals"] = [s for s in data["signals"] if s.get("dimension") != "market"] + [
        {"rule": rule, "severity": "amber", "dimension": "market", "explanation": "x"}
        for rule in ambers
    ]
    data["escalations"] = [
        {
            "kind": "repeated_red",
            "rule": "GAP",
            "dimension": "execution",
            "explanation": "GAP on Execution alignment was red in the previous survey.",
        },
        {
            "kind": "multiple_amber",
            "rule": None,
            "dimension": "market",
            "explanation": "Market alignment has 2 amber signals (LEVEL, DIVERGENCE).",
        },
    ]
    snapshot.data = data
    db.session.commit()
    return data


def test_results_page_opens_with_health_and_why_and_never_shows_a_rule_code(app, client):
    coach, partnership = setup_coach()
    built = build_closed_survey(partnership)
    data = _with_old_escalations(built.survey)
    login(client, coach)

    html = client.get(f"/partnerships/{partnership.id}/surveys/{built.survey.id}/results").get_data(
        as_text=True
    )

    reason = presenters.health_reason(data)
    assert reason is not None and reason.startswith("Red: ")
    assert "execution alignment" in reason  # what the red signals are about, in plain words
    assert reason in html
    visible = " ".join(text_tokens(html))
    assert _codes_in(visible) == []
    # old snapshots read in today's words: rebuilt from rule and dimension
    assert "Gap on execution alignment: red in the previous survey and red again." in html
    assert "Market alignment has 2 amber signals: low joint score and widening gap." in html
    # the summary and signals come first; the survey's details and re-score come last
    summary, signals = html.index('id="summary"'), html.index('id="signals"')
    about, rescore = html.index('id="about"'), html.index("Re-score with current settings")
    assert summary < signals < html.index('id="scores"') < html.index('id="comments"') < about
    assert about < rescore


def test_csv_and_xlsx_carry_plain_names_and_the_reason_json_keeps_the_codes(app, client):
    coach, partnership = setup_coach()
    built = build_closed_survey(partnership)
    data = _with_old_escalations(built.survey)
    login(client, coach)
    base = f"/partnerships/{partnership.id}/surveys/{built.survey.id}/results"
    reason = presenters.health_reason(data)

    _table, signals = read_csv(client.get(base + ".csv").data)
    assert signals[0] == ["type", "signal", "severity", "about", "explanation"]
    assert signals[1] == ["health", "Partnership health", "Red", "", reason]
    kinds = [row[0] for row in signals[1:]]
    assert kinds.count("signal") == len(data["signals"]) and kinds.count("escalation") == 2
    assert _codes_in(json.dumps(signals)) == []
    assert ["signal", "Widening gap", "Amber", "Market alignment", "x"] in signals

    sheets = read_xlsx(client.get(base + ".xlsx").data)
    assert _codes_in(json.dumps(sheets["Signals"])) == []
    assert ["Partnership health", reason] in sheets["About"]

    # the JSON is a file to save, not a page replaced by raw JSON; it keeps the codes
    download = client.get(base + ".json")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment; filename=")
    assert download.headers["Content-Disposition"].endswith('.json"')
    exported = json.loads(download.data)
    assert {s["rule"] for s in exported["result"]["signals"]} >= {"LEVEL", "DIVERGENCE"}
    assert (
        exported
        == client.get(
            f"/api/v1/partnerships/{partnership.id}/surveys/{built.survey.id}/results"
        ).get_json()
    )
    actions = db.session.scalars(select(AccessLog.action).order_by(AccessLog.id)).all()
    assert actions == ["export.csv", "export.xlsx", "export.json", "export.json"]
    page = client.get(base).get_data(as_text=True)
    assert f'href="{base}.json">Download JSON' in page and "/api/v1/" not in page


def test_a_cycle_of_several_surveys_gets_one_summary_before_them(app, client):
    coach, partnership = setup_coach()
    pulse = build_closed_survey(partnership, label="2026-Q3")
    other = build_closed_survey(
        partnership, instrument=make_pulse_instrument(partnership, "Our own pulse"), seed=3
    )
    other.survey.cycle_id = pulse.survey.cycle_id  # both in cycle 2026-Q3
    db.session.commit()
    login(client, coach)

    html = client.get(f"/partnerships/{partnership.id}/results").get_data(as_text=True)

    glance = html.index("Cycle <bdi>2026-Q3</bdi> at a glance")
    assert glance < html.index(f'id="lineage-{pulse.survey.id}"')
    assert glance < html.index(f'id="lineage-{other.survey.id}"')
    table = html[glance : html.index("</table>", glance)]
    for built in (pulse, other):
        assert f'href="#lineage-{built.survey.id}"' in table
        assert presenters.health_reason(built.result) in table
    # each card says why too
    assert html.count(presenters.health_reason(pulse.result)) >= 2


def test_the_first_withheld_value_says_why_beside_it(app, client):
    coach, partnership = setup_coach()
    built = build_closed_survey(partnership)
    login(client, coach)
    html = client.get(f"/partnerships/{partnership.id}/surveys/{built.survey.id}/results").get_data(
        as_text=True
    )
    assert html.count('class="withheld-first"') == 1
    first_note = html.index('class="withheld-first"')
    assert html.index('class="withheld"') < first_note  # beside the first withheld value
    note = html[first_note : html.index("</span>", first_note)]
    assert "fewer than 5 people in this group, or hidden so that a smaller withheld group" in note
