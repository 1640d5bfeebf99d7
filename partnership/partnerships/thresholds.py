"""A partnership's early-warning thresholds: the coach's page of overrides over scoring.md's
defaults."""

from __future__ import annotations

import dataclasses
import logging
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from partnership.extensions import db
from partnership.partnerships.models import Partnership
from partnership.partnerships.services import PartnershipError
from partnership.scoring import Settings

log = logging.getLogger(__name__)

# scoring.md section 6: every early-warning threshold is a per-partnership setting with
# scoring.md's default. ``Partnership.thresholds`` holds only the overrides, by the field name
# of ``partnership.scoring.Settings``, so a later change of a default reaches every partnership
# that never overrode it. Shares (participation, polarization) are typed as percentages and
# stored as shares (60 % -> 0.6), as the scoring package reads them.


@dataclass(frozen=True)
class Threshold:
    """One threshold as a coach sees it.

    ``unit``: "points" (the 0-100 score scale), "percent" (a share, typed as a percentage),
    "pp" (a difference of two shares, typed in percentage points), "rwg" (the agreement
    coefficient), "g" (an effect size), "count" (a whole number of signs). The typed value
    lies in ``minimum``..``maximum``; with ``above_minimum`` the minimum itself is refused
    (a magnitude of 0 would fire on every survey).
    """

    name: str
    rule: str
    label: str
    unit: str
    minimum: float
    maximum: float
    above_minimum: bool = False

    @property
    def scale(self) -> int:
        """Typed value = stored value x scale."""
        return 100 if self.unit in ("percent", "pp") else 1

    @property
    def whole(self) -> bool:
        return self.unit == "count"

    @property
    def default(self) -> float:
        """scoring.md's default, as stored (read from ``Settings`` so the two never differ)."""
        return THRESHOLD_DEFAULTS[self.name]

    def to_stored(self, typed: float) -> float:
        if self.whole:
            return int(typed)
        if self.scale == 1:
            return float(typed)
        # through Decimal, so 58 % is stored as 0.58 exactly as written, not 0.58000000000000007
        return float(Decimal(repr(float(typed))) / self.scale)

    def to_typed(self, stored: float) -> float:
        if self.whole:
            return int(stored)
        return float(Decimal(repr(float(stored))) * self.scale)

    def show(self, stored: float) -> str:
        """A stored value as typed, with its unit: "60 %", "12.5 points", "0.5"."""
        return plain_number(self.to_typed(stored)) + UNIT_SUFFIX[self.unit]

    @property
    def range_text(self) -> str:
        """The allowed values in words: "from 0 to 100 points", "above 0 and at most 10"."""
        low, high = plain_number(self.minimum), plain_number(self.maximum) + UNIT_SUFFIX[self.unit]
        if self.above_minimum:
            return f"above {low} and at most {high}"
        return f"from {low} to {high}" + (", a whole number" if self.whole else "")

    @property
    def field_label(self) -> str:
        """The label of its form field: the rule in plain words and the unit it is typed in."""
        unit = UNIT_LABELS[self.unit]
        return f"{self.label} ({unit})" if unit else self.label

    def check(self, typed: float) -> str | None:
        """Why the typed value is refused, or None."""
        if not math.isfinite(typed):
            return "Enter a number."
        if self.whole and not float(typed).is_integer():
            return "Enter a whole number."
        too_low = typed <= self.minimum if self.above_minimum else typed < self.minimum
        if too_low or typed > self.maximum:
            return f"Enter a value {self.range_text}."
        return None


UNIT_SUFFIX = {
    "points": " points",
    "percent": " %",
    "pp": " percentage points",
    "rwg": "",
    "g": "",
    "count": " signs",
}
UNIT_LABELS = {
    "points": "points",
    "percent": "%",
    "pp": "percentage points",
    "rwg": "",
    "g": "",
    "count": "",
}

#: The rules of scoring.md's table, in its order, with a plain-words summary for the page.
THRESHOLD_RULES: tuple[tuple[str, str, str], ...] = (
    (
        "LEVEL",
        "Level",
        "The joint score J of a dimension (the two organizations' scores averaged, each "
        "organization weighing the same) is low.",
    ),
    (
        "GAP",
        "Gap between the organizations",
        "The gap G (first organization's score minus the second's) is wide. Red needs the "
        "effect size g (Hedges' g, the gap in pooled standard deviations) as well.",
    ),
    (
        "TREND",
        "Trend",
        "J falls over the last closed surveys of the same instrument. Amber needs J to fall "
        "in each of the last two cycles; either red condition alone suffices.",
    ),
    (
        "DIVERGENCE",
        "Divergence",
        "The gap between the organizations widens over two cycles, in the same direction.",
    ),
    (
        "CONSENSUS",
        "Consensus inside an organization",
        "Judged for an organization with at least 5 persons in the dimension. Amber is also "
        "raised when the mean absolute deviation AD exceeds A/6 (Burke and Dunlap's fixed "
        "cut-off, not a setting).",
    ),
    (
        "PARTICIPATION",
        "Participation",
        "Respondents over invitees, per organization.",
    ),
    (
        "EARLY_WARNING_SIGNS",
        "Early-warning signs",
        "A sign of the plan-and-execution check is present in an organization when the median "
        "answer to its item is “most cycles” or more often.",
    ),
    (
        "HEALTH",
        "Dimension health",
        "A dimension is red with any red signal, amber with any amber signal or when J is "
        "below this score, green otherwise.",
    ),
)

THRESHOLDS: tuple[Threshold, ...] = (
    Threshold("level_amber", "LEVEL", "Amber when J is below", "points", 0, 100),
    Threshold("level_red", "LEVEL", "Red when J is below", "points", 0, 100),
    Threshold(
        "gap_amber", "GAP", "Amber when the gap is at least (either way)", "points", 0, 100, True
    ),
    Threshold(
        "gap_red", "GAP", "Red when the gap is at least (either way)", "points", 0, 100, True
    ),
    Threshold(
        "gap_red_g",
        "GAP",
        "Red also needs an effect size g of at least (either way)",
        "g",
        0,
        10,
        True,
    ),
    Threshold(
        "trend_amber",
        "TREND",
        "Amber when J fell over two cycles by at least",
        "points",
        0,
        100,
        True,
    ),
    Threshold(
        "trend_red_2",
        "TREND",
        "Red when J fell over two cycles by at least",
        "points",
        0,
        100,
        True,
    ),
    Threshold(
        "trend_red_1",
        "TREND",
        "Red when J fell since the previous cycle by at least",
        "points",
        0,
        100,
        True,
    ),
    Threshold(
        "divergence",
        "DIVERGENCE",
        "Amber when the gap widened over two cycles by at least",
        "points",
        0,
        100,
        True,
    ),
    Threshold(
        "rwg_min", "CONSENSUS", "Amber when an organization's agreement rwg is below", "rwg", -1, 1
    ),
    Threshold(
        "polarized_share",
        "CONSENSUS",
        "Red (polarized) when both favorable and unfavorable answers reach",
        "percent",
        0,
        50,
        True,
    ),
    Threshold(
        "participation_amber",
        "PARTICIPATION",
        "Amber when an organization's participation is below",
        "percent",
        0,
        100,
    ),
    Threshold(
        "participation_red",
        "PARTICIPATION",
        "Red when an organization's participation is below",
        "percent",
        0,
        100,
    ),
    Threshold(
        "participation_drop",
        "PARTICIPATION",
        "Amber when an organization's participation fell since the previous cycle by at least",
        "pp",
        0,
        100,
        True,
    ),
    Threshold(
        "participation_diff",
        "PARTICIPATION",
        "Amber when the two organizations' participation differs by at least",
        "pp",
        0,
        100,
        True,
    ),
    Threshold(
        "signs_amber",
        "EARLY_WARNING_SIGNS",
        "Amber when one organization shows at least this many of the ten signs",
        "count",
        1,
        10,
    ),
    Threshold(
        "signs_red",
        "EARLY_WARNING_SIGNS",
        "Red when one organization shows at least this many of the ten signs",
        "count",
        1,
        10,
    ),
    Threshold("health_amber_j", "HEALTH", "At least amber when J is below", "points", 0, 100),
)
THRESHOLDS_BY_NAME = {t.name: t for t in THRESHOLDS}
THRESHOLD_DEFAULTS: dict[str, float] = {
    f.name: f.default  # type: ignore[misc]
    for f in dataclasses.fields(Settings)
    if f.name != "min_group"
}

#: Settings fields kept in ``Partnership.thresholds`` that this page does not edit (none today;
#: min_group is a column of its own).
_OTHER_SETTINGS = frozenset(THRESHOLD_DEFAULTS) - frozenset(THRESHOLDS_BY_NAME)

#: Red must be at least as strict as amber: (red, amber, "<=" or ">=" between them).
THRESHOLD_ORDER: tuple[tuple[str, str, str], ...] = (
    ("level_red", "level_amber", "<="),
    ("gap_red", "gap_amber", ">="),
    ("trend_red_2", "trend_amber", ">="),
    ("participation_red", "participation_amber", "<="),
    ("signs_red", "signs_amber", ">="),
)


def plain_number(value: float) -> str:
    """60, 12.5, 0.25: as a person would type it (no trailing zeros, no exponent)."""
    if float(value).is_integer():
        return str(int(value))
    return f"{Decimal(repr(float(value))).normalize():f}"


class ThresholdsRefused(PartnershipError):
    """The thresholds were refused; ``errors`` lists (field name or None, message)."""

    def __init__(self, errors: list[tuple[str | None, str]]) -> None:
        super().__init__(" ".join(message for _, message in errors))
        self.errors = errors


@dataclass(frozen=True)
class ThresholdRow:
    """One threshold of a partnership: its current (stored) value and whether it is an
    override of scoring.md's default."""

    spec: Threshold
    value: float

    @property
    def is_override(self) -> bool:
        return not _same(self.value, self.spec.default)


def _same(a: float, b: float) -> bool:
    return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-12)


def current_thresholds(partnership: Partnership) -> dict[str, ThresholdRow]:
    """Every threshold of the partnership, by field name: its override, else the default.
    Keys of ``partnership.thresholds`` that are not thresholds are ignored, as scoring does."""
    stored = partnership.thresholds or {}
    rows = {}
    for spec in THRESHOLDS:
        raw = stored.get(spec.name, spec.default)
        try:
            value = int(raw) if spec.whole else float(raw)
        except (TypeError, ValueError):
            value = spec.default
        rows[spec.name] = ThresholdRow(spec, value)
    return rows


def _check_thresholds(partnership: Partnership, typed: dict[str, float | None]) -> dict[str, float]:
    """The stored values of the typed thresholds, or ThresholdsRefused with every reason."""
    errors: list[tuple[str | None, str]] = []
    stored: dict[str, float] = {}
    for spec in THRESHOLDS:
        value = typed.get(spec.name)
        if value is None:
            errors.append((spec.name, f"Enter a value (the default is {spec.show(spec.default)})."))
            continue
        problem = spec.check(value)
        if problem:
            errors.append((spec.name, problem))
            continue
        stored[spec.name] = spec.to_stored(value)
    for red, amber, relation in THRESHOLD_ORDER:
        if red not in stored or amber not in stored:
            continue
        red_spec, amber_spec = THRESHOLDS_BY_NAME[red], THRESHOLDS_BY_NAME[amber]
        if relation == "<=" and stored[red] > stored[amber] + 1e-12:
            errors.append(
                (
                    red,
                    f"Red must be at most the amber value ({amber_spec.show(stored[amber])}), "
                    "so that red is the stricter warning.",
                )
            )
        elif relation == ">=" and stored[red] < stored[amber] - 1e-12:
            errors.append(
                (
                    red,
                    f"Red must be at least the amber value ({amber_spec.show(stored[amber])}), "
                    "so that red is the stricter warning.",
                )
            )
        del red_spec
    if not errors:
        try:
            Settings(min_group=partnership.min_group, **cast(dict[str, Any], stored))
        except (TypeError, ValueError) as exc:
            errors.append((None, f"The scoring rules refuse these thresholds: {exc}"))
    if errors:
        raise ThresholdsRefused(errors)
    return stored


@db.writes
def save_thresholds(partnership: Partnership, typed: dict[str, float | None]) -> list[str]:
    """Set the partnership's early-warning thresholds from what a coach typed (percentages
    for shares). Stores only the values that differ from scoring.md's default; overrides of
    settings this page does not show are kept. Refuses (ThresholdsRefused, nothing changed)
    out-of-range values, red laxer than amber, and whatever ``Settings`` refuses. Returns the
    names now overridden. Commits."""
    stored = _check_thresholds(partnership, typed)
    kept = {
        name: value
        for name, value in (partnership.thresholds or {}).items()
        if name in _OTHER_SETTINGS
    }
    overrides = {
        name: value
        for name, value in stored.items()
        if not _same(value, THRESHOLDS_BY_NAME[name].default)
    }
    # a new dict, so SQLAlchemy sees the JSON column change
    partnership.thresholds = {**kept, **overrides}
    db.session.commit()
    log.info("partnership %s: %d threshold overrides", partnership.id, len(overrides))
    return sorted(overrides)


@db.writes
def restore_default_thresholds(partnership: Partnership) -> None:
    """Drop every override: the partnership follows scoring.md's defaults again. Commits."""
    partnership.thresholds = {}
    db.session.commit()
    log.info("partnership %s: thresholds restored to the defaults", partnership.id)
