"""The results pages: overview, one survey's results and trends, read from stored snapshots.

The snapshots are built the way the app builds them: the pure scoring package over realistic
answers (two organizations, 8-12 respondents each, a gap in execution). The builders here are
shared with the privacy and comment tests and with the end-to-end test.
"""

from __future__ import annotations

import datetime as dt
import re

from markupsafe import escape

from partnership.db import utcnow
from partnership.extensions import db
from partnership.results.models import Snapshot
from partnership.scoring import (
    fmt_score,
)
from tests.builders.basics import login
from tests.builders.pulse import (
    build_closed_survey,
    dim,
    make_pulse_instrument,
    setup_coach,
)
from tests.readers import text_tokens

# --- the survey results page --------------------------------------------------------------


def test_closed_survey_shows_the_snapshot_numbers_charts_and_gap_verdicts(app, client):
    coach, partnership = setup_coach(org_b_name="Beta & <Hardware>")
    survey, result, _ = build_closed_survey(partnership)
    execution = dim(result, "execution")
    assert execution["G"] > 12 and execution["confirmed"] is True  # the story: a real gap
    login(client, coach)

    response = client.get(f"/partnerships/{partnership.id}/surveys/{survey.id}/results")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    tokens = text_tokens(html)
    for d in result["dimensions"]:
        assert fmt_score(d["J"]) in tokens, d["dimension"]
        assert fmt_score(d["G"], signed=True) in tokens, d["dimension"]
        for org in ("A", "B"):
            assert fmt_score(d["organizations"][org]["S"]) in tokens
    gap_table = html[html.index('id="gap-table"') :]
    row = gap_table[gap_table.index("Execution alignment") :]
    row = row[: row.index("</tr>")]
    assert f"{fmt_score(execution['ci_low'], signed=True)} to " in row
    assert ">confirmed<" in row
    # the charts are inline SVG, each with its accessible name and no inline style
    for chart_id in ("chart-radar", "chart-gap", "chart-split", "chart-heatmap"):
        assert f'id="{chart_id}"' in html
        assert f'aria-labelledby="{chart_id}-title {chart_id}-desc"' in html
    assert "style=" not in html
    assert html.count("<figure") == html.count("<figcaption") == html.count("Show as table")
    # user text is escaped, and the closing time carries the partnership's time zone
    assert "Beta &amp; &lt;Hardware&gt;" in html and "<Hardware>" not in html
    assert "Europe/Berlin" in html
    for signal in result["signals"]:
        assert str(escape(signal["explanation"])) in html


def test_headline_dimensions_come_first_and_values_round_half_up(app, client):
    coach, partnership = setup_coach()
    survey, result, _ = build_closed_survey(partnership)
    snapshot = db.session.query(Snapshot).filter_by(survey_id=survey.id).one()
    data = dict(snapshot.data)
    data["dimensions"] = [dict(d) for d in data["dimensions"]]
    cultural = data["dimensions"][0]
    cultural["organizations"] = {k: dict(v) for k, v in cultural["organizations"].items()}
    cultural["organizations"]["A"]["S"] = 62.25  # half-up: 62.3 (binary rounding gives 62.2)
    cultural["organizations"]["A"]["rwg"] = 0.125  # 0.13
    snapshot.data = data
    db.session.commit()
    login(client, coach)

    html = client.get(f"/partnerships/{partnership.id}/surveys/{survey.id}/results").get_data(
        as_text=True
    )

    gap_table = html[
        html.index('id="gap-table"') : html.index("</table>", html.index('id="gap-table"'))
    ]
    positions = [gap_table.index(d["label"]) for d in result["dimensions"]]
    assert positions == sorted(positions)
    assert [d["dimension"] for d in result["dimensions"]][:3] == ["cultural", "market", "execution"]
    assert "62.3" in text_tokens(gap_table) and "62.2" not in text_tokens(html)
    assert "0.13" in text_tokens(html[html.index('id="agreement-table"') :])


def test_open_survey_shows_participation_only(app, client):
    coach, partnership = setup_coach()
    survey, _, _ = build_closed_survey(partnership, state="open", n_a=6, n_b=5)
    login(client, coach)

    html = client.get(f"/partnerships/{partnership.id}/surveys/{survey.id}/results").get_data(
        as_text=True
    )

    assert "Scores appear when the survey closes" in html
    assert "<svg" not in html and 'id="gap-table"' not in html
    assert "Early-warning signals" not in html


def test_a_closed_survey_without_a_readable_snapshot_says_so(app, client):
    coach, partnership = setup_coach()
    survey, _, _ = build_closed_survey(partnership)
    snapshot = db.session.query(Snapshot).filter_by(survey_id=survey.id).one()
    login(client, coach)
    for broken in ({}, {"organizations": "x", "dimensions": 3}, {"dimensions": [{"x": 1}]}):
        snapshot.data = broken
        db.session.commit()
        page = client.get(f"/partnerships/{partnership.id}/surveys/{survey.id}/results")
        overview = client.get(f"/partnerships/{partnership.id}/results")
        trends = client.get(f"/partnerships/{partnership.id}/trends")
        assert page.status_code == overview.status_code == trends.status_code == 200
        assert "No results stored for this survey" in page.get_data(as_text=True)
        assert "No results stored for this survey" in overview.get_data(as_text=True)
        assert "No results stored for these surveys" in trends.get_data(as_text=True)


def test_survey_of_another_partnership_is_not_found(app, client):
    coach, partnership = setup_coach()
    _, other = setup_coach()
    foreign = build_closed_survey(other).survey
    login(client, coach)

    response = client.get(f"/partnerships/{partnership.id}/surveys/{foreign.id}/results")

    assert response.status_code == 404


# --- overview -----------------------------------------------------------------------------


def test_overview_shows_the_latest_closed_survey_of_each_lineage_pulse_first(app, client):
    coach, partnership = setup_coach()
    now = utcnow()
    pulse = make_pulse_instrument(partnership)
    check = make_pulse_instrument(partnership, name="Audit at set-up")
    build_closed_survey(
        partnership,
        instrument=check,
        label="Audit 2025",
        seed=3,
        closed_at=now - dt.timedelta(days=200),
    )
    older = build_closed_survey(
        partnership,
        instrument=pulse,
        label="2025-Q4",
        seed=1,
        shift=0.4,
        closed_at=now - dt.timedelta(days=90),
    ).result
    latest, result, _ = build_closed_survey(
        partnership,
        instrument=pulse,
        label="2026-Q1",
        seed=2,
        closed_at=now - dt.timedelta(days=3),
        history=(older,),
    )
    login(client, coach)

    html = client.get(f"/partnerships/{partnership.id}/results").get_data(as_text=True)

    assert "Quarterly partnership pulse · 2026-Q1" in html
    assert "2025-Q4" not in html
    assert html.index("Quarterly partnership pulse · 2026-Q1") < html.index("Audit at set-up")
    tokens = text_tokens(html)
    for d in result["dimensions"]:
        assert fmt_score(d["J"]) in tokens
    # the most severe signals, red before amber, each with its explanation
    assert {"red", "amber"} <= {s["severity"] for s in result["signals"]}
    section = html[html.index("Most severe signals") : html.index("</section>")]
    severities = re.findall(r'<li><span class="badge (red|amber)">', section)
    assert severities and severities == sorted(severities, key=lambda s: s != "red")
    red = next(s for s in result["signals"] if s["severity"] == "red")
    assert str(escape(red["explanation"])) in section
    assert f'href="/partnerships/{partnership.id}/surveys/{latest.id}/results"' in html


def test_overview_and_trends_before_anything_closed(app, client):
    coach, partnership = setup_coach()
    build_closed_survey(partnership, state="open", n_a=6, n_b=5)
    login(client, coach)

    html = client.get(f"/partnerships/{partnership.id}/results").get_data(as_text=True)
    trends = client.get(f"/partnerships/{partnership.id}/trends").get_data(as_text=True)

    assert "No survey of this partnership has closed yet" in html
    assert "Surveys in progress" in html
    # participation of the open survey: 6 of 7 invited in A, 5 of 6 in B
    assert "6 of 7 invited answered" in html and "5 of 6 invited answered" in html
    assert "No survey of this partnership has closed yet" in trends


# --- trends -------------------------------------------------------------------------------


def test_trends_follow_one_lineage_in_order_of_closing(app, client):
    coach, partnership = setup_coach()
    now = utcnow()
    pulse = make_pulse_instrument(partnership)
    # created out of order: the page orders by close time, not by id or label
    q1 = build_closed_survey(
        partnership,
        instrument=pulse,
        label="Spring review",
        seed=5,
        shift=-0.5,
        closed_at=now - dt.timedelta(days=10),
    ).result
    q3 = build_closed_survey(
        partnership,
        instrument=pulse,
        label="Autumn review",
        seed=3,
        shift=0.3,
        closed_at=now - dt.timedelta(days=190),
    ).result
    q4 = build_closed_survey(
        partnership,
        instrument=pulse,
        label="Winter review",
        seed=4,
        closed_at=now - dt.timedelta(days=100),
    ).result
    login(client, coach)

    html = client.get(f"/partnerships/{partnership.id}/trends").get_data(as_text=True)

    table = html[html.index("Joint score per dimension and cycle") :]
    table = table[: table.index("</table>")]
    order = [table.index(label) for label in ("Autumn review", "Winter review", "Spring review")]
    assert order == sorted(order)
    rows = table.split("<tr>")[2:]
    for row, result in zip(rows, (q3, q4, q1), strict=True):
        cells = re.findall(r'<td class="num">([^<]*)</td>', row)
        assert cells[:3] == [
            fmt_score(dim(result, k)["J"]) for k in ("cultural", "market", "execution")
        ]
    assert 'id="chart-trend-0-j"' in html and 'id="chart-trend-0-g"' in html
