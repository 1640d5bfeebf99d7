"""The scoring-thresholds page (scoring.md section 6: every threshold is a per-partnership
setting): coaches edit, steering members and archived partnerships read; only values that
differ from scoring.md's defaults are stored; and a closed survey is scored with them."""

from __future__ import annotations

import dataclasses
import re

import pytest
from sqlalchemy import select

from partnership.extensions import db
from partnership.partnerships import thresholds as services
from partnership.partnerships.models import Partnership
from partnership.results.services import current_snapshot, settings_for
from partnership.scoring import Settings
from partnership.surveys.models import Survey
from tests.builders.basics import login, make_partnership, make_user, steering_membership
from tests.builders.results import close, hand_example


def _url(partnership: Partnership, suffix: str = "") -> str:
    return f"/partnerships/{partnership.id}/thresholds{suffix}"


def _defaults_typed() -> dict[str, str]:
    """The form as a coach sees it on a partnership without overrides (percentages for shares)."""
    return {t.name: services.plain_number(t.to_typed(t.default)) for t in services.THRESHOLDS}


def _value(html: str, name: str) -> str | None:
    """The value of the text input named ``name`` in the page, or None without one."""
    found = re.search(rf'<input [^>]*name="{name}"[^>]*value="([^"]*)"', html)
    return found.group(1) if found else None


def _stored(partnership: Partnership) -> dict:
    db.session.expire_all()
    return dict(db.session.get(Partnership, partnership.id).thresholds or {})


def _with_steering(partnership: Partnership):
    steering = make_user()
    db.session.add(steering_membership(partnership, steering))
    db.session.commit()
    return steering


def test_every_settings_threshold_is_on_the_page_with_its_default():
    """The page covers each early-warning field of Settings (min_group has its own form), and
    the defaults it shows are read from Settings, so they cannot drift from scoring.md."""
    fields = {f.name: f.default for f in dataclasses.fields(Settings)}
    assert {t.name for t in services.THRESHOLDS} == set(fields) - {"min_group"}
    assert {t.rule for t in services.THRESHOLDS} == {k for k, _, _ in services.THRESHOLD_RULES}
    for t in services.THRESHOLDS:
        assert t.default == fields[t.name]
        assert t.check(t.to_typed(t.default)) is None, t.name  # each default is allowed


def test_the_page_shows_every_rule_each_value_its_unit_and_default(client):
    coach = make_user()
    partnership = make_partnership(coach)
    login(client, coach)
    assert f'href="{_url(partnership)}"' in client.get(f"/partnerships/{partnership.id}").get_data(
        as_text=True
    )
    page = client.get(_url(partnership))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for title in ("Level", "Gap between", "Trend", "Divergence", "Consensus", "Participation"):
        assert f"<legend>{title}" in html
    assert "Early-warning signs" in html and "Dimension health" in html
    assert 'aria-current="page">Thresholds</a>' in html
    assert "Amber when J is below (points)" in html
    assert "From 0 to 100 points; default 60 points." in html
    assert "default 25 %" in html and "default 0.5." in html and "default 3 signs" in html
    assert _value(html, "participation_amber") == "60"
    assert _value(html, "gap_red") == "12.5"
    assert "apply to surveys closed from now on" in html
    assert "Re-score with current settings" in html
    assert "keep the thresholds they were scored with" in html
    assert "Restore scoring.md defaults" not in html  # nothing to restore yet


def test_a_coach_saves_an_override_and_only_it_is_stored(client):
    coach = make_user()
    partnership = make_partnership(coach)
    login(client, coach)
    data = _defaults_typed() | {"level_amber": "65", "participation_amber": "58"}
    saved = client.post(_url(partnership), data=data)
    assert saved.status_code == 302 and saved.headers["Location"].endswith(_url(partnership))
    stored = _stored(partnership)
    # 58 % is kept as the share 0.58, written as a person would write it
    assert stored == {"level_amber": 65.0, "participation_amber": 0.58}
    settings = settings_for(db.session.get(Partnership, partnership.id))
    assert settings.level_amber == 65 and settings.participation_amber == 0.58
    assert settings.level_red == 50

    html = client.get(_url(partnership)).get_data(as_text=True)
    assert "Thresholds saved: 2 differ from the scoring.md defaults." in html
    assert _value(html, "participation_amber") == "58"
    assert html.count("Changed for this partnership.") == 2
    assert "Restore scoring.md defaults" in html
    show = client.get(f"/partnerships/{partnership.id}").get_data(as_text=True)
    assert "2 differ from the scoring.md defaults" in show


def test_a_value_equal_to_the_default_is_not_stored(client):
    coach = make_user()
    partnership = make_partnership(coach)
    partnership.thresholds = {"gap_red": 15.0, "signs_red": 5}
    db.session.commit()
    login(client, coach)
    # written differently but equal to the defaults: 60.0 points, 25.00 %, +3 signs
    data = _defaults_typed() | {"level_amber": "60.0", "polarized_share": "25.00"}
    data |= {"signs_amber": "+3", "gap_red": "12.5", "signs_red": "4"}
    assert client.post(_url(partnership), data=data).status_code == 302
    assert _stored(partnership) == {}  # the earlier overrides went back to the defaults too


def test_decimals_are_kept_and_whole_counts_stay_whole(client):
    coach = make_user()
    partnership = make_partnership(coach)
    login(client, coach)
    data = _defaults_typed() | {
        "level_amber": "62.5",
        "gap_red_g": "0.8",
        "rwg_min": "-0.1",
        "polarized_share": "33.3",
        "participation_drop": "12.5",
        "signs_amber": "2",
        "signs_red": "4.0",
    }
    assert client.post(_url(partnership), data=data).status_code == 302
    stored = _stored(partnership)
    assert stored == {
        "level_amber": 62.5,
        "gap_red_g": 0.8,
        "rwg_min": -0.1,
        "polarized_share": 0.333,
        "participation_drop": 0.125,
        "signs_amber": 2,
    }
    assert isinstance(stored["signs_amber"], int)


BAD_INPUT = [
    ({"level_amber": "sixty"}, "Enter a number with a decimal point"),
    ({"level_amber": "62,5"}, "Enter a number with a decimal point"),
    ({"level_amber": "nan"}, "Enter a number with a decimal point"),
    ({"level_amber": ""}, "Enter a number (the default is 60 points)."),
    ({"level_amber": "120"}, "Enter a value from 0 to 100 points."),
    ({"health_amber_j": "-1"}, "Enter a value from 0 to 100 points."),
    ({"gap_amber": "0"}, "Enter a value above 0 and at most 100 points."),
    ({"trend_red_1": "-10"}, "Enter a value above 0 and at most 100 points."),
    ({"gap_red_g": "0"}, "Enter a value above 0 and at most 10."),
    ({"rwg_min": "1.5"}, "Enter a value from -1 to 1."),
    ({"participation_amber": "160"}, "Enter a value from 0 to 100 %."),
    ({"polarized_share": "60"}, "Enter a value above 0 and at most 50 %."),
    ({"signs_amber": "2.5"}, "Enter a whole number."),
    ({"signs_red": "11"}, "Enter a value from 1 to 10 signs, a whole number."),
    # red laxer than amber
    ({"level_red": "65"}, "Red must be at most the amber value (60 points)"),
    ({"level_amber": "45"}, "Red must be at most the amber value (45 points)"),
    ({"gap_red": "9"}, "Red must be at least the amber value (10 points)"),
    ({"trend_red_2": "7.5"}, "Red must be at least the amber value (8 points)"),
    ({"participation_red": "70"}, "Red must be at most the amber value (60 %)"),
    ({"signs_red": "2"}, "Red must be at least the amber value (3 signs)"),
]


@pytest.mark.parametrize(("change", "message"), BAD_INPUT)
def test_bad_input_re_renders_with_the_message_and_changes_nothing(client, change, message):
    coach = make_user()
    partnership = make_partnership(coach)
    partnership.thresholds = {"divergence": 9.0}
    db.session.commit()
    login(client, coach)
    response = client.post(_url(partnership), data=_defaults_typed() | change)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'class="error-summary"' in html and message in html
    assert 'aria-invalid="true"' in html
    (name, typed) = next(iter(change.items()))
    assert _value(html, name) == typed  # what was typed stays
    assert _stored(partnership) == {"divergence": 9.0}


def test_a_refusal_of_settings_itself_becomes_a_form_error(client, monkeypatch):
    coach = make_user()
    partnership = make_partnership(coach)
    login(client, coach)

    def refuse(**_kw: object) -> None:
        raise ValueError("signs_red must be 1..10")

    monkeypatch.setattr(services, "Settings", refuse)
    response = client.post(_url(partnership), data=_defaults_typed() | {"level_amber": "70"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "The scoring rules refuse these thresholds: signs_red must be 1..10" in html
    assert _stored(partnership) == {}


def test_restore_clears_every_override(client):
    coach = make_user()
    partnership = make_partnership(coach)
    partnership.thresholds = {"level_amber": 70.0, "participation_red": 0.3}
    db.session.commit()
    login(client, coach)
    response = client.post(_url(partnership, "/restore"))
    assert response.status_code == 302
    assert _stored(partnership) == {}
    html = client.get(_url(partnership)).get_data(as_text=True)
    assert "Thresholds restored to the scoring.md defaults." in html
    assert _value(html, "level_amber") == "60"
    assert "Restore scoring.md defaults" not in html


def test_steering_members_never_see_thresholds(client):
    """decisions.md: thresholds are a coach's; a steering member gets 403 and no link."""
    coach = make_user()
    partnership = make_partnership(coach)
    partnership.thresholds = {"level_amber": 70.0, "participation_amber": 0.55}
    db.session.commit()
    steering = _with_steering(partnership)
    login(client, steering)
    assert client.get(_url(partnership)).status_code == 403
    overview = client.get(f"/partnerships/{partnership.id}").get_data(as_text=True)
    assert "thresholds" not in overview.lower()

    assert client.post(_url(partnership), data=_defaults_typed()).status_code == 403
    assert client.post(_url(partnership, "/restore")).status_code == 403
    assert _stored(partnership) == {"level_amber": 70.0, "participation_amber": 0.55}


def test_an_archived_partnership_is_read_only(client):
    coach = make_user()
    partnership = make_partnership(coach)
    partnership.thresholds = {"gap_amber": 11.0}
    partnership.is_archived = True
    db.session.commit()
    login(client, coach)
    html = client.get(_url(partnership)).get_data(as_text=True)
    assert "This partnership is archived: its thresholds are read-only." in html
    assert 'name="gap_amber"' not in html and "11 points" in html
    assert "Save thresholds" not in html and "Restore scoring.md defaults" not in html
    assert client.post(_url(partnership), data=_defaults_typed()).status_code == 403
    assert client.post(_url(partnership, "/restore")).status_code == 403
    assert _stored(partnership) == {"gap_amber": 11.0}


def test_another_partnerships_thresholds_are_404(client):
    coach, other = make_user(), make_user()
    partnership = make_partnership(other)
    partnership.thresholds = {"gap_amber": 11.0}
    db.session.commit()
    make_partnership(coach)
    login(client, coach)
    assert client.get(_url(partnership)).status_code == 404
    assert client.post(_url(partnership), data=_defaults_typed()).status_code == 404
    assert client.post(_url(partnership, "/restore")).status_code == 404
    assert _stored(partnership) == {"gap_amber": 11.0}


def test_every_post_needs_the_csrf_token(csrf_app):
    client = csrf_app.test_client()
    coach = make_user()
    partnership = make_partnership(coach)
    partnership.thresholds = {"gap_amber": 11.0}
    db.session.commit()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post(
        "/login",
        data={"email": coach.email, "password": "correct horse battery", "csrf_token": token},
    )
    html = client.get(_url(partnership)).get_data(as_text=True)
    assert html.count('name="csrf_token"') >= 3  # save, restore, log out
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)

    assert client.post(_url(partnership), data=_defaults_typed()).status_code == 400
    assert client.post(_url(partnership, "/restore")).status_code == 400
    assert _stored(partnership) == {"gap_amber": 11.0}
    data = _defaults_typed() | {"level_amber": "61", "csrf_token": token}
    assert client.post(_url(partnership), data=data).status_code == 302
    assert _stored(partnership) == {"level_amber": 61.0}
    assert client.post(_url(partnership, "/restore"), data={"csrf_token": token}).status_code == 302
    assert _stored(partnership) == {}


def _signals(survey: Survey) -> list[tuple[str, str]]:
    snapshot = current_snapshot(survey)
    assert snapshot is not None
    return [(s["rule"], s["severity"]) for s in snapshot.data["signals"]]


def test_a_raised_level_threshold_changes_the_signals_of_surveys_closed_afterwards(client):
    """The hand-computed example has J = 62.5: no LEVEL signal at the default 60, a LEVEL
    amber once the coach raises the amber level to 80. A survey closed before the change keeps
    its snapshot (scored with 60) until an explicit re-score."""
    coach = make_user()
    partnership = make_partnership(coach)
    before = hand_example(partnership, state="open", label="2026-Q1")
    close(before)
    assert ("LEVEL", "amber") not in _signals(before)

    login(client, coach)
    data = _defaults_typed() | {"level_amber": "80"}
    assert client.post(_url(partnership), data=data).status_code == 302
    assert _stored(partnership) == {"level_amber": 80.0}

    after = hand_example(partnership, state="open", label="2026-Q2")
    close(after)
    assert ("LEVEL", "amber") in _signals(after)
    snapshot = current_snapshot(after)
    assert snapshot.data["settings"]["level_amber"] == 80
    explanation = next(s for s in snapshot.data["signals"] if s["rule"] == "LEVEL")
    assert "below the amber threshold of 80" in explanation["explanation"]

    # the survey closed before the change is unchanged...
    assert ("LEVEL", "amber") not in _signals(before)
    assert current_snapshot(before).data["settings"]["level_amber"] == 60
    # ...until a coach re-scores it from its results page
    results = f"/partnerships/{partnership.id}/surveys/{before.id}"
    assert client.post(results + "/rescore").status_code == 302
    db.session.expire_all()
    before = db.session.scalar(select(Survey).where(Survey.id == before.id))
    assert ("LEVEL", "amber") in _signals(before)
