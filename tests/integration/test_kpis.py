"""KPI pages (list, add, edit, deactivate, a cycle's values), who may write them, and how the
values of a cycle reach the results: frozen in the snapshot at close, picked up by a re-score,
quoted by the KPI signals of the JSON, CSV and XLSX exports."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from partnership.extensions import db
from partnership.kpis.models import Kpi, KpiValue
from partnership.partnerships.models import Membership
from partnership.results import services as results_services
from partnership.results.services import close_survey
from partnership.surveys.models import Cycle
from tests.builders.basics import login, make_partnership, make_user, steering_membership, text_of
from tests.builders.results import hand_example
from tests.readers import csv_sections, read_csv, read_xlsx, schema_errors

SHARED = {
    "name": "On-time joint deliveries",
    "scope": "shared",
    "direction": "higher",
    "target": "95",
    "unit": "%",
    "organization_id": "0",
    "function": "",
    "linked_to_id": "0",
}


def _local(partnership, shared: Kpi, **kw) -> dict[str, str]:
    return {
        "name": "Unit cost",
        "scope": "local",
        "direction": "lower",
        "target": "42",
        "unit": "EUR",
        "organization_id": str(partnership.org_b.id),
        "function": "operations",
        "linked_to_id": str(shared.id),
        **kw,
    }


def _kpi(name: str) -> Kpi:
    return db.session.scalar(select(Kpi).where(Kpi.name == name))


def _page(response) -> str:
    return text_of(response.get_data(as_text=True))


def _table(response, table_id: str) -> str:
    """The HTML of the page's table with this id (flash messages left out)."""
    page = _page(response)
    start = page.index(f'id="{table_id}"')
    return page[start : page.index("</table>", start)]


def _two_kpis(client, partnership) -> tuple[Kpi, Kpi]:
    base = f"/partnerships/{partnership.id}/kpis"
    assert client.post(base + "/new", data=SHARED).status_code == 302
    shared = _kpi("On-time joint deliveries")
    assert client.post(base + "/new", data=_local(partnership, shared)).status_code == 302
    return shared, _kpi("Unit cost")


def _values_url(partnership, cycle) -> str:
    return f"/partnerships/{partnership.id}/cycles/{cycle.id}/kpis"


def _cycle(partnership, label: str) -> Cycle:
    cycle = Cycle(partnership_id=partnership.id, label=label)
    db.session.add(cycle)
    db.session.commit()
    return cycle


# --- the KPI list and form -------------------------------------------------------------------


def test_coach_adds_edits_and_lists_shared_and_local_kpis(client):
    coach = make_user()
    partnership = make_partnership(coach)
    login(client, coach)
    shared, local = _two_kpis(client, partnership)
    assert (shared.scope, shared.target, shared.unit, shared.organization_id) == (
        "shared",
        95,
        "%",
        None,
    )
    assert (local.scope, local.direction, local.organization_id, local.function) == (
        "local",
        "lower",
        partnership.org_b.id,
        "operations",
    )
    assert local.linked_to_id == shared.id
    # a shared KPI never keeps an organization, a function or a link, whatever was posted
    posted = dict(SHARED, name="Joint pipeline value", organization_id=str(partnership.org_a.id))
    client.post(f"/partnerships/{partnership.id}/kpis/new", data=posted)
    assert _kpi("Joint pipeline value").organization_id is None

    page = _table(client.get(f"/partnerships/{partnership.id}/kpis"), "kpis")
    # the local KPI is listed right under the shared KPI it serves
    assert page.index("On-time joint deliveries") < page.index("Unit cost")
    assert page.index("Unit cost") < page.index("Joint pipeline value")
    assert "Local · Beta Hardware · Operations" in page and "Lower is better" in page

    edited = client.post(
        f"/partnerships/{partnership.id}/kpis/{shared.id}/edit",
        data=dict(SHARED, name="On-time deliveries", target="97.5"),
    )
    assert edited.status_code == 302
    db.session.expire_all()
    assert (shared.name, shared.target) == ("On-time deliveries", 97.5)
    assert "97.5%" in _page(client.get(f"/partnerships/{partnership.id}/kpis"))


def test_bad_kpi_input_rerenders_with_a_message_and_changes_nothing(client):
    coach = make_user()
    partnership = make_partnership(coach)
    login(client, coach)
    shared, local = _two_kpis(client, partnership)
    new = f"/partnerships/{partnership.id}/kpis/new"

    no_org = client.post(new, data=_local(partnership, shared, name="Defects", organization_id="0"))
    assert no_org.status_code == 400
    assert "A local KPI belongs to one of the two organizations" in _page(no_org)
    comma = client.post(new, data=dict(SHARED, name="Freight", target="1,5"))
    assert comma.status_code == 400 and "Enter a number with a decimal point" in _page(comma)
    infinite = client.post(new, data=dict(SHARED, name="Freight", target="inf"))
    assert infinite.status_code == 400
    twin = client.post(new, data=dict(SHARED, name="ON-TIME joint deliveries"))
    assert twin.status_code == 400 and "already has a KPI named" in _page(twin)
    assert db.session.scalar(select(func.count()).select_from(Kpi)) == 2

    # a shared KPI that local KPIs serve cannot become local
    demoted = client.post(
        f"/partnerships/{partnership.id}/kpis/{shared.id}/edit",
        data=_local(partnership, shared, name=shared.name, linked_to_id="0"),
    )
    assert demoted.status_code == 400
    assert "Local KPIs are linked to this shared KPI (Unit cost)" in _page(demoted)
    # nor may a local KPI be linked to another local KPI
    self_link = client.post(
        f"/partnerships/{partnership.id}/kpis/{local.id}/edit",
        data=_local(partnership, shared, linked_to_id=str(local.id)),
    )
    assert self_link.status_code == 400
    db.session.expire_all()
    assert (shared.scope, local.linked_to_id) == ("shared", shared.id)


def test_a_deactivated_kpi_leaves_the_values_form_and_can_come_back(client):
    coach = make_user()
    partnership = make_partnership(coach)
    cycle = _cycle(partnership, "2026-Q1")
    login(client, coach)
    shared, local = _two_kpis(client, partnership)
    toggle = f"/partnerships/{partnership.id}/kpis/{local.id}/active"
    assert client.post(toggle, data={"active": "0"}).status_code == 302
    form = _table(client.get(_values_url(partnership, cycle)), "kpi-values")
    assert "On-time joint deliveries" in form and "Unit cost" not in form
    listing = _table(client.get(f"/partnerships/{partnership.id}/kpis"), "kpis")
    assert "Inactive" in listing and "Reactivate" in listing
    client.post(toggle, data={"active": "1"})
    assert "Unit cost" in _table(client.get(_values_url(partnership, cycle)), "kpi-values")


# --- a cycle's values ------------------------------------------------------------------------


def test_cycle_values_are_recorded_with_their_target_changed_and_cleared(client):
    coach = make_user()
    partnership = make_partnership(coach)
    cycle = _cycle(partnership, "2026-Q1")
    login(client, coach)
    shared, local = _two_kpis(client, partnership)
    url = _values_url(partnership, cycle)
    form = _page(client.get(url))
    # blank values, targets prefilled from each KPI's current target
    assert f'name="value_{shared.id}" type="text" value=""' in form
    assert f'name="target_{shared.id}" type="text" value="95"' in form
    assert f'name="target_{local.id}" type="text" value="42"' in form
    assert "Not recorded" in form

    saved = client.post(
        url,
        data={
            f"value_{shared.id}": "88",
            f"target_{shared.id}": "95",
            f"value_{local.id}": "",  # blank: not recorded
            f"target_{local.id}": "42",
        },
    )
    assert saved.status_code == 302
    assert "1 recorded or changed, 0 cleared" in _page(client.get(url))
    row = db.session.scalar(select(KpiValue))
    assert (row.kpi_id, row.value, row.target, row.recorded_by_id) == (shared.id, 88, 95, coach.id)
    assert db.session.scalar(select(func.count()).select_from(KpiValue)) == 1

    # a new target for the KPI does not rewrite the value recorded against the old one
    client.post(
        f"/partnerships/{partnership.id}/kpis/{shared.id}/edit", data=dict(SHARED, target="90")
    )
    db.session.expire_all()
    assert (shared.target, row.target) == (90, 95)
    listing = _table(client.get(f"/partnerships/{partnership.id}/kpis"), "kpis")
    assert "88% <span" in listing and "in 2026-Q1, target 95%" in listing
    assert "Off target" in listing
    assert f'name="target_{shared.id}" type="text" value="95"' in _page(client.get(url))

    # change one value, clear it again
    client.post(url, data={f"value_{shared.id}": "96", f"target_{shared.id}": "95"})
    db.session.expire_all()
    assert (row.value, row.target) == (96, 95)
    assert "On target" in _page(client.get(url))
    client.post(url, data={f"value_{shared.id}": "", f"target_{shared.id}": "95"})
    assert db.session.scalar(select(func.count()).select_from(KpiValue)) == 0
    assert "0 recorded or changed, 1 cleared" in _page(client.get(url))


def test_bad_values_rerender_the_form_with_messages_and_change_nothing(client):
    coach = make_user()
    partnership = make_partnership(coach)
    cycle = _cycle(partnership, "2026-Q1")
    login(client, coach)
    shared, local = _two_kpis(client, partnership)
    url = _values_url(partnership, cycle)
    client.post(url, data={f"value_{shared.id}": "88", f"target_{shared.id}": "95"})

    bad = client.post(
        url,
        data={
            f"value_{shared.id}": "",  # would clear the recorded 88
            f"target_{shared.id}": "95",
            f"value_{local.id}": "40,8",
            f"target_{local.id}": "42",
        },
    )
    assert bad.status_code == 400
    page = _page(bad)
    assert "Please correct this" in page
    assert "Unit cost: value: Enter a number with a decimal point" in page
    assert 'value="40,8"' in page  # what was typed stays in the form
    no_target = client.post(url, data={f"value_{local.id}": "40.8", f"target_{local.id}": ""})
    assert no_target.status_code == 400
    assert "Give the target this value is measured against." in _page(no_target)
    nan = client.post(url, data={f"value_{local.id}": "nan", f"target_{local.id}": "42"})
    assert nan.status_code == 400
    db.session.expire_all()
    assert [(v.kpi_id, v.value) for v in db.session.scalars(select(KpiValue))] == [(shared.id, 88)]


# --- who may write ---------------------------------------------------------------------------


def test_steering_members_read_kpis_but_cannot_write_them(client):
    coach, steering = make_user(), make_user()
    partnership = make_partnership(coach)
    cycle = _cycle(partnership, "2026-Q1")
    db.session.add(steering_membership(partnership, steering))
    db.session.commit()
    login(client, coach)
    shared, _local_kpi = _two_kpis(client, partnership)
    client.post(
        _values_url(partnership, cycle),
        data={f"value_{shared.id}": "88", f"target_{shared.id}": "95"},
    )
    client.post("/logout")

    login(client, steering)
    listing = client.get(f"/partnerships/{partnership.id}/kpis")
    assert listing.status_code == 200
    assert "On-time joint deliveries" in _page(listing) and "Add KPI" not in _page(listing)
    values = client.get(_values_url(partnership, cycle))
    assert values.status_code == 200
    assert "88%" in _page(values) and "<input" not in _page(values).split("<main")[1]
    base = f"/partnerships/{partnership.id}/kpis"
    assert client.get(base + "/new").status_code == 403
    assert client.post(base + "/new", data=dict(SHARED, name="Mine")).status_code == 403
    assert client.post(f"{base}/{shared.id}/edit", data=SHARED).status_code == 403
    assert client.post(f"{base}/{shared.id}/active", data={"active": "0"}).status_code == 403
    refused = client.post(
        _values_url(partnership, cycle),
        data={f"value_{shared.id}": "99", f"target_{shared.id}": "95"},
    )
    assert refused.status_code == 403
    db.session.expire_all()
    assert db.session.scalar(select(KpiValue.value)) == 88
    assert db.session.scalar(select(func.count()).select_from(Kpi)) == 2
    assert shared.is_active


def test_an_archived_partnership_shows_its_kpis_read_only(client):
    coach = make_user()
    partnership = make_partnership(coach)
    cycle = _cycle(partnership, "2026-Q1")
    login(client, coach)
    shared, _local_kpi = _two_kpis(client, partnership)
    partnership.is_archived = True
    db.session.commit()
    assert "Add KPI" not in _page(client.get(f"/partnerships/{partnership.id}/kpis"))
    refused = client.post(
        _values_url(partnership, cycle),
        data={f"value_{shared.id}": "88", f"target_{shared.id}": "95"},
    )
    assert refused.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(KpiValue)) == 0


def test_another_partnerships_coach_gets_404_everywhere(client):
    owner, outsider = make_user(), make_user()
    partnership = make_partnership(owner)
    make_partnership(outsider)
    cycle = _cycle(partnership, "2026-Q1")
    login(client, owner)
    shared, _local_kpi = _two_kpis(client, partnership)
    client.post("/logout")
    login(client, outsider)
    base = f"/partnerships/{partnership.id}/kpis"
    assert client.get(base).status_code == 404
    assert client.get(f"{base}/{shared.id}/edit").status_code == 404
    assert (
        client.post(f"{base}/{shared.id}/edit", data=dict(SHARED, name="Taken")).status_code == 404
    )
    assert client.get(_values_url(partnership, cycle)).status_code == 404
    assert (
        client.post(
            _values_url(partnership, cycle),
            data={f"value_{shared.id}": "1", f"target_{shared.id}": "1"},
        ).status_code
        == 404
    )
    # nor can a KPI or a cycle of that partnership be reached through the outsider's own
    own = db.session.scalar(
        select(Membership.partnership_id).where(Membership.user_id == outsider.id)
    )
    assert client.get(f"/partnerships/{own}/kpis/{shared.id}/edit").status_code == 404
    assert client.get(f"/partnerships/{own}/cycles/{cycle.id}/kpis").status_code == 404
    db.session.expire_all()
    assert shared.name == "On-time joint deliveries"
    assert db.session.scalar(select(func.count()).select_from(KpiValue)) == 0


# --- KPI values in the results ---------------------------------------------------------------


def test_the_snapshot_keeps_kpi_values_as_they_stood_at_close_until_a_rescore(client):
    coach = make_user()
    partnership = make_partnership(coach)
    before = _cycle(partnership, "2025-Q4")
    survey = hand_example(partnership, state="open", label="2026-Q1")
    login(client, coach)
    shared, local = _two_kpis(client, partnership)
    # 2025-Q4: deliveries 90 < 95 (off); 2026-Q1: 88 < 95 (off again) while unit cost
    # 40.8 <= 42 (on, lower is better): local optimization, red (it wins over the amber)
    client.post(
        _values_url(partnership, before),
        data={f"value_{shared.id}": "90", f"target_{shared.id}": "95"},
    )
    client.post(
        _values_url(partnership, survey.cycle),
        data={
            f"value_{shared.id}": "88",
            f"target_{shared.id}": "95",
            f"value_{local.id}": "40.8",
            f"target_{local.id}": "42",
        },
    )
    close_survey(survey)
    api = f"/api/v1/partnerships/{partnership.id}/surveys/{survey.id}/results"
    frozen = client.get(api).get_json()
    kpis = {k["name"]: k for k in frozen["result"]["kpis"]}
    assert kpis["On-time joint deliveries"] == {
        "id": str(shared.id),
        "name": "On-time joint deliveries",
        "scope": "shared",
        "organization": None,
        "function": None,
        "unit": "%",
        "direction": "higher",
        "value": 88,
        "target": 95,
        "on_target": False,
        "value_prev": 90,
        "target_prev": 95,
        "on_target_prev": False,
        "linked_to": None,
        "linked_local_ids": [str(local.id)],
    }
    assert kpis["Unit cost"]["organization"] == "B" and kpis["Unit cost"]["on_target"] is True
    assert kpis["Unit cost"]["linked_to"] == str(shared.id)
    (kpi_signal,) = [s for s in frozen["result"]["signals"] if s["rule"] == "KPI"]
    assert (kpi_signal["severity"], kpi_signal["kpi_id"]) == ("red", str(shared.id))
    assert "88% against a target of 95%" in kpi_signal["explanation"]
    assert "“Unit cost” (lower is better) at 40.8 EUR" in kpi_signal["explanation"]
    schema = json.loads(client.get("/api/v1/schema.json").data)
    assert schema_errors(frozen, schema) == []
    cycle_export = client.get(
        f"/api/v1/partnerships/{partnership.id}/cycles/{survey.cycle_id}/results"
    ).get_json()
    assert schema_errors(cycle_export, schema) == []

    # the coach corrects the value after the close: the snapshot keeps what stood at close
    client.post(
        _values_url(partnership, survey.cycle),
        data={
            f"value_{shared.id}": "96",
            f"target_{shared.id}": "95",
            f"value_{local.id}": "40.8",
            f"target_{local.id}": "42",
        },
    )
    assert client.get(api).get_json()["result"] == frozen["result"]
    results_page = _page(client.get(f"/partnerships/{partnership.id}/surveys/{survey.id}/results"))
    assert "KPIs of cycle 2026-Q1" in results_page and "88%" in results_page
    assert "Shared KPI · On-time joint deliveries" in results_page
    overview = _page(client.get(f"/partnerships/{partnership.id}/results"))
    assert "KPIs of cycle 2026-Q1" in overview and "local optimization" in overview

    # a re-score picks up the later value: 96 >= 95, on target, and the signal is gone
    results_services.rescore(survey, None)
    rescored = client.get(api).get_json()
    assert rescored["snapshot"]["version"] == 2
    again = {k["name"]: k for k in rescored["result"]["kpis"]}
    assert again["On-time joint deliveries"]["value"] == 96
    assert again["On-time joint deliveries"]["on_target"] is True
    assert not [s for s in rescored["result"]["signals"] if s["rule"] == "KPI"]


def test_csv_and_xlsx_name_the_kpi_of_a_kpi_signal_and_carry_the_kpi_table(client):
    coach = make_user()
    partnership = make_partnership(coach)
    before = _cycle(partnership, "2025-Q4")
    survey = hand_example(partnership, state="open", label="2026-Q1")
    login(client, coach)
    shared, local_kpi = _two_kpis(client, partnership)
    # 90 < 95 and then 84 < 95: off target two cycles running (amber); the local KPI has no
    # value, so it is not "on target" and the red rule does not fire
    for cycle, value in ((before, "90"), (survey.cycle, "84")):
        client.post(
            _values_url(partnership, cycle),
            data={f"value_{shared.id}": value, f"target_{shared.id}": "95"},
        )
    close_survey(survey)
    base = f"/partnerships/{partnership.id}/surveys/{survey.id}/results"
    _table, signals = read_csv(client.get(base + ".csv").data)
    # the signal by its plain title; the rule code KPI stays in the JSON
    (row,) = [r for r in signals if r[1] == "Shared KPI"]
    assert row[:4] == ["signal", "Shared KPI", "Amber", "On-time joint deliveries"]
    assert row[4] == (
        "The shared KPI “On-time joint deliveries” has been off target two cycles running: "
        "84% against a target of 95% now, 90% against a target of 95% in the previous cycle."
    )
    sheet = read_xlsx(client.get(base + ".xlsx").data)["Signals"]
    (xrow,) = [r for r in sheet if r[1] == "Shared KPI"]
    assert xrow[3] == "On-time joint deliveries"

    # and the KPI table itself, as the snapshot froze it: this cycle and the one before
    *_, kpi_table = csv_sections(client.get(base + ".csv").data)
    header, *kpi_rows = kpi_table
    assert header[:3] == ["KPI", "kind", "organization"]
    by_name = {r[0]: dict(zip(header, r, strict=True)) for r in kpi_rows}
    deliveries = by_name["On-time joint deliveries"]
    assert deliveries["kind"] == "shared" and deliveries["direction"] == "Higher is better"
    assert (deliveries["value"], deliveries["target"], deliveries["on target"]) == (
        "84",
        "95",
        "no",
    )
    assert (deliveries["previous value"], deliveries["on target previously"]) == ("90", "no")
    local = by_name[local_kpi.name]
    assert local["kind"] == "local" and local["linked to"] == "On-time joint deliveries"
    assert local["value"] == "" and local["on target"] == "unknown (no value)"
    xkpis = read_xlsx(client.get(base + ".xlsx").data)["KPIs"]
    xrow = next(r for r in xkpis if r[0] == "On-time joint deliveries")
    assert xrow[6:8] == [84.0, 95.0]  # numbers stay numbers in the workbook


@pytest.mark.parametrize("role", ["coach", "steering"])
def test_the_cycle_page_links_its_kpi_values(client, role):
    coach = make_user()
    partnership = make_partnership(coach)
    cycle = _cycle(partnership, "2026-Q1")
    reader = coach
    if role == "steering":
        reader = make_user()
        db.session.add(steering_membership(partnership, reader))
        db.session.commit()
    login(client, reader)
    page = _page(client.get(f"/partnerships/{partnership.id}/cycles/{cycle.id}"))
    assert f'href="{_values_url(partnership, cycle)}"' in page
    assert f'href="/partnerships/{partnership.id}/kpis"' in page  # in the sub-navigation
