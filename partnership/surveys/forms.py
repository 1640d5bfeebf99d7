"""Forms of the coach's cycle and survey pages. They check shape; the services enforce the
rules (unique labels, usable instruments, one survey per lineage and cycle)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeLocalField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from partnership.forms import choices
from partnership.partnerships.models import LEVELS

LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class CheckboxListField(SelectMultipleField):
    """Several choices as a list of checkboxes (empty is allowed)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CycleForm(FlaskForm):
    label = StringField(
        "Label",
        validators=[Optional(), Length(max=40)],
        description="Usually the quarter, e.g. 2026-Q4. Leave empty for the current quarter.",
    )
    starts_on = DateField("First day", validators=[Optional()])
    ends_on = DateField("Last day", validators=[Optional()])


class SurveyForm(FlaskForm):
    instrument_id = SelectField(
        "Instrument", coerce=int, validators=[DataRequired("Choose an instrument.")]
    )
    opens_at = DateTimeLocalField(
        "Planned opening",
        format=LOCAL_FORMATS,
        validators=[Optional()],
        description="Optional. Leave empty to open it by hand.",
    )
    closes_at = DateTimeLocalField(
        "Planned closing",
        format=LOCAL_FORMATS,
        validators=[Optional()],
        description="Shown to stakeholders in their invitation.",
    )
    target_functions = CheckboxListField("Functions", validators=[Optional()])
    target_levels = CheckboxListField(
        "Levels", choices=choices(LEVELS.items()), validators=[Optional()]
    )

    def validate_closes_at(self, field: DateTimeLocalField) -> None:
        if field.data and self.opens_at.data and field.data <= self.opens_at.data:
            raise ValidationError("The survey must close after it opens.")
