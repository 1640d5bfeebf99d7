"""The results pages: overview, one survey's results and trends, read from stored snapshots.

The snapshots are built the way the app builds them: the pure scoring package over realistic
answers (two organizations, 8-12 respondents each, a gap in execution). The builders here are
shared with the privacy and comment tests and with the end-to-end test.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import replace
from html.parser import HTMLParser
from typing import Any, NamedTuple

from markupsafe import escape
from sqlalchemy import select

from partnership.db import utcnow
from partnership.extensions import db
from partnership.instruments.catalog import DIMENSION_LABELS, QUARTERLY_PULSE
from partnership.instruments.models import SCALE_POINTS, Instrument, InstrumentVersion, Item
from partnership.instruments.services import ensure_builtins
from partnership.partnerships.models import Stakeholder
from partnership.results.models import Snapshot
from partnership.scoring import Comment as ScoredComment
from partnership.scoring import (
    HistoryPoint,
    ItemSpec,
    RawResponse,
    Segment,
    Settings,
    SurveyInput,
    fmt_score,
    score_survey,
    survey_input_from_responses,
)
from partnership.surveys.models import (
    Answer,
    Comment,
    Cycle,
    Invitation,
    Response,
    Survey,
)
from tests.factories import login, make_partnership, make_user

# Typical answer (1..5, favourable direction) per organization and dimension: Alpha is happy
# with execution, Beta is not, so execution carries a clear gap.
ATTITUDES = {
    "A": {
        "cultural": 4.0,
        "market": 3.8,
        "execution": 4.4,
        "governance": 3.6,
        "communication": 3.9,
    },
    "B": {
        "cultural": 3.6,
        "market": 3.4,
        "execution": 2.8,
        "governance": 3.5,
        "communication": 3.4,
    },
}
FUNCTIONS = ("sales", "operations", "product")
LEVEL_CYCLE = ("executive", "manager", "individual", "individual")
PULSE_DIMENSIONS = QUARTERLY_PULSE.dimensions


def pulse_specs() -> list[ItemSpec]:
    """The quarterly pulse's scored and reported items as the scoring package sees them."""
    return [
        ItemSpec(item.key, item.dimension, SCALE_POINTS[item.kind], item.reverse, item.kind)
        for item in QUARTERLY_PULSE.items
        if item.kind != "comment"
    ]


def make_pulse_instrument(partnership, name: str | None = None):
    """The built-in quarterly pulse; with a name, a partnership's own lineage with its items."""
    if name is None:
        ensure_builtins()
        return db.session.scalars(
            select(Instrument).where(Instrument.builtin_key == QUARTERLY_PULSE.key)
        ).one()
    instrument = Instrument(partnership_id=partnership.id, name=name)
    db.session.add(instrument)
    db.session.flush()
    version = InstrumentVersion(
        instrument_id=instrument.id, number=1, dimensions=list(PULSE_DIMENSIONS)
    )
    db.session.add(version)
    db.session.flush()
    for position, item in enumerate(QUARTERLY_PULSE.items, start=1):
        db.session.add(
            Item(
                version_id=version.id,
                key=item.key,
                position=position,
                kind=item.kind,
                text=item.text,
                dimension=item.dimension,
                is_reverse=item.reverse,
            )
        )
    db.session.commit()
    return instrument


def _answers(rng: random.Random, org: str, shift: float) -> dict[str, int | None]:
    answers: dict[str, int | None] = {}
    for spec in pulse_specs():
        if spec.kind == "likelihood":
            answers[spec.id] = max(0, min(10, round(7 + 2 * (shift + rng.gauss(0, 0.6)))))
            continue
        base = ATTITUDES[org].get(spec.dimension or "", 3.8) + shift
        x = max(1, min(5, round(base + rng.gauss(0, 0.7))))
        answers[spec.id] = (6 - x) if spec.reverse else x
    return answers


class Built(NamedTuple):
    survey: Survey
    result: dict[str, Any]  # SurveyResult.to_dict(), as stored in the snapshot
    scoring_input: SurveyInput


def build_closed_survey(
    partnership,
    *,
    instrument=None,
    label: str = "2026-Q1",
    n_a: int = 10,
    n_b: int = 9,
    seed: int = 7,
    shift: float = 0.0,
    closed_at: dt.datetime | None = None,
    comments: dict[str, list[str]] | None = None,
    history: tuple[dict[str, Any], ...] = (),
    state: str = "closed",
    functions: tuple[str, ...] = FUNCTIONS,
    levels: tuple[str, ...] = LEVEL_CYCLE,
) -> Built:
    """A survey of the pulse with invitations, responses, answers and comments, and (when
    closed) its snapshot: the survey, the snapshot's data and the scoring input behind it."""
    instrument = instrument or make_pulse_instrument(partnership)
    version = instrument.versions[-1]
    comment_item = next(i for i in version.items if i.kind == "comment")
    cycle = Cycle(partnership_id=partnership.id, label=label)
    db.session.add(cycle)
    db.session.flush()
    closed_at = closed_at or utcnow() - dt.timedelta(days=2)
    survey = Survey(
        partnership_id=partnership.id,
        cycle_id=cycle.id,
        instrument_id=instrument.id,
        instrument_version_id=version.id,
        state=state,
        opened_at=closed_at - dt.timedelta(days=14),
        closed_at=closed_at if state == "closed" else None,
    )
    db.session.add(survey)
    db.session.flush()
    rng = random.Random(seed)
    orgs = {"A": partnership.org_a, "B": partnership.org_b}
    item_ids = {i.key: i.id for i in version.items}
    raw: list[RawResponse] = []
    invited: dict[Segment, int] = {}
    scored_comments: list[ScoredComment] = []
    comments = (
        comments
        if comments is not None
        else {
            "A": ["Keep the joint roadmap reviews.", "Start sharing forecasts earlier."],
            "B": ["Stop changing priorities mid-quarter.", "Hand-offs to the factory get lost."],
        }
    )
    for org, count in (("A", n_a), ("B", n_b)):
        texts = list(comments.get(org, []))
        for k in range(count):
            segment = Segment(org, functions[k % len(functions)], levels[k % len(levels)])
            invited[segment] = invited.get(segment, 0) + 1
            _invite(partnership, survey, orgs[org], segment, used=True)
            answers = _answers(rng, org, shift)
            raw.append(RawResponse(segment, answers))
            response = Response(
                survey_id=survey.id,
                organization_id=orgs[org].id,
                function=segment.function,
                level=segment.level,
                submitted_on=closed_at.date(),
            )
            db.session.add(response)
            db.session.flush()
            db.session.add_all(
                Answer(response_id=response.id, item_id=item_ids[key], value=value)
                for key, value in answers.items()
            )
            if k < len(texts):
                row = Comment(response_id=response.id, item_id=comment_item.id, body=texts[k])
                db.session.add(row)
                db.session.flush()
                scored_comments.append(ScoredComment(segment, row.id, texts[k]))
        # one invitee per organization did not answer
        extra = Segment(org, "operations", "manager")
        invited[extra] = invited.get(extra, 0) + 1
        _invite(partnership, survey, orgs[org], extra, used=False)
    data = survey_input_from_responses(
        pulse_specs(),
        PULSE_DIMENSIONS,
        raw,
        invited,
        org_names={"A": partnership.org_a.name, "B": partnership.org_b.name},
        comments=scored_comments,
    )
    data = replace(data, dimension_labels=DIMENSION_LABELS)
    result = score_survey(
        data,
        Settings(min_group=partnership.min_group),
        history=tuple(HistoryPoint.from_dict(h) for h in history),
        is_open=state != "closed",
        comment_key=b"snapshot-key",
    ).to_dict()
    if state == "closed":
        db.session.add(Snapshot(survey_id=survey.id, version=1, data=result))
    db.session.commit()
    return Built(survey, result, data)


_people = iter(range(1, 10**9))


def _invite(partnership, survey, org, segment: Segment, *, used: bool) -> None:
    n = next(_people)
    person = Stakeholder(
        partnership_id=partnership.id,
        organization_id=org.id,
        name=f"Person {n}",
        email=f"person{n}@{org.short_code.lower()}.example",
        function=segment.function,
        level=segment.level,
    )
    db.session.add(person)
    db.session.flush()
    db.session.add(
        Invitation(
            survey_id=survey.id,
            stakeholder_id=person.id,
            organization_id=org.id,
            function=segment.function,
            level=segment.level,
            is_used=used,
        )
    )


def setup_coach(**partnership_kw: Any):
    coach = make_user()
    partnership = make_partnership(coach, **partnership_kw)
    return coach, partnership


class TextNodes(HTMLParser):
    """The text a reader sees (SVG <text> included), one string per text node."""

    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[str] = []

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.nodes.append(data.strip())


def text_tokens(html: str) -> set[str]:
    parser = TextNodes()
    parser.feed(html)
    tokens = set()
    for node in parser.nodes:
        for token in node.split():
            tokens.add(token.strip(",.;:()[]"))
    return tokens


def dim(result: dict[str, Any], key: str) -> dict[str, Any]:
    return next(d for d in result["dimensions"] if d["dimension"] == key)


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
