"""Forms of the KPI pages. They check shape; the services enforce the rules (unique names, a
local KPI's organization, links to shared KPIs only)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from partnership.forms import NumberField, choices
from partnership.kpis.models import DIRECTIONS, SCOPES, Kpi, KpiValue
from partnership.kpis.services import Entry

NONE = 0  # the "none" choice of the organization and link selects


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
