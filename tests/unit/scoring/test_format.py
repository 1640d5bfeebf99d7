"""The one display formatter: Decimal, ROUND_HALF_UP, on the value's decimal text."""

import pytest

from partnership.scoring import NA, fmt_number, fmt_pct, fmt_score, fmt_stat, round_half_up


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (62.45, "62.5"),  # half up (binary 62.45 is 62.4500000000000028...)
        (62.449999, "62.4"),
        (0.05, "0.1"),
        (50, "50.0"),
        (100.0, "100.0"),
        (-12.25, "-12.3"),  # half away from zero
        (-0.04, "0.0"),  # no "-0.0"
        (64.58333333333333, "64.6"),
    ],
)
def test_fmt_score(value, text):
    assert fmt_score(value) == text


def test_fmt_score_signed_for_gaps():
    assert fmt_score(4.45, signed=True) == "+4.5"
    assert fmt_score(-4.45, signed=True) == "-4.5"
    assert fmt_score(0.01, signed=True) == "0.0"


@pytest.mark.parametrize(
    ("value", "text"),
    [(2.675, "2.68"), (0.125, "0.13"), (-0.005, "-0.01"), (0.025, "0.03"), (1, "1.00")],
)
def test_fmt_stat(value, text):
    # 2.675 is 2.67499999... in binary: rounding the decimal text gives what a reader expects
    assert fmt_stat(value) == text


@pytest.mark.parametrize(
    ("share", "text"),
    [(0.625, "63%"), (0.005, "1%"), (0.0049, "0%"), (0.285, "29%"), (1, "100%"), (0, "0%")],
)
def test_fmt_pct(share, text):
    assert fmt_pct(share) == text


def test_missing_values():
    assert fmt_score(None) == fmt_stat(None) == fmt_pct(None) == NA == "–"
    assert fmt_score(None, none="n/a") == "n/a"
    assert fmt_pct(0.5, suffix="") == "50"


def test_refuses_nan_infinity_and_booleans():
    for bad in (float("nan"), float("inf"), True):
        with pytest.raises(ValueError):
            round_half_up(bad, 1)


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (4200000, "EUR", "4,200,000 EUR"),  # thousands grouped, no padding zeros
        (95.0, "%", "95%"),  # a percent sign sits on the number
        (40.8, "", "40.8"),
        (0.00035, "", "0.0004"),  # at most 4 decimals, half up
        (-0.00001, "", "0"),  # no "-0"
        (None, "EUR", NA),
    ],
)
def test_fmt_number_shows_kpi_values_as_typed(value, unit, text):
    assert fmt_number(value, unit) == text
