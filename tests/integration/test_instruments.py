"""The instrument library: built-ins, clones, the editor's versioning rules and the preview."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import func, select

from partnership.extensions import db
from partnership.instruments import catalog
from partnership.instruments.models import Instrument, InstrumentVersion, Item
from partnership.instruments.services import (
    ensure_builtins,
    get_instrument_or_404,
    latest_version,
    lock_version,
    usable_instruments,
)
from partnership.models import metadata
from tests.builders.basics import login, make_partnership, make_user, steering_membership

PULSE = "quarterly-pulse"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def builtin(key: str = PULSE) -> Instrument:
    return db.session.scalar(select(Instrument).where(Instrument.builtin_key == key))


def versions(instrument: Instrument) -> list[InstrumentVersion]:
    return list(
        db.session.scalars(
            select(InstrumentVersion)
            .where(InstrumentVersion.instrument_id == instrument.id)
            .order_by(InstrumentVersion.number)
        )
    )


def ordered(version: InstrumentVersion) -> list[Item]:
    return list(
        db.session.scalars(
            select(Item).where(Item.version_id == version.id).order_by(Item.position)
        )
    )


def base(partnership) -> str:
    return f"/partnerships/{partnership.id}/instruments"


@pytest.fixture
def coach_setup(app):
    """A logged-in coach, their partnership and the seeded built-ins."""
    ensure_builtins()
    coach = make_user()
    partnership = make_partnership(coach, org_b_name="Müller Fertigung")
    client = app.test_client()
    login(client, coach)
    return client, partnership


def clone_pulse(client, partnership) -> Instrument:
    response = client.post(f"{base(partnership)}/{builtin().id}/clone")
    assert response.status_code == 302
    clone = db.session.scalar(select(Instrument).where(Instrument.partnership_id == partnership.id))
    assert clone is not None
    return clone


def item_form(item: Item, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "text": item.text,
        "kind": item.kind,
        "dimension": item.dimension or "",
        "help": item.help,
        "sign": str(item.sign) if item.sign else "",
    }
    for name in ("is_reverse", "allow_na", "is_required"):
        if getattr(item, name):
            data[name] = "y"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# --- seeding ------------------------------------------------------------------------------


def test_seeding_creates_the_catalog_once_however_often_it_runs(app, runner):
    ensure_builtins()
    first = (count(Instrument), count(InstrumentVersion), count(Item))
    ensure_builtins()
    result = runner.invoke(args=["instruments", "seed"])
    assert result.exit_code == 0, result.output
    assert "quarterly-pulse: version 1" in result.output
    assert (count(Instrument), count(InstrumentVersion), count(Item)) == first
    assert first[0] == len(catalog.BUILTIN) == first[1]
    assert first[2] == sum(len(entry.items) for entry in catalog.BUILTIN)
    for entry in catalog.BUILTIN:
        instrument = builtin(entry.key)
        assert instrument.partnership_id is None and instrument.name == entry.name
        version = latest_version(instrument)
        assert version.number == 1 and version.dimensions == list(entry.dimensions)
        items = ordered(version)
        assert [i.key for i in items] == [i.key for i in entry.items]
        assert [i.position for i in items] == list(range(1, len(items) + 1))
    signs = [i for i in ordered(latest_version(builtin("plan-execution-check"))) if i.sign]
    assert sorted(i.sign for i in signs) == list(range(1, 11))
    assert all(i.kind == "frequency" and i.is_reverse for i in signs)


def test_db_upgrade_also_seeds_the_builtins(app, runner):
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert count(Instrument) == len(catalog.BUILTIN)


def _changed_catalog(monkeypatch, new_text: str) -> None:
    pulse = catalog.get(PULSE)
    first = dataclasses.replace(pulse.items[0], text=new_text)
    changed = dataclasses.replace(pulse, items=(first, *pulse.items[1:]))
    monkeypatch.setattr(
        catalog, "BUILTIN", tuple(changed if e.key == PULSE else e for e in catalog.BUILTIN)
    )


def test_a_catalog_change_updates_an_unlocked_builtin_and_versions_a_locked_one(app, monkeypatch):
    ensure_builtins()
    pulse = builtin()
    v1 = latest_version(pulse)
    first_id = ordered(v1)[0].id
    _changed_catalog(monkeypatch, "{partner} decides at a pace that suits us.")
    ensure_builtins()
    assert [v.number for v in versions(pulse)] == [1]
    assert ordered(v1)[0].text == "{partner} decides at a pace that suits us."
    assert ordered(v1)[0].id == first_id  # updated in place, not replaced

    lock_version(v1)
    db.session.commit()
    _changed_catalog(monkeypatch, "{partner} moves at a pace we can follow.")
    ensure_builtins()
    v1_again, v2 = versions(pulse)
    assert v2.number == 2 and not v2.is_locked
    assert ordered(v1_again)[0].text == "{partner} decides at a pace that suits us."
    assert ordered(v2)[0].text == "{partner} moves at a pace we can follow."
    assert [i.key for i in ordered(v2)] == [i.key for i in ordered(v1_again)]
    ensure_builtins()
    assert len(versions(pulse)) == 2


# --- library and instrument pages ---------------------------------------------------------


def test_library_lists_builtins_and_own_instruments_with_their_shape(coach_setup):
    client, partnership = coach_setup
    clone = clone_pulse(client, partnership)
    page = client.get(base(partnership)).get_data(as_text=True)
    for entry in catalog.BUILTIN:
        assert entry.name in page
    assert "Copy of Quarterly partnership pulse" in page
    assert "Cloned from Quarterly partnership pulse, version 1" in page
    assert "Cultural alignment" in page and "Demand trusts the plan" in page
    assert "not used" in page
    assert f"{base(partnership)}/{clone.id}" in page


def test_instrument_page_shows_items_with_their_properties(coach_setup):
    client, partnership = coach_setup
    page = client.get(f"{base(partnership)}/{builtin().id}").get_data(as_text=True)
    assert "makes decisions at a pace we can work with." in page
    assert '<span class="inst-partner">partner</span>' in page
    assert "reverse" in page and "Agreement (5 points)" in page
    assert "Likelihood (0–10)" in page and "Open comment" in page
    assert "Built-in instruments are read-only" in page
    check = client.get(f"{base(partnership)}/{builtin('plan-execution-check').id}")
    assert "early-warning sign 10" in check.get_data(as_text=True)
    assert client.get(f"{base(partnership)}/{builtin().id}?version=7").status_code == 404


# --- clone and edit -----------------------------------------------------------------------


def test_clone_then_edit_leaves_the_builtin_untouched(coach_setup):
    client, partnership = coach_setup
    pulse = builtin()
    source_items = [(i.key, i.text) for i in ordered(latest_version(pulse))]
    clone = clone_pulse(client, partnership)
    assert clone.name == "Copy of Quarterly partnership pulse"
    assert clone.builtin_key is None
    assert clone.cloned_from_version_id == latest_version(pulse).id
    assert [(i.key, i.text) for i in ordered(latest_version(clone))] == source_items

    target = ordered(latest_version(clone))[0]
    response = client.post(
        f"{base(partnership)}/{clone.id}/items/{target.id}/edit",
        data=item_form(target, text="{partner} decides quickly enough for our customers."),
    )
    assert response.status_code == 302
    renamed = client.post(
        f"{base(partnership)}/{clone.id}/edit",
        data={"name": "Pulse <b>2026</b>", "description": "", "audience": "", "minutes": "6"},
    )
    assert renamed.status_code == 302

    assert [(i.key, i.text) for i in ordered(latest_version(pulse))] == source_items
    assert pulse.name == "Quarterly partnership pulse"
    edited = ordered(latest_version(clone))
    assert edited[0].key == target.key
    assert edited[0].text == "{partner} decides quickly enough for our customers."
    assert [v.number for v in versions(clone)] == [1]  # unlocked: changed in place
    page = client.get(f"{base(partnership)}/{clone.id}").get_data(as_text=True)
    assert "Pulse &lt;b&gt;2026&lt;/b&gt;" in page and "Pulse <b>2026</b>" not in page


def test_editing_a_locked_version_creates_version_2_and_keeps_version_1(coach_setup):
    client, partnership = coach_setup
    clone = clone_pulse(client, partnership)
    v1 = latest_version(clone)
    lock_version(v1)
    db.session.commit()
    before = [(i.key, i.text, i.position) for i in ordered(v1)]
    target = ordered(v1)[2]

    response = client.post(
        f"{base(partnership)}/{clone.id}/items/{target.id}/edit",
        data=item_form(target, text="When we disagree, {partner} settles it with us in the open."),
    )
    assert response.status_code == 302
    v1_again, v2 = versions(clone)
    assert v2.number == 2 and not v2.is_locked
    assert [(i.key, i.text, i.position) for i in ordered(v1_again)] == before
    new_items = ordered(v2)
    assert [i.key for i in new_items] == [key for key, _, _ in before]
    assert new_items[2].text == "When we disagree, {partner} settles it with us in the open."
    assert [i.text for n, i in enumerate(new_items) if n != 2] == [
        text for n, (_, text, _) in enumerate(before) if n != 2
    ]

    # The next change goes to version 2 (unlocked): no version 3.
    added = client.post(
        f"{base(partnership)}/{clone.id}/items/new",
        data={
            "text": "{partner} shares its roadmap with us.",
            "kind": "agreement",
            "dimension": "market",
            "sign": "",
            "allow_na": "y",
        },
    )
    assert added.status_code == 302
    assert [v.number for v in versions(clone)] == [1, 2]
    fresh = ordered(latest_version(clone))[-1]
    assert fresh.key.startswith("market-") and fresh.key not in {k for k, _, _ in before}
    assert fresh.dimension == "market" and fresh.position == len(before) + 1

    page = client.get(f"{base(partnership)}/{clone.id}?version=1").get_data(as_text=True)
    assert "You are looking at version 1" in page
    assert "When we disagree, " in page and "works it out with us openly." in page


def test_a_mix_of_scales_in_one_dimension_is_refused_and_nothing_is_stored(coach_setup):
    client, partnership = coach_setup
    clone = clone_pulse(client, partnership)
    lock_version(latest_version(clone))
    db.session.commit()
    items_before = count(Item)
    response = client.post(
        f"{base(partnership)}/{clone.id}/items/new",
        data={
            "text": "We missed a joint deadline.",
            "kind": "frequency",
            "dimension": "cultural",
            "sign": "",
        },
    )
    assert response.status_code == 400
    assert "all scored items of one dimension must use the same scale" in response.get_data(
        as_text=True
    )
    assert count(Item) == items_before
    assert [v.number for v in versions(clone)] == [1]  # no version 2 for a refused change

    target = ordered(latest_version(clone))[0]
    changed = client.post(
        f"{base(partnership)}/{clone.id}/items/{target.id}/edit",
        data=item_form(target, kind="frequency"),
    )
    assert changed.status_code == 400
    assert "same scale" in changed.get_data(as_text=True)
    assert [v.number for v in versions(clone)] == [1]
    assert ordered(latest_version(clone))[0].kind == "agreement"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"text": "x" * 301}, "at most 300 characters"),
        ({"text": "   "}, "Write the question."),
        ({"kind": "likelihood", "dimension": "cultural"}, "belongs to no dimension"),
        ({"kind": "comment", "dimension": "market"}, "belongs to no dimension"),
        ({"sign": "3"}, "Only frequency items"),
        ({"dimension": "pricing"}, "Not a valid choice"),
    ],
)
def test_invalid_items_rerender_with_a_message(coach_setup, changes, message):
    client, partnership = coach_setup
    clone = clone_pulse(client, partnership)
    before = [(i.key, i.text, i.kind, i.dimension) for i in ordered(latest_version(clone))]
    data = {
        "text": "{partner} keeps its promises.",
        "kind": "agreement",
        "dimension": "cultural",
        "sign": "",
    }
    data.update(changes)
    response = client.post(f"{base(partnership)}/{clone.id}/items/new", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert [(i.key, i.text, i.kind, i.dimension) for i in ordered(latest_version(clone))] == before


def test_items_move_up_and_down(coach_setup):
    client, partnership = coach_setup
    clone = clone_pulse(client, partnership)
    keys = [i.key for i in ordered(latest_version(clone))]
    second = ordered(latest_version(clone))[1]
    url = f"{base(partnership)}/{clone.id}/items/{second.id}/move"
    assert client.post(url, data={"direction": "up"}).status_code == 302
    assert [i.key for i in ordered(latest_version(clone))] == [keys[1], keys[0], *keys[2:]]
    assert client.post(url, data={"direction": "down"}).status_code == 302
    assert client.post(url, data={"direction": "down"}).status_code == 302
    assert [i.key for i in ordered(latest_version(clone))] == [keys[0], keys[2], keys[1], *keys[3:]]
    first = ordered(latest_version(clone))[0]
    refused = client.post(
        f"{base(partnership)}/{clone.id}/items/{first.id}/move", data={"direction": "up"}
    )
    assert refused.status_code == 400
    assert "already first" in refused.get_data(as_text=True)
    positions = [i.position for i in ordered(latest_version(clone))]
    assert positions == list(range(1, len(keys) + 1))


def test_removing_an_item_renumbers_the_rest(coach_setup):
    client, partnership = coach_setup
    clone = clone_pulse(client, partnership)
    keys = [i.key for i in ordered(latest_version(clone))]
    gone = ordered(latest_version(clone))[1]
    gone_id, gone_key = gone.id, gone.key
    response = client.post(f"{base(partnership)}/{clone.id}/items/{gone_id}/remove")
    assert response.status_code == 302
    left = ordered(latest_version(clone))
    assert [i.key for i in left] == [k for k in keys if k != gone_key]
    assert [i.position for i in left] == list(range(1, len(keys)))
    page = client.get(f"{base(partnership)}/{clone.id}").get_data(as_text=True)
    assert f'id="item-{gone_key}"' not in page
    assert f'id="item-{keys[2]}"' in page
    assert [i.key for i in ordered(latest_version(builtin()))] == keys


def test_dimensions_are_added_and_only_unused_ones_removed(coach_setup):
    client, partnership = coach_setup
    clone = clone_pulse(client, partnership)
    url = f"{base(partnership)}/{clone.id}/dimensions"
    assert client.post(url, data={"label": "Supplier quality"}).status_code == 302
    assert latest_version(clone).dimensions[-1] == "supplier_quality"
    twice = client.post(url, data={"label": "supplier quality"})
    assert twice.status_code == 400 and "already has the dimension" in twice.get_data(as_text=True)
    used = client.post(f"{url}/remove", data={"key": "cultural"})
    assert used.status_code == 400
    assert "Cultural alignment still has 4 items" in used.get_data(as_text=True)
    assert "cultural" in latest_version(clone).dimensions
    assert client.post(f"{url}/remove", data={"key": "supplier_quality"}).status_code == 302
    assert "supplier_quality" not in latest_version(clone).dimensions


def test_a_dimension_keeps_the_name_the_coach_typed_across_versions(coach_setup):
    client, partnership = coach_setup
    clone = clone_pulse(client, partnership)
    url = f"{base(partnership)}/{clone.id}/dimensions"
    assert client.post(url, data={"label": "KPI-Abstimmung für São Paulo"}).status_code == 302
    lock_version(latest_version(clone))  # the next edit makes version 2
    db.session.commit()
    key = latest_version(clone).dimensions[-1]
    added = client.post(
        f"{base(partnership)}/{clone.id}/items/new",
        data={
            "text": "We agree on the targets.",
            "kind": "agreement",
            "dimension": key,
            "sign": "",
        },
    )
    assert added.status_code == 302
    assert [v.number for v in versions(clone)] == [1, 2]
    page = client.get(f"{base(partnership)}/{clone.id}").get_data(as_text=True)
    assert "KPI-Abstimmung für São Paulo" in page
    form = client.get(f"{base(partnership)}/{clone.id}/items/new").get_data(as_text=True)
    assert "KPI-Abstimmung für São Paulo" in form


# --- access -------------------------------------------------------------------------------


def test_builtins_are_read_only(coach_setup):
    client, partnership = coach_setup
    pulse = builtin()
    item = ordered(latest_version(pulse))[0]
    root = f"{base(partnership)}/{pulse.id}"
    for method, url in [
        ("GET", f"{root}/edit"),
        ("POST", f"{root}/edit"),
        ("GET", f"{root}/items/new"),
        ("POST", f"{root}/items/new"),
        ("GET", f"{root}/items/{item.id}/edit"),
        ("POST", f"{root}/items/{item.id}/edit"),
        ("POST", f"{root}/items/{item.id}/remove"),
        ("POST", f"{root}/items/{item.id}/move"),
        ("POST", f"{root}/dimensions"),
        ("POST", f"{root}/dimensions/remove"),
    ]:
        data = {
            "name": "Hacked",
            "text": "Hacked",
            "kind": "agreement",
            "direction": "down",
            "key": "cultural",
            "label": "Hacked",
        }
        response = client.open(url, method=method, data=data)
        assert response.status_code == 403, f"{method} {url}"
    assert pulse.name == "Quarterly partnership pulse"
    assert ordered(latest_version(pulse))[0].key == item.key
    assert len(versions(pulse)) == 1


def test_a_clone_is_invisible_to_other_partnerships(app, coach_setup):
    client, partnership = coach_setup
    clone = clone_pulse(client, partnership)
    item = ordered(latest_version(clone))[0]
    other_coach = make_user()
    other = make_partnership(other_coach, name="Other")
    other_client = app.test_client()
    login(other_client, other_coach)
    root = f"{base(other)}/{clone.id}"
    for method, url in [
        ("GET", root),
        ("GET", f"{root}/preview"),
        ("POST", f"{root}/clone"),
        ("GET", f"{root}/edit"),
        ("POST", f"{root}/items/{item.id}/edit"),
        ("POST", f"{root}/items/{item.id}/remove"),
    ]:
        assert other_client.open(url, method=method).status_code == 404, f"{method} {url}"
    library = other_client.get(base(other)).get_data(as_text=True)
    assert "Copy of Quarterly partnership pulse" not in library
    assert "Quarterly partnership pulse" in library
    # an item of another lineage is 404 too, even under an instrument the coach may edit
    own = clone_pulse(other_client, other)
    foreign = f"{base(other)}/{own.id}/items/{item.id}/edit"
    assert other_client.get(foreign).status_code == 404
    assert count(Instrument) == len(catalog.BUILTIN) + 2
    assert [i.id for i in usable_instruments(other)][-1] == own.id
    assert clone.id not in [i.id for i in usable_instruments(other)]


def test_steering_members_do_not_see_instruments(app, coach_setup):
    client, partnership = coach_setup
    clone = clone_pulse(client, partnership)
    steering = make_user()
    db.session.add(steering_membership(partnership, steering))
    db.session.commit()
    reader = app.test_client()
    login(reader, steering)
    assert reader.get(base(partnership)).status_code == 403
    assert reader.get(f"{base(partnership)}/{clone.id}").status_code == 403
    assert reader.post(f"{base(partnership)}/{builtin().id}/clone").status_code == 403
    assert reader.get(f"{base(partnership)}/{clone.id}/edit").status_code == 403
    assert count(Instrument) == len(catalog.BUILTIN) + 1


def test_usable_instruments_and_lookup_follow_ownership(app):
    ensure_builtins()
    mine, theirs = make_partnership(), make_partnership()
    audit = builtin("partnership-audit")
    audit.is_archived = True
    db.session.commit()
    keys = [i.builtin_key for i in usable_instruments(mine)]
    assert keys == [e.key for e in catalog.BUILTIN if e.key != "partnership-audit"]
    own = Instrument(partnership_id=theirs.id, name="Theirs")
    db.session.add(own)
    db.session.commit()
    assert get_instrument_or_404(theirs, own.id) is own
    assert get_instrument_or_404(mine, builtin().id).builtin_key == PULSE
    from partnership.errors import NotFound

    with pytest.raises(NotFound):
        get_instrument_or_404(mine, own.id)


def test_posts_without_a_csrf_token_are_refused(csrf_app):
    ensure_builtins()
    coach = make_user()
    partnership = make_partnership(coach)
    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    logged_in = client.post(
        "/login",
        data={"email": coach.email, "password": "correct horse battery", "csrf_token": token},
    )
    assert logged_in.status_code == 302
    url = f"{base(partnership)}/{builtin().id}/clone"
    assert client.post(url).status_code == 400
    assert count(Instrument) == len(catalog.BUILTIN)
    assert client.post(url, data={"csrf_token": token}).status_code == 302
    assert count(Instrument) == len(catalog.BUILTIN) + 1


# --- preview ------------------------------------------------------------------------------


def _row_counts() -> dict[str, int]:
    return {t.name: count(t) for t in metadata.sorted_tables}


def test_preview_shows_the_survey_with_the_partner_name_and_stores_nothing(coach_setup):
    client, partnership = coach_setup
    pulse = builtin()
    before = _row_counts()
    as_a = client.get(f"{base(partnership)}/{pulse.id}/preview?as=A&version=1")
    assert as_a.status_code == 200
    page = as_a.get_data(as_text=True)
    assert "Preview — answers are not saved" in page
    assert "Müller Fertigung makes decisions at a pace we can work with." in page
    assert "{partner}" not in page
    assert "Strongly disagree" in page and "Not applicable" in page
    assert "/s/" not in page  # nothing to post the answers to
    as_b = client.get(f"{base(partnership)}/{pulse.id}/preview?as=B").get_data(as_text=True)
    assert "Alpha Software makes decisions at a pace we can work with." in as_b
    assert "Müller Fertigung makes decisions" not in as_b
    assert client.get(f"{base(partnership)}/{pulse.id}/preview?as=C").status_code == 404
    assert _row_counts() == before


def test_a_version_an_open_survey_uses_is_copied_before_reorder_or_removal(coach_setup):
    from partnership.surveys.models import Cycle, Survey

    client, partnership = coach_setup
    clone = clone_pulse(client, partnership)
    v1 = latest_version(clone)
    cycle = Cycle(partnership_id=partnership.id, label="2026-Q4")
    db.session.add(cycle)
    db.session.flush()
    db.session.add(
        Survey(
            partnership_id=partnership.id,
            cycle_id=cycle.id,
            instrument_id=clone.id,
            instrument_version_id=v1.id,
            state="open",
        )
    )
    lock_version(v1)  # what opening the survey does
    db.session.commit()
    keys = [i.key for i in ordered(v1)]
    old_second = ordered(v1)[1]
    root = f"{base(partnership)}/{clone.id}"

    assert (
        client.post(f"{root}/items/{old_second.id}/move", data={"direction": "up"}).status_code
        == 302
    )
    v1_again, v2 = versions(clone)
    assert [i.key for i in ordered(v1_again)] == keys
    assert [i.key for i in ordered(v2)] == [keys[1], keys[0], *keys[2:]]

    # The page was opened before version 2 existed: the old item id still means that question.
    assert client.post(f"{root}/items/{old_second.id}/remove").status_code == 302
    assert [v.number for v in versions(clone)] == [1, 2]
    assert [i.key for i in ordered(v2)] == [keys[0], *keys[2:]]
    assert [i.key for i in ordered(v1_again)] == keys
    page = client.get(base(partnership)).get_data(as_text=True)
    assert "1 survey" in page and "in use" in page


def test_an_early_warning_sign_is_saved_reverse_keyed_whatever_the_box_says(coach_setup):
    """scoring.md section 1: every frequency item of the early-warning check is scored with
    more often = worse. Unticking "reverse-keyed" on a sign cannot change that, so the editor
    stores what scoring does instead of a box that has no effect."""
    client, partnership = coach_setup
    response = client.post(f"{base(partnership)}/{builtin('plan-execution-check').id}/clone")
    assert response.status_code == 302
    clone = db.session.scalar(select(Instrument).where(Instrument.partnership_id == partnership.id))
    sign_item = next(i for i in ordered(latest_version(clone)) if i.sign)
    assert sign_item.is_reverse
    data = item_form(sign_item)
    del data["is_reverse"]  # the coach unticks the box
    edited = client.post(f"{base(partnership)}/{clone.id}/items/{sign_item.id}/edit", data=data)
    assert edited.status_code == 302
    again = next(i for i in ordered(latest_version(clone)) if i.key == sign_item.key)
    assert again.sign == sign_item.sign and again.is_reverse
    form = client.get(f"{base(partnership)}/{clone.id}/items/{again.id}/edit")
    assert "saved reverse-keyed" in form.get_data(as_text=True)
