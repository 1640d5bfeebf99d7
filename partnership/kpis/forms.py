"""Forms of the KPI pages. They check shape; the services enforce the rules (unique names, a
local KPI's organization, links to shared KPIs only)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from flask_wtf import FlaskForm
from wtforms import FloatField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import TextInput

from partnership.forms import choices
from partnership.kpis.models import DIRECTIONS, SCOPES, Kpi, KpiValue
from partnership.kpis.services import Entry

NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
NUMBER_MESSAGE = "Enter a number with a decimal point and no thousands separators, e.g. 92.5."
NONE = 0  # the "none" choice of the organization and link selects


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


class KpiForm(FlaskForm):
    name = StringField(
        "Name", validators=[DataRequired(message="Give the KPI a name."), Length(max=200)]
    )
    scope = SelectField(
        "Kind",
        choices=choices(SCOPES.items()),
        description="A shared KPI is a result of the whole partnership; a local KPI is one "
        "organization's own target.",
    )
    organization_id = SelectField(
        "Organization",
        coerce=int,
        description="Local KPIs only: the organization whose own target it is.",
    )
    function = SelectField(
        "Function", description="Local KPIs only, optional: the function that owns the target."
    )
    linked_to_id = SelectField(
        "Serves the shared KPI",
        coerce=int,
        description="Local KPIs only, optional. When the shared KPI misses its target while every "
        "local KPI linked to it hits its own, the results raise a local-optimization signal.",
    )
    direction = SelectField("Direction", choices=choices(DIRECTIONS.items()))
    target = NumberField(
        "Target",
        validators=[InputRequired(message="Give the target.")],
        description="The current target. Each recorded value keeps the target it was "
        "recorded against, so changing it here does not rewrite past cycles.",
    )
    unit = StringField(
        "Unit",
        validators=[Optional(), Length(max=40)],
        description="Optional, e.g. %, EUR, days.",
    )

    def set_choices(self, partnership: Any, shared: Sequence[Kpi]) -> None:
        self.organization_id.choices = choices(
            [(NONE, "None (shared KPI)"), *((o.id, o.name) for o in partnership.organizations)]
        )
        self.function.choices = choices(
            [
                ("", "Any (the whole organization)"),
                *((f, f.capitalize()) for f in partnership.functions),
            ]
        )
        self.linked_to_id.choices = choices([(NONE, "None"), *((k.id, k.name) for k in shared)])


class KpiValuesForm(FlaskForm):
    """A value and a target field per KPI (``value_<id>``, ``target_<id>``); build it with
    ``kpi_values_form``. A blank value means not recorded."""

    kpi_ids: list[int]

    def validate(self, extra_validators: Mapping[str, Any] | None = None) -> bool:
        ok = super().validate(extra_validators)
        for kpi_id in self.kpi_ids:
            value, target = self[f"value_{kpi_id}"], self[f"target_{kpi_id}"]
            if value.data is not None and target.data is None and not target.errors:
                target.errors = [*target.errors, "Give the target this value is measured against."]
                ok = False
        return ok

    def entries(self) -> dict[int, Entry]:
        return {
            kpi_id: Entry(self[f"value_{kpi_id}"].data, self[f"target_{kpi_id}"].data)
            for kpi_id in self.kpi_ids
        }


def kpi_values_form(kpis: Sequence[Kpi], recorded: Mapping[int, KpiValue]) -> KpiValuesForm:
    """The values form of a cycle: each KPI's recorded value and its target, or, where none is
    recorded, a blank value and the KPI's current target."""

    class Form(KpiValuesForm):
        pass

    for kpi in kpis:
        row = recorded.get(kpi.id)
        setattr(
            Form,
            f"value_{kpi.id}",
            NumberField(
                f"{kpi.name}: value", validators=[Optional()], default=row.value if row else None
            ),
        )
        setattr(
            Form,
            f"target_{kpi.id}",
            NumberField(
                f"{kpi.name}: target",
                validators=[Optional()],
                default=row.target if row else kpi.target,
            ),
        )
    form = Form()
    form.kpi_ids = [k.id for k in kpis]
    return form
