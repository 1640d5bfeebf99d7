"""Results as exported (JSON API, CSV, XLSX): a hand-computed example, the privacy threshold in
every format, snapshots at close and re-scores, open surveys, hidden comments."""

from __future__ import annotations

import datetime as dt
import math
import random

import pytest
from sqlalchemy import func, select

from partnership.accounts.models import User
from partnership.db import utcnow
from partnership.extensions import db
from partnership.instruments.models import Item
from partnership.results import services
from partnership.results.models import AccessLog, Snapshot
from partnership.surveys.models import Comment, Survey
from tests.builders.basics import login, make_partnership, make_user, steering_membership
from tests.builders.results import (
    HAND_B,
    close,
    hand_example,
    invite,
    make_instrument,
    make_survey,
    respond,
)
from tests.readers import read_csv, read_xlsx

T_975_DF10 = 2.228138851986274  # Student t quantile t(0.975, df = 10), from any t table


def _api(client, survey: Survey) -> dict:
    response = client.get(
        f"/api/v1/partnerships/{survey.partnership_id}/surveys/{survey.id}/results"
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_json()


def _files(client, survey: Survey):
    base = f"/partnerships/{survey.partnership_id}/surveys/{survey.id}/results"
    csv_response = client.get(base + ".csv")
    xlsx_response = client.get(base + ".xlsx")
    assert csv_response.status_code == xlsx_response.status_code == 200
    assert csv_response.mimetype == "text/csv"
    assert "attachment" in csv_response.headers["Content-Disposition"]
    assert xlsx_response.mimetype.endswith("spreadsheetml.sheet")
    return read_csv(csv_response.data), read_xlsx(xlsx_response.data)


def test_hand_computed_example_is_exported_with_the_same_numbers_everywhere(client):
    coach = make_user()
    partnership = make_partnership(coach)
    survey = hand_example(partnership, state="open")
    close(survey)
    login(client, coach)
    payload = _api(client, survey)
    result = payload["result"]
    assert payload["snapshot"]["version"] == 1 and payload["snapshot"]["reason"] == "close"
    (ex,) = result["dimensions"]
    a, b = ex["organizations"]["A"], ex["organizations"]["B"]

    # Item scores (execution-2 reversed: 100 (5 - x) / 4), then person means:
    # A: (5,1,5) -> 100; (4,2,4) x3 -> 75; (3,3,3) -> 50; (4,2,N.A.) -> (75+75)/2 = 75
    #    (2 answers >= ceil(2/3 x 3) = 2, so the person counts)
    # B: (3,3,3) x4 -> 50; (2,4,2) -> 25; (4,2,4) -> 75
    # S_A = 450 / 6 = 75, S_B = 300 / 6 = 50
    # s: deviations A 25,0,0,-25,0,0 and B 0,0,-25,25,0,0 -> 1250 / 5 = 250 -> sqrt(250)
    assert (a["n"], b["n"]) == (6, 6)
    assert a["S"] == pytest.approx(75) and b["S"] == pytest.approx(50)
    assert a["s"] == pytest.approx(math.sqrt(250)) and b["s"] == pytest.approx(math.sqrt(250))
    # Split (all answers after direction): A 14 favorable, 3 neutral of 17;
    # B 3 favorable (75s), 12 neutral, 3 unfavorable (25s) of 18
    assert a["favorable"] == pytest.approx(14 / 17) and a["neutral"] == pytest.approx(3 / 17)
    assert a["unfavorable"] == 0
    assert b["favorable"] == pytest.approx(3 / 18) and b["unfavorable"] == pytest.approx(3 / 18)
    # rwg = 1 - mean item variance / ((5^2 - 1) / 12 = 2), answers oriented (6 - x reversed):
    # A: items 5,4,4,3,4,4 (var 2/5) twice and 5,4,4,3,4 (var 2/4): mean 1.3/3
    # B: every item 3,3,2,4,3,3: var 2/5
    assert a["rwg"] == pytest.approx(1 - (1.3 / 3) / 2) and b["rwg"] == pytest.approx(0.8)
    # AD = mean absolute deviation from the item mean: A (2/6 + 2/6 + 2/5) / 3, B 2/6
    assert a["AD"] == pytest.approx((2 / 6 + 2 / 6 + 2 / 5) / 3) and b["AD"] == pytest.approx(2 / 6)
    # J = (75 + 50) / 2; G = 75 - 50
    assert ex["J"] == pytest.approx(62.5) and ex["G"] == pytest.approx(25)
    # g: s_p = sqrt((5 x 250 + 5 x 250) / 10) = sqrt(250); d = 25 / s_p; x (1 - 3 / (4 x 12 - 9))
    g = 25 / math.sqrt(250) * (1 - 3 / 39)
    assert ex["g"] == pytest.approx(g)
    # Welch with finite-population correction, 8 invited each:
    # v = (250 / 6) (1 - 6/8) per organization; df = (2v)^2 / (2 v^2 / 5) = 10
    v = 250 / 6 * (1 - 6 / 8)
    half = T_975_DF10 * math.sqrt(2 * v)
    assert ex["ci_low"] == pytest.approx(25 - half) and ex["ci_high"] == pytest.approx(25 + half)
    assert ex["confirmed"] is True and ex["census"] is False
    # GAP red: |G| = 25 >= 12.5 and |g| = 1.46 >= 0.5; nothing else fires (J 62.5 >= 60,
    # rwg >= 0.5, no polarization, participation 6/8 = 75 % on both sides)
    assert [(s["rule"], s["severity"]) for s in result["signals"]] == [("GAP", "red")]
    assert ex["health"] == "red" and result["health"] == "red"
    assert result["organizations"]["A"]["R"] == pytest.approx(0.75)
    assert sorted(c["text"] for c in result["organizations"]["A"]["comments"]) == [
        "Faster decisions",
        "Faster decisions",
    ]

    (table, signals), sheets = _files(client, survey)
    header = table[0]
    assert header == [
        "dimension", "organization", "n", "S", "s", "favorable", "neutral", "unfavorable",
        "rwg", "AD", "J", "G", "g", "ci_low", "ci_high", "confirmed", "health", "note",
    ]  # fmt: skip
    by_org = {row[1]: dict(zip(header, row, strict=True)) for row in table[1:]}
    assert by_org["Alpha Software"] == {
        "dimension": "Execution alignment", "organization": "Alpha Software", "n": "6",
        "S": "75.0", "s": "15.8", "favorable": "82%", "neutral": "18%", "unfavorable": "0%",
        "rwg": "0.78", "AD": "0.36", "J": "", "G": "", "g": "", "ci_low": "", "ci_high": "",
        "confirmed": "", "health": "", "note": "",
    }  # fmt: skip
    assert [by_org["Beta Hardware"][k] for k in ("S", "favorable", "neutral", "rwg", "AD")] == [
        "50.0", "17%", "67%", "0.80", "0.33",
    ]  # fmt: skip
    # 25 - 10.17 = 14.83 and 25 + 10.17 = 35.17
    joint = by_org["Joint"]
    assert [joint[k] for k in ("J", "G", "g", "ci_low", "ci_high", "confirmed", "health")] == [
        "62.5", "25.0", "1.46", "14.8", "35.2", "yes", "Red",
    ]  # fmt: skip
    assert signals[0] == ["type", "signal", "severity", "about", "explanation"]
    assert signals[1] == [
        "health", "Partnership health", "Red", "",
        "Red: 1 red signal (gap on execution alignment).",
    ]  # fmt: skip
    assert signals[2][:4] == [
        "signal", "Gap between the organizations", "Red", "Execution alignment",
    ]  # fmt: skip

    results = sheets["Results"]
    assert results[0][:3] == ["dimension", "organization", "n"]
    xa = dict(zip(header, results[1], strict=False))
    assert (xa["organization"], xa["n"], xa["S"], xa["s"], xa["favorable"], xa["rwg"]) == (
        "Alpha Software", 6.0, 75.0, 15.8, 0.82, 0.78,
    )  # fmt: skip
    xj = dict(zip(header, results[3], strict=False))
    assert (xj["J"], xj["ci_low"], xj["ci_high"], xj["confirmed"]) == (62.5, 14.8, 35.2, "yes")
    assert sheets["Signals"][2][1] == "Gap between the organizations"
    about = dict(row[:2] for row in sheets["About"])
    assert about["Partnership health"] == "Red: 1 red signal (gap on execution alignment)."
    assert about["Snapshot"].startswith("version 1 (close)")
    assert about["Snapshot"].endswith("Europe/Berlin")


def _walk(node, path="$"):
    yield path, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _walk(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, f"{path}[{i}]")


def assert_no_small_group(result: dict) -> None:
    """No value anywhere in the export stands for fewer persons than min_group."""
    mg = result["settings"]["min_group"]
    for path, node in _walk(result):
        if not isinstance(node, dict):
            continue
        for key, value in node.items():
            if key.endswith("_reason"):
                # a value is null exactly when it has a reason
                assert (node[key.removesuffix("_reason")] is None) == (value is not None), path
        if node.get("n") is not None:
            assert node["n"] >= mg, f"{path}: n = {node['n']} < {mg}"
        if "n" in node and node.get("n") is None:
            for key in ("S", "s", "rwg", "AD", "mean", "distribution"):
                assert node.get(key) is None, f"{path}.{key} shown without its n"
        if "R" in node and "name" not in node and node.get("responded") is not None:
            # a participation cell of a breakdown
            assert node["invited"] >= mg, f"{path}: participation of {node['invited']}"
    for letter, org in result["organizations"].items():
        small = org["responded"] < mg
        for key in ("comments", "signs", "sign_count"):
            if small:
                assert org[key] is None, f"{letter}.{key} of {org['responded']} respondents"
        for dim in result["dimensions"]:
            mine = dim["organizations"][letter]
            if small:
                for key in ("n", "S", "s", "favorable", "neutral", "unfavorable", "rwg", "AD"):
                    assert mine[key] is None and mine[f"{key}_reason"] == "below_threshold"


def test_an_organization_below_the_threshold_is_null_with_reasons_in_api_csv_and_xlsx(client):
    coach = make_user()
    partnership = make_partnership(coach)
    survey = hand_example(partnership, b_rows=HAND_B[:3], state="open")  # B: 3 respondents
    close(survey)
    login(client, coach)
    result = _api(client, survey)["result"]
    (ex,) = result["dimensions"]
    b = ex["organizations"]["B"]
    for key in ("n", "S", "s", "favorable", "neutral", "unfavorable", "rwg", "AD"):
        assert b[key] is None and b[f"{key}_reason"] == "below_threshold", key
    assert ex["J"] is None and ex["G"] is None and ex["g"] is None and ex["J_reason"]
    assert ex["organizations"]["A"]["S"] == pytest.approx(75)
    assert result["organizations"]["B"]["comments"] is None
    assert result["organizations"]["B"]["comments_reason"] == "below_threshold"
    assert result["organizations"]["B"]["responded"] == 3  # counts are never withheld
    assert_no_small_group(result)

    (table, _signals), sheets = _files(client, survey)
    header = table[0]
    beta = dict(zip(header, next(r for r in table if r[1] == "Beta Hardware"), strict=True))
    assert all(beta[k] == "" for k in header[2:-1])
    assert beta["note"] == (
        "n, S, s, favorable, neutral, unfavorable, rwg, AD: withheld (below threshold)"
    )
    joint = dict(zip(header, next(r for r in table if r[1] == "Joint"), strict=True))
    assert all(joint[k] == "" for k in ("J", "G", "g", "ci_low", "ci_high", "confirmed"))
    assert "withheld (below threshold)" in joint["note"]
    xbeta = next(r for r in sheets["Results"] if r[1] == "Beta Hardware")
    assert not any(isinstance(v, float) for v in xbeta)
    assert xbeta[-1] == beta["note"]


def test_no_group_below_min_group_shows_anywhere_in_the_payload(client):
    """Several small segments (functions and levels) on both sides, random answers."""
    rng = random.Random(7)
    coach = make_user()
    partnership = make_partnership(coach)
    instrument, version = make_instrument(
        partnership,
        dims=("cultural", "execution"),
        overall=True,
        likelihood=True,
        comment=True,
        signs=[(1, "demand"), (2, "demand"), (3, "demand")],
    )
    survey = make_survey(partnership, instrument, version, state="open")
    keys = [i.key for i in version.items if i.kind != "comment"]
    segments = [
        ("A", "sales", "executive", 7, 9),
        ("A", "operations", "individual", 2, 3),
        ("A", "product", "manager", 4, 4),
        ("A", "finance", "individual", 6, 6),
        ("B", "sales", "executive", 3, 5),
        ("B", "operations", "manager", 1, 2),
    ]
    for org, function, level, responding, invited in segments:
        invite(survey, org, invited, function, level)
        for _ in range(responding):
            answers = {k: rng.choice([None, 0, 1, 2, 3, 4, 5, 6]) for k in keys}
            answers = {
                k: (
                    None
                    if v is None
                    else (v if k == "nps" else min(max(v, 1), 4 if "sign" in k else 5))
                )
                for k, v in answers.items()
            }
            respond(
                survey,
                org,
                answers,
                function=function,
                level=level,
                comment="Keep it up",
                commit=False,
            )
    db.session.commit()
    close(survey)
    login(client, coach)
    result = _api(client, survey)["result"]
    assert_no_small_group(result)
    assert result["organizations"]["B"]["responded"] == 4  # below 5: B is withheld throughout
    assert result["organizations"]["A"]["comments"] is not None
    shown = [c for c in result["breakdowns"]["function"] if c["S"] is not None]
    hidden = [c for c in result["breakdowns"]["function"] if c["S"] is None]
    assert shown and hidden  # the test exercises both sides of the rule
    assert {c["S_reason"] for c in hidden} <= {"below_threshold", "complementary"}


def test_snapshot_at_close_survives_edits_until_an_explicit_rescore(client, runner):
    coach = make_user()
    partnership = make_partnership(coach)
    survey = hand_example(partnership, state="open")
    close(survey)
    snap = services.current_snapshot(survey)
    assert (snap.version, snap.reason, snap.created_by_id) == (1, "close", None)

    # Later edits: item wording, privacy threshold (A's 6 and B's 6 now too few), thresholds
    item = db.session.scalar(select(Item).where(Item.key == "execution-1"))
    item.text = "Reworded after the close"
    partnership.min_group = 7
    partnership.thresholds = {"gap_red": 30}
    db.session.commit()
    login(client, coach)
    before = _api(client, survey)
    assert before["snapshot"]["version"] == 1
    assert before["result"]["settings"]["min_group"] == 5
    assert before["result"]["dimensions"][0]["organizations"]["A"]["S"] == pytest.approx(75)

    snapshot = services.rescore(survey, db.session.get(User, coach.id))
    assert (snapshot.version, snapshot.reason, snapshot.created_by_id) == (2, "rescore", coach.id)
    after = _api(client, survey)
    assert after["snapshot"]["version"] == 2 and after["snapshot"]["reason"] == "rescore"
    assert after["result"]["settings"]["min_group"] == 7
    assert after["result"]["settings"]["gap_red"] == 30
    org_a = after["result"]["dimensions"][0]["organizations"]["A"]
    assert org_a["S"] is None and org_a["S_reason"] == "below_threshold"
    assert_no_small_group(after["result"])
    # version 1 is kept unchanged
    first = db.session.scalar(select(Snapshot).where(Snapshot.version == 1))
    assert first.data["dimensions"][0]["organizations"]["A"]["S"] == pytest.approx(75)

    # a lower threshold again brings the numbers back, now with the overridden gap threshold:
    # |G| = 25 < 30 means GAP is amber, not red
    partnership.min_group = 5
    db.session.commit()
    result = runner.invoke(args=["surveys", "rescore", "--survey", str(survey.id)])
    assert result.exit_code == 0, result.output
    assert "snapshot version 3" in result.output
    third = _api(client, survey)["result"]
    assert [(s["rule"], s["severity"]) for s in third["signals"]] == [("GAP", "amber")]


def test_a_rescore_keeps_hidden_what_the_previous_version_hid(client):
    """scoring.md section 5: suppression holds across snapshot versions of one cycle. At
    min_group 3, B's lone "f2" respondent is protected by B's "f3"; a re-score at min_group 4
    alone would protect it with B's "f4" and show "f3", and the two versions together would
    give "f2" away from B's total. The re-score keeps "f3" hidden."""
    coach = make_user()
    partnership = make_partnership(coach, min_group=3)
    instrument, version = make_instrument(partnership, dims=("execution",))
    survey = make_survey(partnership, instrument, version, state="open")
    keys = [i.key for i in version.items if i.kind != "comment"]
    for org, function, people in (("A", "f4", 3), ("B", "f2", 1), ("B", "f3", 4), ("B", "f4", 4)):
        invite(survey, org, people, function, "individual")
        for n in range(people):
            respond(survey, org, dict.fromkeys(keys, 1 + n % 5), function=function, commit=False)
    db.session.commit()
    close(survey)
    login(client, coach)

    def hidden(result: dict) -> dict:
        return {
            (c["org"], c["function"]): c["S_reason"]
            for c in result["breakdowns"]["function"]
            if c["S"] is None
        }

    first = _api(client, survey)["result"]
    assert hidden(first) == {("B", "f2"): "below_threshold", ("B", "f3"): "complementary"}
    partnership.min_group = 4
    db.session.commit()
    services.rescore(survey, db.session.get(User, coach.id))
    second = _api(client, survey)["result"]
    assert second["settings"]["min_group"] == 4
    assert hidden(second) == {
        ("A", "f4"): "below_threshold",
        ("B", "f2"): "below_threshold",
        ("B", "f3"): "complementary",  # hidden in version 1: stays hidden
        ("B", "f4"): "complementary",
    }
    assert_no_small_group(second)


def test_the_coach_rescores_from_the_results_page_and_steering_cannot(client):
    coach = make_user()
    steering = make_user()
    partnership = make_partnership(coach)
    db.session.add(steering_membership(partnership, steering))
    survey = hand_example(partnership, state="open")
    page_url = f"/partnerships/{partnership.id}/surveys/{survey.id}/results"
    login(client, coach)
    assert "Re-score" not in client.get(page_url).get_data(as_text=True)  # open: nothing yet
    refused = client.post(page_url.replace("/results", "/rescore"), follow_redirects=True)
    assert "Only a closed survey can be re-scored" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Snapshot)) == 0

    close(survey)
    partnership.min_group = 7  # A's 6 and B's 6 are now too few
    db.session.commit()
    page = client.get(page_url).get_data(as_text=True)
    assert "Re-score with current settings" in page and "snapshot version 1," in page
    done = client.post(page_url.replace("/results", "/rescore"), follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "these are now results version 2" in text and "snapshot version 2," in text
    assert "Privacy threshold</dt><dd>7 people" in text
    assert _api(client, survey)["result"]["dimensions"][0]["J"] is None

    client.post("/logout")
    login(client, steering)
    assert "Re-score" not in client.get(page_url).get_data(as_text=True)
    assert client.post(page_url.replace("/results", "/rescore")).status_code == 403
    assert db.session.scalar(select(func.max(Snapshot.version))) == 2


def test_rescore_refuses_an_open_survey_and_the_cli_an_unknown_one(app, runner):
    partnership = make_partnership()
    survey = hand_example(partnership, state="open")
    with pytest.raises(services.ResultsError):
        services.rescore(survey, None)
    assert db.session.scalar(select(func.count()).select_from(Snapshot)) == 0
    refused = runner.invoke(args=["surveys", "rescore", "--survey", str(survey.id)])
    assert refused.exit_code != 0 and "closed survey" in refused.output
    unknown = runner.invoke(args=["surveys", "rescore", "--survey", "999999"])
    assert unknown.exit_code != 0 and "No survey" in unknown.output


def test_an_open_survey_exports_participation_only(client):
    coach = make_user()
    partnership = make_partnership(coach)
    survey = hand_example(partnership, state="open")
    login(client, coach)
    payload = _api(client, survey)
    assert payload["snapshot"] is None
    result = payload["result"]
    assert result["state"] == "open" and payload["survey"]["state"] == "open"
    assert result["organizations"]["A"]["R"] == pytest.approx(0.75)
    (ex,) = result["dimensions"]
    assert ex["J"] is None and ex["J_reason"] == "survey_open"
    assert ex["organizations"]["A"]["S"] is None
    assert ex["organizations"]["A"]["S_reason"] == "survey_open"
    assert result["signals"] == [] and result["health"] is None
    assert result["organizations"]["A"]["comments"] is None
    (table, _), _sheets = _files(client, survey)
    alpha = next(r for r in table if r[1] == "Alpha Software")
    assert alpha[2:-1] == [""] * 15 and alpha[-1].endswith("withheld (survey still open)")
    assert db.session.scalar(select(func.count()).select_from(Snapshot)) == 0


def test_history_comes_from_earlier_closed_surveys_of_the_same_lineage(client):
    coach = make_user()
    partnership = make_partnership(coach)
    now = utcnow()
    current = hand_example(partnership, state="draft", label="2026-Q2")
    instrument_id, version_id = current.instrument_id, current.instrument_version_id

    def earlier(label: str, days: int, *, lineage: int = instrument_id) -> Survey:
        from partnership.instruments.models import Instrument, InstrumentVersion

        survey = make_survey(
            partnership,
            db.session.get(Instrument, lineage),
            db.session.get(InstrumentVersion, version_id),
            label=label,
            state="open",
        )
        invite(survey, "A", 5)
        invite(survey, "B", 5)
        for org in "AB":
            for _ in range(5):  # everyone 100 in execution: J = 100
                respond(survey, org, {"execution-1": 5, "execution-2": 1, "execution-3": 5})
        close(survey)
        survey.closed_at = now - dt.timedelta(days=days)
        db.session.commit()
        return survey

    earlier("2025-Q4", 60)
    earlier("2026-Q1", 30)
    close(current)
    result = services.current_snapshot(current).data
    trend = [s for s in result["signals"] if s["rule"] == "TREND"]
    # J fell from 100 (t-1 and t-2) to 62.5: a drop of 37.5 >= 10 in one cycle -> red
    assert [(s["severity"], s["dimension"]) for s in trend] == [("red", "execution")]

    # a survey closed AFTER this one is not its history: re-scoring the older survey ignores it
    older = db.session.scalar(select(Survey).where(Survey.cycle.has(label="2025-Q4")))
    services.rescore(older, None)
    assert not [s for s in services.current_snapshot(older).data["signals"] if s["rule"] == "TREND"]


def test_a_comment_hidden_after_the_close_leaves_the_export(client):
    coach = make_user()
    partnership = make_partnership(coach)
    survey = hand_example(partnership, state="open")
    close(survey)
    login(client, coach)
    comments = _api(client, survey)["result"]["organizations"]["A"]["comments"]
    assert len(comments) == 2
    hidden = db.session.get(Comment, comments[0]["id"])
    hidden.is_hidden = True
    db.session.commit()
    after = _api(client, survey)["result"]["organizations"]["A"]["comments"]
    assert [c["id"] for c in after] == [comments[1]["id"]]
    # the snapshot itself (its numbers) is untouched
    assert services.current_snapshot(survey).version == 1


def test_every_download_and_export_is_in_the_access_log(client):
    coach = make_user(name="Carla Coach")
    partnership = make_partnership(coach)
    survey = hand_example(partnership, state="open")
    close(survey)
    login(client, coach)
    _api(client, survey)
    _files(client, survey)
    client.get(f"/api/v1/partnerships/{partnership.id}/cycles/{survey.cycle_id}/results")
    rows = db.session.execute(
        select(AccessLog.action, AccessLog.subject, AccessLog.user_id).order_by(AccessLog.id)
    ).all()
    assert [r.action for r in rows] == ["export.json", "export.csv", "export.xlsx", "export.json"]
    assert all(r.user_id == coach.id for r in rows)
    assert rows[0].subject.startswith(f"survey {survey.id} · 2026-Q1")
    assert rows[-1].subject == f"cycle {survey.cycle_id} · 2026-Q1"
    page = client.get(f"/partnerships/{partnership.id}/access-log")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert text.count("Carla Coach") >= 4 and "Results download (XLSX)" in text
    assert "Europe/Berlin" in text


def test_threshold_overrides_keep_their_decimals(app):
    """A coach's amber level of 62.5 is 62.5, not 62 (the default, 60, is written as an int);
    counts of early-warning signs stay whole numbers."""
    partnership = make_partnership()
    partnership.thresholds = {"level_amber": 62.5, "gap_red_g": 0.8, "signs_amber": 2}
    db.session.commit()
    settings = services.settings_for(partnership)
    assert settings.level_amber == 62.5 and settings.gap_red_g == 0.8
    assert settings.signs_amber == 2 and isinstance(settings.signs_amber, int)
    assert settings.level_red == 50  # not overridden: scoring.md's default


def test_erasing_people_who_answered_keeps_participation_at_most_100_percent(client):
    """Everyone in Alpha answered; two of them are then erased (a privacy request), and one
    Beta invitee who never answered. Alpha's participation stays 6 of 6 (not 6 of 4), and the
    census interval stays a point; Beta's invitee who never answered leaves the count."""
    from partnership.partnerships.models import Stakeholder
    from partnership.surveys.erasure import erase_stakeholder
    from partnership.surveys.models import Invitation

    coach = make_user()
    partnership = make_partnership(coach)
    instrument, version = make_instrument(partnership, dims=("execution",))
    survey = make_survey(partnership, instrument, version, state="open")
    keys = [i.key for i in version.items if i.kind != "comment"]
    invite(survey, "A", 6)
    invite(survey, "B", 8)
    for n in range(6):
        respond(survey, "A", dict.fromkeys(keys, 2 + n % 4), commit=False)
    for n in range(6):
        respond(survey, "B", dict.fromkeys(keys, 1 + n % 3), commit=False)
    a_invites = db.session.scalars(
        select(Invitation).where(Invitation.organization_id == partnership.org_a.id)
    ).all()
    for invitation in a_invites:
        invitation.is_used = True  # what submitting does
    b_unused = db.session.scalars(
        select(Invitation).where(Invitation.organization_id == partnership.org_b.id)
    ).first()
    db.session.commit()
    erased = [a_invites[0].stakeholder_id, a_invites[1].stakeholder_id, b_unused.stakeholder_id]
    for person_id in erased:
        erase_stakeholder(db.session.get(Stakeholder, person_id))
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(Invitation)
            .where(Invitation.stakeholder_id.in_(erased))
        )
        == 0
    )
    close(survey)
    login(client, coach)
    result = _api(client, survey)["result"]
    a, b = result["organizations"]["A"], result["organizations"]["B"]
    assert (a["invited"], a["responded"], a["R"]) == (6, 6, 1.0)
    assert (b["invited"], b["responded"]) == (7, 6) and b["R"] == pytest.approx(6 / 7)
    (dim,) = result["dimensions"]
    # the interval's finite-population correction sees Alpha as a census (1 - 6/6 = 0), never
    # as more than one (1 - 6/4 < 0 would make a variance negative)
    assert dim["ci_low"] <= dim["G"] <= dim["ci_high"]
