"""Form helpers shared by every domain."""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from flask import flash
from flask_wtf import FlaskForm
from wtforms import FloatField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import TextInput

NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
NUMBER_MESSAGE = "Enter a number with a decimal point and no thousands separators, e.g. 92.5."


def choices(pairs: Iterable[tuple[object, str]] | Iterable[str]) -> list[SelectChoice]:
    """SelectField choices from (value, label) pairs or plain values (WTForms 3.3 style)."""
    out = []
    for pair in pairs:
        if isinstance(pair, tuple):
            out.append(SelectChoice(pair[0], pair[1]))
        else:
            out.append(SelectChoice(pair, pair))
    return out


def attach_error(form: FlaskForm, message: str, field: str | None) -> None:
    """Show a service's refusal next to the form field it names, else as a flash message."""
    if field and field in form:
        form[field].errors = [*form[field].errors, message]
    else:
        flash(message, "error")


class NumberField(FloatField):
    """A number typed with a decimal point (92.5, 4200000); empty is None. Spelled-out
    infinities, NaN and thousands separators are refused rather than guessed."""

    widget = TextInput()

    def __init__(self, label: str | None = None, validators: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(label, validators, invalid_value_message=NUMBER_MESSAGE, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        if self.data is None:
            return ""
        return f"{Decimal(repr(float(self.data))).normalize():f}"

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        text = str(valuelist[0]).strip()
        if not text:
            self.data = None
            return
        if not NUMBER.fullmatch(text):
            self.data = None
            raise ValueError(NUMBER_MESSAGE)
        self.data = float(text)
