"""Form helpers shared by every domain."""

from __future__ import annotations

from collections.abc import Iterable

from wtforms.fields.choices import SelectChoice


def choices(pairs: Iterable[tuple[object, str]] | Iterable[str]) -> list[SelectChoice]:
    """SelectField choices from (value, label) pairs or plain values (WTForms 3.3 style)."""
    out = []
    for pair in pairs:
        if isinstance(pair, tuple):
            out.append(SelectChoice(pair[0], pair[1]))  # type: ignore[arg-type]
        else:
            out.append(SelectChoice(pair, pair))
    return out
