"""The built-in instruments follow the writing rules of domain.md ("Writing the items")."""

import math
import re
from collections import Counter

import pytest

from partnership.instruments import catalog
from partnership.instruments.catalog import BUILTIN, PARTNER, SCALES, CatalogItem, get, render_text

FIVE = ("cultural", "market", "execution", "governance", "communication")
AGREEMENT_INSTRUMENTS = (
    "quarterly-pulse",
    "partnership-audit",
    "leadership-operations",
    "kpi-alignment",
)
ALL_ITEMS = [(i.key, item) for i in BUILTIN for item in i.items]
SCORED_ITEMS = [(k, item) for k, item in ALL_ITEMS if item.kind in ("agreement", "frequency")]


def _ids(pairs):
    return [f"{k}:{item.key}" for k, item in pairs]


def _scored(instrument, dimension=None):
    return [
        item
        for item in instrument.items
        if item.kind in ("agreement", "frequency")
        and item.dimension is not None
        and (dimension is None or item.dimension == dimension)
    ]


# -- the set of instruments ------------------------------------------------------------------


def test_five_builtin_instruments_with_stable_keys():
    assert [i.key for i in BUILTIN] == [
        "quarterly-pulse",
        "partnership-audit",
        "plan-execution-check",
        "leadership-operations",
        "kpi-alignment",
    ]
    for instrument in BUILTIN:
        assert get(instrument.key) is instrument
        assert instrument.name.strip()
        assert instrument.description.strip()
        assert instrument.when.strip()
        assert instrument.audience.strip()
        assert instrument.minutes > 0


def test_get_unknown_key_raises():
    with pytest.raises(KeyError):
        get("no-such-instrument")


@pytest.mark.parametrize("instrument", BUILTIN, ids=lambda i: i.key)
def test_item_keys_unique_and_well_formed(instrument):
    keys = [item.key for item in instrument.items]
    assert len(keys) == len(set(keys))
    for key in keys:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", key), key


@pytest.mark.parametrize("instrument", BUILTIN, ids=lambda i: i.key)
def test_dimensions_labelled_used_and_declared(instrument):
    assert len(instrument.dimensions) == len(set(instrument.dimensions))
    for dimension in instrument.dimensions:
        assert catalog.DIMENSION_LABELS[dimension].strip()
        assert _scored(instrument, dimension), f"dimension {dimension} has no items"
    for item in instrument.items:
        if item.kind in ("agreement", "frequency") and item.dimension is not None:
            assert item.dimension in instrument.dimensions
        if item.kind in ("likelihood", "comment"):
            assert item.dimension is None


@pytest.mark.parametrize("instrument", BUILTIN, ids=lambda i: i.key)
def test_one_kind_per_dimension(instrument):
    for dimension in instrument.dimensions:
        kinds = {item.kind for item in _scored(instrument, dimension)}
        assert len(kinds) == 1, (dimension, kinds)


def test_kinds_and_scales():
    assert {item.kind for _, item in ALL_ITEMS} <= {
        "agreement",
        "frequency",
        "likelihood",
        "comment",
    }
    assert [v for v, _ in SCALES["agreement"]] == [1, 2, 3, 4, 5]
    assert SCALES["agreement"][0][1] == "Strongly disagree"
    assert SCALES["agreement"][-1][1] == "Strongly agree"
    assert SCALES["frequency"] == (
        (1, "Never"),
        (2, "Occasionally"),
        (3, "Most cycles"),
        (4, "Every cycle"),
    )
    assert [v for v, _ in SCALES["likelihood"]] == list(range(11))


def test_items_are_immutable():
    item = get("quarterly-pulse").items[0]
    with pytest.raises(AttributeError):
        item.text = "changed"


def test_invalid_item_rejected():
    with pytest.raises(ValueError):
        CatalogItem("x", "stars", "Some text.")
    with pytest.raises(ValueError):
        CatalogItem("x", "frequency", "Some text.", "demand", reverse=True, sign=11)


# -- quarterly pulse -------------------------------------------------------------------------


def test_pulse_dimensions_and_counts():
    pulse = get("quarterly-pulse")
    assert pulse.dimensions == FIVE
    assert pulse.dimensions[:3] == ("cultural", "market", "execution")  # headline three first
    scored = _scored(pulse)
    assert 12 <= len(scored) <= 20
    assert {item.kind for item in scored} == {"agreement"}
    for dimension in FIVE:
        assert len(_scored(pulse, dimension)) >= 3, dimension
    assert pulse.minutes <= 5


@pytest.mark.parametrize("key", ["quarterly-pulse", "partnership-audit"])
def test_about_a_third_reverse_per_dimension(key):
    instrument = get(key)
    for dimension in FIVE:
        items = _scored(instrument, dimension)
        reverse = sum(item.reverse for item in items)
        assert reverse >= 1, dimension
        assert 1 / 4 <= reverse / len(items) <= 1 / 2, (dimension, reverse, len(items))


def test_pulse_has_exactly_one_overall_item():
    pulse = get("quarterly-pulse")
    overall = [i for i in pulse.items if i.kind == "agreement" and i.dimension is None]
    assert len(overall) == 1
    item = overall[0]
    assert not item.reverse
    assert "value" in item.text.lower()
    assert "partnership" in item.text.lower()


def test_pulse_has_start_stop_continue_comment():
    pulse = get("quarterly-pulse")
    comments = [i for i in pulse.items if i.kind == "comment"]
    assert len(comments) >= 1
    text = comments[0].text.lower()
    assert "start" in text
    assert "stop" in text
    assert text.endswith("?")
    assert all(not c.required for c in comments)


def test_pulse_likelihood_item_is_optional_and_single():
    pulse = get("quarterly-pulse")
    likelihood = [i for i in pulse.items if i.kind == "likelihood"]
    assert len(likelihood) <= 1
    for item in likelihood:
        assert item.dimension is None
        assert item.sign is None


# -- partnership audit -----------------------------------------------------------------------


def test_audit_covers_the_five_dimensions_in_depth():
    audit = get("partnership-audit")
    pulse = get("quarterly-pulse")
    assert audit.dimensions == FIVE
    scored = _scored(audit)
    assert 35 <= len(scored) <= 45
    assert {item.kind for item in scored} == {"agreement"}
    for dimension in FIVE:
        assert len(_scored(audit, dimension)) > len(_scored(pulse, dimension)), dimension


def test_audit_asks_open_questions_on_friction():
    audit = get("partnership-audit")
    comments = [i for i in audit.items if i.kind == "comment"]
    assert len(comments) >= 2
    assert any("friction" in c.text.lower() for c in comments)


def test_audit_reuses_pulse_wording_under_the_same_keys():
    audit = {item.key: item for item in get("partnership-audit").items}
    for item in get("quarterly-pulse").items:
        if item.key in audit:
            assert audit[item.key] == item


# -- plan and execution early-warning check --------------------------------------------------


def test_plan_execution_check_has_the_ten_signs():
    check = get("plan-execution-check")
    assert check.dimensions == ("demand", "capacity", "procurement", "credibility")
    frequency = [i for i in check.items if i.kind == "frequency"]
    assert len(frequency) == 10
    assert sorted(i.sign for i in frequency) == list(range(1, 11))
    assert all(i.reverse for i in frequency)
    assert [i for i in check.items if i.kind == "agreement"] == []
    for dimension in check.dimensions:
        assert 1 <= len(_scored(check, dimension)) <= 3, dimension


def test_signs_sit_in_their_domain_groups():
    groups = {"demand": {1, 2, 3}, "capacity": {4, 5, 6}, "procurement": {7, 8, 9}}
    groups["credibility"] = {10}
    check = get("plan-execution-check")
    for dimension, signs in groups.items():
        assert {i.sign for i in _scored(check, dimension)} == signs


def test_only_the_check_numbers_signs():
    for key, item in ALL_ITEMS:
        if key != "plan-execution-check":
            assert item.sign is None, (key, item.key)


# -- leadership-operations and KPI alignment -------------------------------------------------


@pytest.mark.parametrize("key", ["leadership-operations", "kpi-alignment"])
def test_on_demand_instruments_have_balanced_dimensions(key):
    instrument = get(key)
    assert len(instrument.dimensions) >= 3
    for dimension in instrument.dimensions:
        items = _scored(instrument, dimension)
        assert len(items) >= 3, dimension
        assert {i.kind for i in items} == {"agreement"}
        reverse = sum(i.reverse for i in items)
        assert reverse >= 1, dimension
        assert reverse < len(items), dimension


def test_leadership_operations_dimensions():
    assert get("leadership-operations").dimensions == (
        "direction",
        "operational_input",
        "feedback_loops",
    )


# -- the wording of every item ---------------------------------------------------------------


@pytest.mark.parametrize(("instrument", "item"), ALL_ITEMS, ids=_ids(ALL_ITEMS))
def test_item_text_is_short_and_single_sentence(instrument, item):
    text = item.text
    assert text == text.strip()
    assert 10 <= len(text) <= 120, len(text)
    assert text[-1] in ".?", text
    # one sentence, one idea: no second sentence, no semicolon, no "and" joining claims
    assert ";" not in text
    assert re.search(r"[.?!]\s", text) is None, text
    assert " and " not in f" {text.lower()} ", text
    assert "&" not in text
    assert len(item.help) <= 120
    assert " and " not in f" {item.help.lower()} ", item.help


@pytest.mark.parametrize(("instrument", "item"), SCORED_ITEMS, ids=_ids(SCORED_ITEMS))
def test_no_inserted_negation(instrument, item):
    lowered = item.text.lower().replace("\u2019", "'")
    assert " not " not in f" {lowered} ", item.text
    assert "n't" not in lowered, item.text
    assert re.search(r"\bnever\b", lowered) is None, item.text


@pytest.mark.parametrize(("instrument", "item"), ALL_ITEMS, ids=_ids(ALL_ITEMS))
def test_placeholder_is_the_only_template_syntax(instrument, item):
    rest = item.text.replace(PARTNER, "")
    assert "{" not in rest
    assert "}" not in rest
    assert "%" not in rest


@pytest.mark.parametrize("key", AGREEMENT_INSTRUMENTS)
def test_partner_is_named_through_the_placeholder(key):
    instrument = get(key)
    mentions = 0
    for item in instrument.items:
        mentions += PARTNER in item.text
        rest = item.text.replace(PARTNER, "").lower()
        # "our partner" or "the partner" must be the placeholder, so each side sees a name
        assert re.search(r"\bpartners?\b", rest) is None, item.text
    assert mentions >= 3
    assert PARTNER in instrument.description


def test_most_pulse_items_name_the_partner():
    pulse = get("quarterly-pulse")
    scored = _scored(pulse)
    naming = [i for i in scored if PARTNER in i.text]
    assert len(naming) >= math.ceil(len(scored) / 2)


def test_no_duplicate_text_within_an_instrument():
    for instrument in BUILTIN:
        counts = Counter(item.text for item in instrument.items)
        assert [t for t, n in counts.items() if n > 1] == [], instrument.key


def test_only_comments_are_unscored_without_dimension():
    for key, item in ALL_ITEMS:
        if item.kind == "frequency":
            assert item.dimension is not None, (key, item.key)
        if item.kind == "comment":
            assert not item.reverse
            assert not item.required


# -- rendering -------------------------------------------------------------------------------


def test_render_text_fills_in_non_ascii_names():
    text = f"{PARTNER} tells us early when {PARTNER}'s plans move."
    assert render_text(text, "Müller Fertigung") == (
        "Müller Fertigung tells us early when Müller Fertigung's plans move."
    )
    assert render_text("São Paulo Ltda.", "x") == "São Paulo Ltda."


def test_render_text_changes_nothing_else():
    assert render_text("No placeholder {here} or {0} 100%.", "Acme") == (
        "No placeholder {here} or {0} 100%."
    )
    # braces in a name are inserted literally, never interpreted
    assert render_text(PARTNER, "{partner} & Co {0}") == "{partner} & Co {0}"


def test_every_builtin_item_renders_cleanly():
    for _, item in ALL_ITEMS:
        rendered = render_text(item.text, "Müller Fertigung")
        assert PARTNER not in rendered
        assert "{" not in rendered
