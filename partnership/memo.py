"""Values kept per process (per app) for things that never change once made: the questions of
a locked instrument version, a survey page without answers, the charts and comment list of a
frozen snapshot. The key must name everything the value depends on (for frozen results: the
snapshot's id, version and creation time, and the set of hidden comments), never a time: such
a value never goes stale, so nothing expires; a full store is simply emptied."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import current_app

_T = TypeVar("_T")


def kept(store: str, key: Hashable, build: Callable[[], _T], *, limit: int = 256) -> _T:
    """The value under `key` in the app's store `store`, built by `build()` the first time.
    At most `limit` values are kept per store: past that, the store starts again empty."""
    values: dict[Hashable, object] = current_app.extensions.setdefault("pp_kept:" + store, {})
    if key in values:
        return values[key]  # type: ignore[return-value]
    value = build()
    if len(values) >= limit:
        values.clear()
    values[key] = value
    return value
