"""The rows two charts of the results page draw, as plain data: the presenters build them
without importing ReportLab, which `partnership.results.charts` loads when a chart is drawn
(a worker that never draws one never loads it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GapRow:
    """One dimension of the gap chart: G = S_A - S_B with its 95% interval."""

    label: str
    gap: float | None
    low: float | None = None
    high: float | None = None
    confirmed: bool | None = None
    census: bool | None = None


@dataclass(frozen=True)
class SplitRow:
    """Shares (0..1) of favorable, neutral and unfavorable answers of one organization."""

    dimension: str
    org: str  # "A" | "B"
    org_name: str
    favorable: float | None
    neutral: float | None
    unfavorable: float | None
