"""Form helpers shared by every domain."""

from __future__ import annotations

from collections.abc import Iterable

from flask import flash
from flask_wtf import FlaskForm
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


def attach_error(form: FlaskForm, message: str, field: str | None) -> None:
    """Show a service's refusal next to the form field it names, else as a flash message."""
    if field and field in form:
        form[field].errors = [*form[field].errors, message]
    else:
        flash(message, "error")
