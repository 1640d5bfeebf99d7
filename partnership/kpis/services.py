"""Shared and local KPIs of a partnership, and their values per cycle.

Every public function that changes data is one use case and commits once. The values of a
cycle feed the KPI rule of the early-warning signals (scoring.md section 6) through
``kpi_statuses``, which the results service calls when it scores a survey of the cycle; the
snapshot frozen at the survey's close keeps them as they stood then.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError

from partnership.accounts.models import User
from partnership.db import utcnow
from partnership.errors import Refused
from partnership.extensions import db
from partnership.kpis.models import DIRECTIONS, SCOPES, Kpi, KpiValue
from partnership.partnerships.models import Partnership
from partnership.scoring import KpiStatus, kpi_on_target
from partnership.surveys.models import Cycle

log = logging.getLogger(__name__)


class KpiError(Refused):
    """A use case refused, with a message fit for the user; `field` names the form field the
    message belongs to, when there is one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass
class KpiData:
    """A KPI as the coach describes it. For a shared KPI the organization, function and link
    are ignored (stored empty)."""

    name: str
    scope: str
    direction: str
    target: float | None
    unit: str = ""
    organization_id: int | None = None
    function: str | None = None
    linked_to_id: int | None = None


# --- listing --------------------------------------------------------------------------------


def display_order(kpis: Iterable[Kpi]) -> list[Kpi]:
    """Shared KPIs by position, each followed by the local KPIs linked to it, then the local
    KPIs linked to none of them (pages, the values form and the snapshot use this order)."""
    rows = sorted(kpis, key=lambda k: (k.position, k.id))
    shared_ids = {k.id for k in rows if k.is_shared}
    children: dict[int, list[Kpi]] = {}
    for k in rows:
        if not k.is_shared and k.linked_to_id in shared_ids:
            children.setdefault(k.linked_to_id, []).append(k)
    out: list[Kpi] = []
    for k in rows:
        if k.is_shared:
            out.append(k)
            out.extend(children.get(k.id, []))
    out.extend(k for k in rows if not k.is_shared and k.linked_to_id not in shared_ids)
    return out


def list_kpis(partnership: Partnership, *, include_inactive: bool = True) -> list[Kpi]:
    """The partnership's KPIs in display order."""
    stmt = select(Kpi).where(Kpi.partnership_id == partnership.id)
    if not include_inactive:
        stmt = stmt.where(Kpi.is_active.is_(True))
    return display_order(db.session.scalars(stmt))


def link_choices(partnership: Partnership, kpi: Kpi | None = None) -> list[Kpi]:
    """Shared KPIs a local KPI may be linked to: the active ones, and the current link."""
    return [
        k
        for k in list_kpis(partnership)
        if k.is_shared
        and (kpi is None or k.id != kpi.id)
        and (k.is_active or (kpi is not None and kpi.linked_to_id == k.id))
    ]


def is_on_target(kpi: Kpi, value: KpiValue | None) -> bool | None:
    """The recorded value against the target recorded with it; None when not recorded."""
    if value is None:
        return None
    return kpi_on_target(value.value, value.target, kpi.direction)


@dataclass(frozen=True)
class LatestValue:
    value: KpiValue
    cycle_label: str
    on_target: bool | None


def latest_values(partnership: Partnership) -> dict[int, LatestValue]:
    """Each KPI's value of the most recent cycle (by creation) that has one."""
    rows = db.session.execute(
        select(KpiValue, Cycle.label, Kpi)
        .join(Cycle, Cycle.id == KpiValue.cycle_id)
        .join(Kpi, Kpi.id == KpiValue.kpi_id)
        .where(Kpi.partnership_id == partnership.id)
        .order_by(Cycle.created_at, Cycle.id)
    ).all()
    return {
        kpi.id: LatestValue(value, label, is_on_target(kpi, value)) for value, label, kpi in rows
    }


def cycle_values(cycle: Cycle) -> dict[int, KpiValue]:
    """The KPI values recorded for the cycle, by KPI id."""
    rows = db.session.scalars(select(KpiValue).where(KpiValue.cycle_id == cycle.id))
    return {v.kpi_id: v for v in rows}


def previous_cycle(cycle: Cycle) -> Cycle | None:
    """The partnership's cycle before this one (cycles ordered by creation time, then id)."""
    return db.session.scalar(
        select(Cycle)
        .where(
            Cycle.partnership_id == cycle.partnership_id,
            or_(
                Cycle.created_at < cycle.created_at,
                and_(Cycle.created_at == cycle.created_at, Cycle.id < cycle.id),
            ),
        )
        .order_by(Cycle.created_at.desc(), Cycle.id.desc())
        .limit(1)
    )


# --- the KPI rule's input -------------------------------------------------------------------


def kpi_statuses(cycle: Cycle) -> tuple[KpiStatus, ...]:
    """The partnership's active KPIs with their values in ``cycle`` and in the cycle before
    it, each with the target recorded beside it, in display order.

    Only active KPIs take part: a deactivated KPI is no longer tracked, so it leaves the
    signals and every snapshot frozen from now on (a re-score included), while snapshots
    frozen before keep it. A shared KPI's ``linked_local_ids`` are its active local KPIs, the
    ones the local-optimization rule weighs.
    """
    partnership = db.session.get(Partnership, cycle.partnership_id)
    assert partnership is not None
    kpis = list_kpis(partnership, include_inactive=False)
    now = cycle_values(cycle)
    before = previous_cycle(cycle)
    prev = cycle_values(before) if before is not None else {}
    letters = {o.id: o.letter for o in partnership.organizations}
    shared_ids = {k.id for k in kpis if k.is_shared}
    locals_of: dict[int, list[str]] = {}
    for k in kpis:
        if not k.is_shared and k.linked_to_id in shared_ids:
            locals_of.setdefault(k.linked_to_id, []).append(str(k.id))
    out = []
    for k in kpis:
        v, p = now.get(k.id), prev.get(k.id)
        out.append(
            KpiStatus(
                kpi_id=str(k.id),
                name=k.name,
                scope=k.scope,
                direction=k.direction,
                value=v.value if v else None,
                target=v.target if v else None,
                prev_value=p.value if p else None,
                prev_target=p.target if p else None,
                unit=k.unit,
                organization=letters.get(k.organization_id) if k.organization_id else None,
                function=k.function,
                linked_to=str(k.linked_to_id) if k.linked_to_id in shared_ids else None,
                linked_local_ids=tuple(locals_of.get(k.id, ())),
            )
        )
    return tuple(out)


# --- editing KPIs ---------------------------------------------------------------------------


def _finite(value: float | None, field: str, what: str) -> float:
    if value is None:
        raise KpiError(f"Give the {what}.", field=field)
    if not math.isfinite(value):
        raise KpiError(f"The {what} must be a number.", field=field)
    return float(value)


def _check(partnership: Partnership, data: KpiData, kpi: Kpi | None = None) -> KpiData:
    """The data cleaned (shared KPIs lose organization, function and link), or a refusal."""
    name = " ".join((data.name or "").split())
    if not name:
        raise KpiError("Give the KPI a name.", field="name")
    if len(name) > 200:
        raise KpiError("A name may have at most 200 characters.", field="name")
    taken = select(Kpi.id).where(
        Kpi.partnership_id == partnership.id, func.lower(Kpi.name) == name.lower()
    )
    if kpi is not None:
        taken = taken.where(Kpi.id != kpi.id)
    if db.session.scalar(taken) is not None:
        raise KpiError(f"This partnership already has a KPI named “{name}”.", field="name")
    unit = (data.unit or "").strip()
    if len(unit) > 40:
        raise KpiError("A unit may have at most 40 characters.", field="unit")
    if data.scope not in SCOPES:
        raise KpiError("Choose shared or local.", field="scope")
    if data.direction not in DIRECTIONS:
        raise KpiError("Choose whether higher or lower is better.", field="direction")
    target = _finite(data.target, "target", "target")
    if data.scope == "shared":
        return KpiData(name, "shared", data.direction, target, unit)
    if kpi is not None and kpi.is_shared:
        linked_names = list(db.session.scalars(select(Kpi.name).where(Kpi.linked_to_id == kpi.id)))
        if linked_names:
            raise KpiError(
                "Local KPIs are linked to this shared KPI ("
                + ", ".join(linked_names)
                + "); link them elsewhere before making it local.",
                field="scope",
            )
    if data.organization_id not in {o.id for o in partnership.organizations}:
        raise KpiError(
            "A local KPI belongs to one of the two organizations: choose it.",
            field="organization_id",
        )
    function = data.function or None
    if function is not None and function not in partnership.functions:
        raise KpiError(f"Unknown function {function!r}.", field="function")
    linked_to_id = data.linked_to_id or None
    if linked_to_id is not None:
        shared = db.session.get(Kpi, linked_to_id)
        if (
            shared is None
            or shared.partnership_id != partnership.id
            or not shared.is_shared
            or (kpi is not None and shared.id == kpi.id)
        ):
            raise KpiError(
                "Link a local KPI to one of this partnership's shared KPIs.", field="linked_to_id"
            )
    return KpiData(
        name, "local", data.direction, target, unit, data.organization_id, function, linked_to_id
    )


def _apply(kpi: Kpi, data: KpiData) -> None:
    kpi.name = data.name
    kpi.unit = data.unit
    kpi.scope = data.scope
    kpi.direction = data.direction
    kpi.target = data.target  # type: ignore[assignment]
    kpi.organization_id = data.organization_id
    kpi.function = data.function
    kpi.linked_to_id = data.linked_to_id


@db.writes
def create_kpi(partnership: Partnership, data: KpiData) -> Kpi:
    """Add a KPI after the partnership's others. Commits."""
    clean = _check(partnership, data)
    last = db.session.scalar(
        select(func.max(Kpi.position)).where(Kpi.partnership_id == partnership.id)
    )
    kpi = Kpi(partnership_id=partnership.id, position=(last or 0) + 1)
    _apply(kpi, clean)
    db.session.add(kpi)
    _commit_or_refuse(clean.name)
    log.info("KPI %s created in partnership %s", kpi.id, partnership.id)
    return kpi


@db.writes
def update_kpi(partnership: Partnership, kpi: Kpi, data: KpiData) -> None:
    """Edit a KPI. A new target applies to values recorded from now on; recorded values keep
    theirs. Commits."""
    clean = _check(partnership, data, kpi)
    _apply(kpi, clean)
    _commit_or_refuse(clean.name)


def _commit_or_refuse(name: str) -> None:
    try:
        db.session.commit()
    except IntegrityError:  # the same name saved concurrently
        db.session.rollback()
        raise KpiError(f"This partnership already has a KPI named “{name}”.", field="name")


@db.writes
def set_kpi_active(kpi: Kpi, active: bool) -> None:
    """Deactivate (no longer tracked: no new values, no signals) or reactivate a KPI; its
    recorded values stay. Commits."""
    kpi.is_active = active
    db.session.commit()


# --- values of a cycle ----------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """What the coach typed for one KPI: no value means not recorded (an existing value is
    cleared)."""

    value: float | None
    target: float | None


@dataclass(frozen=True)
class Saved:
    recorded: int
    cleared: int


@db.writes
def record_values(
    partnership: Partnership, cycle: Cycle, entries: Mapping[int, Entry], user: User | None
) -> Saved:
    """Record, change or clear the cycle's values of the partnership's active KPIs, all or
    nothing. Each value is stored with the target typed beside it (the KPI's current target
    by default). A value that does not change keeps who recorded it and when. Commits."""
    active = {k.id: k for k in list_kpis(partnership, include_inactive=False)}
    unknown = [kpi_id for kpi_id in entries if kpi_id not in active]
    if unknown:
        raise KpiError("Some of these KPIs are no longer tracked; reload the page.")
    clean: dict[int, tuple[float, float] | None] = {}
    for kpi_id, entry in entries.items():  # check everything before changing anything
        name = active[kpi_id].name
        clean[kpi_id] = (
            None
            if entry.value is None
            else (
                _finite(entry.value, f"value_{kpi_id}", f"value of “{name}”"),
                _finite(entry.target, f"target_{kpi_id}", f"target of “{name}”"),
            )
        )
    existing = cycle_values(cycle)
    recorded = cleared = 0
    for kpi_id, pair in clean.items():
        row = existing.get(kpi_id)
        if pair is None:
            if row is not None:
                db.session.delete(row)
                cleared += 1
            continue
        if row is None:
            row = KpiValue(kpi_id=kpi_id, cycle_id=cycle.id)
            db.session.add(row)
        elif (row.value, row.target) == pair:
            continue
        row.value, row.target = pair
        row.recorded_by_id = user.id if user is not None else None
        row.recorded_at = utcnow()
        recorded += 1
    try:
        db.session.commit()
    except IntegrityError:  # another coach recorded the same KPI a moment earlier
        db.session.rollback()
        raise KpiError("Someone saved these values at the same moment; reload and try again.")
    log.info("cycle %s: %s KPI values recorded, %s cleared", cycle.id, recorded, cleared)
    return Saved(recorded, cleared)
