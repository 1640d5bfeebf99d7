"""Times as people read them: in the partnership's time zone, always with the zone's name.

One place for every page, email and export, so stakeholders and coaches see one format.
English day and month names whatever the server's locale.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def zone(name: str | None) -> ZoneInfo:
    """The named zone; UTC when the name is empty or unknown (never fails a page)."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def long_when(when: dt.datetime, zone_name: str) -> str:
    """For stakeholders: "Friday 14 June 2030, 17:00 (Europe/Berlin)"."""
    tz = zone(zone_name)
    local = when.astimezone(tz)
    return (
        f"{_DAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]} {local.year}, "
        f"{local:%H:%M} ({tz.key})"
    )


def short_when(when: dt.datetime | None, zone_name: str, *, empty: str = "—") -> str:
    """For tables and exports: "2030-06-14 17:00 Europe/Berlin"."""
    if when is None:
        return empty
    tz = zone(zone_name)
    return f"{when.astimezone(tz):%Y-%m-%d %H:%M} {tz.key}"


def short_date(when: dt.datetime, zone_name: str) -> str:
    """A day: "14 Jun 2030 (Europe/Berlin)"."""
    tz = zone(zone_name)
    local = when.astimezone(tz)
    return f"{local.day} {_MONTHS[local.month - 1][:3]} {local.year} ({tz.key})"


def duration(delta: dt.timedelta) -> str:
    """A length of time in at most two units: "45 s", "12 min", "2 h", "2 h 5 min",
    "3 days 4 h"."""
    seconds = max(0, int(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        first = f"{days} day{'s' if days != 1 else ''}"
        return f"{first} {hours} h" if hours else first
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min"
    return f"{secs} s"


def roughly(delta: dt.timedelta) -> str:
    """A length of time as one says it in passing: "3 months", "3 weeks", "5 days", "1 day",
    else as `duration` ("4 h 10 min"). Weeks from 14 days on and months from 61, rounded."""
    days = delta.total_seconds() / 86400
    if days >= 61:
        return f"{round(days / 30.44)} months"
    if days >= 14:
        return f"{round(days / 7)} weeks"
    if days >= 1:
        whole = int(days)
        return f"{whole} day{'s' if whole != 1 else ''}"
    return duration(delta)
