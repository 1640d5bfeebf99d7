from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField
from wtforms.validators import NumberRange, Optional

from partnership.forms import choices
from partnership.surveys.schedule import CADENCES, MAX_REMINDER_DAYS


class PlanForm(FlaskForm):
    """The partnership's reminder plan and cycle cadence."""

    first_reminder = IntegerField(
        "First reminder, days before closing",
        validators=[Optional(), NumberRange(1, MAX_REMINDER_DAYS)],
        description="Empty: no planned reminder.",
    )
    second_reminder = IntegerField(
        "Second reminder, days before closing",
        validators=[Optional(), NumberRange(1, MAX_REMINDER_DAYS)],
        description="Empty: one planned reminder at most.",
    )
    cadence = SelectField("Next quarter's cycle", choices=choices(CADENCES.items()))
