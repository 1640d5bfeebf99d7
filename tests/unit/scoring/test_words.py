"""The plain words of the rules (partnership.scoring.words): one wording for pages, CSV, XLSX
and the brief, and a health reason that names the rule of scoring.md section 6 that set it."""

from __future__ import annotations

import pytest

from partnership.scoring.signals import RULES
from partnership.scoring.words import (
    health_reason,
    in_text,
    rule_title,
    signal_name,
)

DIMS = [("Cultural alignment", "green"), ("Market alignment", "red"), ("Governance", "amber")]


def test_every_rule_has_a_title_and_a_short_name_without_its_code():
    for rule in RULES:
        subject = "On-time deliveries" if rule == "KPI" else "Market alignment"
        for text in (rule_title(rule), signal_name(rule, subject)):
            # "KPI" is a word readers use; every other code is not
            assert (rule == "KPI" or rule not in text) and "_" not in text, text


@pytest.mark.parametrize(
    ("rule", "subject", "name"),
    [
        ("GAP", "Market alignment", "gap on market alignment"),
        ("LEVEL", "Governance", "low score on governance"),
        ("TREND", "Execution alignment", "falling score on execution alignment"),
        ("DIVERGENCE", "Market alignment", "widening gap on market alignment"),
        ("CONSENSUS", "Communication", "divided views on communication"),
        ("PARTICIPATION", None, "low participation"),
        ("EARLY_WARNING_SIGNS", None, "plan and execution warning signs"),
        ("KPI", "On-time deliveries", "“On-time deliveries” off target"),
        ("GAP", "KPI alignment", "gap on KPI alignment"),  # an acronym keeps its capitals
    ],
)
def test_short_names(rule, subject, name):
    assert signal_name(rule, subject) == name


def test_red_names_the_red_signals_only():
    signals = [
        ("red", "Market alignment", "gap on market alignment"),
        ("red", None, "low participation"),
        ("amber", "Governance", "low score on governance"),
    ]
    assert health_reason("red", signals, DIMS) == (
        "Red: 2 red signals (gap on market alignment, low participation)."
    )
    assert health_reason("red", signals[:1], DIMS) == "Red: 1 red signal (gap on market alignment)."


def test_many_signals_are_summed_up_by_what_they_are_about():
    signals = [
        ("red", "Market alignment", "gap on market alignment"),
        ("red", "Market alignment", "falling score on market alignment"),
        ("red", "Execution alignment", "gap on execution alignment"),
        ("red", None, "low participation"),
    ]
    assert health_reason("red", signals, DIMS) == (
        "Red: 4 red signals, on market alignment, execution alignment and low participation."
    )


def test_amber_names_its_signals_and_the_dimensions_below_the_setting():
    # Governance is amber without a signal on it: its joint score is below the setting
    signals = [("amber", None, "plan and execution warning signs")]
    dims = [("Cultural alignment", "green"), ("Governance", "amber"), ("Communication", "amber")]
    assert health_reason("amber", signals, dims, amber_below=72.5) == (
        "Amber: 1 amber signal (plan and execution warning signs); joint score below 72.5 in "
        "governance and communication."
    )
    # a dimension amber because of its own signal is named once, through the signal
    on_dim = [("amber", "Governance", "gap on governance")]
    assert health_reason("amber", on_dim, dims[:2]) == "Amber: 1 amber signal (gap on governance)."


def test_green_and_not_enough_data_say_what_the_rule_checked():
    assert health_reason("green", [], DIMS[:1], amber_below=70) == (
        "Green: no early-warning signal, and every joint score is at least 70."
    )
    assert health_reason("not_enough_data", [], []).startswith("Not enough data: no dimension")


def test_labels_inside_a_sentence():
    assert in_text("Market alignment") == "market alignment"
    assert in_text("KPI alignment") == "KPI alignment"
