"""The brief's web page, frozen with the version it belongs to.

An issued version stores its PDF byte for byte; its web page (``briefs.html.page``) must say
the same thing after any later edit of the records (an action done, a decision made, a comment
hidden). So the page's display data is stored beside the PDF, as JSON, when the version is
issued, and read back for that version instead of being built again.

The display data is dicts, lists, tuples, strings, numbers, dates, ``Markup`` (the charts' SVG)
and frozen dataclasses of the brief's model and of the presenters. Tuples, dates, ``Markup``
and dataclasses are written as one-key objects (``{"__tuple__": [...]}``, ...); a dataclass
names its class, which must be one of ``_CLASSES``: reading never builds anything else.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

from markupsafe import Markup

from partnership.briefs import html, model
from partnership.results import presenters

#: The only classes a stored page may name: the brief model's, the page's badge, a value.
_CLASSES: dict[str, type] = {
    **{
        f"model.{name}": cls
        for name, cls in vars(model).items()
        if isinstance(cls, type) and dataclasses.is_dataclass(cls)
    },
    "html.Badge": html.Badge,
    "presenters.Value": presenters.Value,
}
_NAMES = {cls: name for name, cls in _CLASSES.items()}


def _encode(obj: Any) -> Any:
    if obj is None or isinstance(obj, (bool, int, float)):
        return obj
    if isinstance(obj, Markup):
        return {"__markup__": str(obj)}
    if isinstance(obj, str):
        return obj
    if isinstance(obj, dt.datetime):
        return {"__datetime__": obj.isoformat()}
    if isinstance(obj, dt.date):
        return {"__date__": obj.isoformat()}
    if isinstance(obj, tuple):
        return {"__tuple__": [_encode(x) for x in obj]}
    if isinstance(obj, list):
        return [_encode(x) for x in obj]
    if isinstance(obj, dict):
        if not all(isinstance(k, str) for k in obj):
            raise TypeError("a stored brief page has string keys only")
        if any(k.startswith("__") for k in obj):
            raise TypeError("a stored brief page has no keys starting with '__'")
        return {k: _encode(v) for k, v in obj.items()}
    name = _NAMES.get(type(obj))
    if name is not None:
        fields = {f.name: _encode(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
        return {"__dataclass__": name, "fields": fields}
    raise TypeError(f"a brief page cannot store a {type(obj).__name__}")


def _decode(obj: Any) -> Any:
    if isinstance(obj, list):
        return [_decode(x) for x in obj]
    if not isinstance(obj, dict):
        return obj
    if "__dataclass__" in obj:
        cls = _CLASSES.get(obj["__dataclass__"])
        if cls is None:
            raise ValueError(f"unknown class in a stored brief page: {obj['__dataclass__']!r}")
        return cls(**{k: _decode(v) for k, v in obj["fields"].items()})
    if "__tuple__" in obj:
        return tuple(_decode(x) for x in obj["__tuple__"])
    if "__markup__" in obj:
        return Markup(obj["__markup__"])  # noqa: S704 - our own SVG, stored as rendered
    if "__datetime__" in obj:
        return dt.datetime.fromisoformat(obj["__datetime__"])
    if "__date__" in obj:
        return dt.date.fromisoformat(obj["__date__"])
    return {k: _decode(v) for k, v in obj.items()}


def dumps(page: dict[str, Any]) -> str:
    """The page's display data (``briefs.html.page``) as JSON."""
    return json.dumps(_encode(page), ensure_ascii=False, separators=(",", ":"))


def loads(text: str, *, hidden_comments: frozenset[str] | set[str] = frozenset()) -> dict[str, Any]:
    """The display data ``dumps`` wrote, as it was, but for the comments a coach has hid
    since (``hidden_comments``, their texts): hiding a comment that names a person takes it
    off every page, this one included. (The PDF was sent as it was; a new version leaves
    the comment out.)"""
    page = _decode(json.loads(text))
    if not isinstance(page, dict):
        raise ValueError("a stored brief page is an object")
    if hidden_comments:
        page["comments"] = [
            {
                **group,
                "comments": (
                    tuple(c for c in group["comments"] if c not in hidden_comments)
                    if group["comments"] is not None
                    else None
                ),
            }
            for group in page.get("comments", [])
        ]
    return page
