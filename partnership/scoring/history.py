"""What a previous closed survey of the same lineage contributes to the current one's signals.

Prior surveys come from stored snapshots (the JSON of ``SurveyResult.to_dict``), so a
``HistoryPoint`` is built from that dict, or from a ``SurveyResult`` in memory. Values that
were withheld in the prior survey are None there too: a condition that needs them is not met.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from partnership.scoring.model import ORGS
from partnership.scoring.result import SurveyResult
from partnership.scoring.signals import PriorSignal


@dataclass(frozen=True)
class HistoryPoint:
    """J and G per dimension key, R per organization, and the survey's signals."""

    J: Mapping[str, float | None] = field(default_factory=dict)
    G: Mapping[str, float | None] = field(default_factory=dict)
    R: Mapping[str, float | None] = field(default_factory=dict)
    signals: tuple[PriorSignal, ...] = ()

    def __post_init__(self) -> None:
        for name in ("J", "G", "R"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))
        object.__setattr__(self, "signals", tuple(self.signals))

    @classmethod
    def from_result(cls, result: SurveyResult) -> HistoryPoint:
        return history_point_from_result(result)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HistoryPoint:
        return history_point_from_dict(data)


def history_point_from_result(result: SurveyResult) -> HistoryPoint:
    return HistoryPoint(
        J={d.dimension: d.J.value for d in result.dimensions},
        G={d.dimension: d.G.value for d in result.dimensions},
        R={o.org: o.R.value for o in result.organizations},
        signals=tuple(
            PriorSignal(s.rule, s.dimension, s.severity, s.kpi_id) for s in result.signals
        ),
    )


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def history_point_from_dict(data: Mapping[str, Any]) -> HistoryPoint:
    """Read back the dict of ``SurveyResult.to_dict`` (a stored snapshot)."""
    dims = data.get("dimensions") or []
    orgs = data.get("organizations") or {}
    return HistoryPoint(
        J={d["dimension"]: _float(d.get("J")) for d in dims},
        G={d["dimension"]: _float(d.get("G")) for d in dims},
        R={o: _float(orgs[o].get("R")) for o in ORGS if o in orgs},
        signals=tuple(
            PriorSignal(s["rule"], s.get("dimension"), s["severity"], s.get("kpi_id"))
            for s in data.get("signals") or []
        ),
    )
