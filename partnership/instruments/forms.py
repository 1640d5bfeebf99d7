"""Forms of the instrument editor. They check shape; the services enforce the rules."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from partnership.forms import choices
from partnership.instruments.models import InstrumentVersion
from partnership.instruments.services import KIND_LABELS, dimension_label

NO_DIMENSION = ""


class InstrumentForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(message="Give the instrument a name.")])
    description = TextAreaField(
        "Description",
        validators=[Optional()],
        description="Shown to the coach and as the survey's introduction. "
        "{partner} stands for the other organization's name.",
    )
    audience = StringField(
        "Usual audience", validators=[Optional()], description="Who is usually invited."
    )
    minutes = IntegerField(
        "Minutes to answer",
        default=5,
        validators=[
            InputRequired(message="Give the time to answer in minutes."),
            NumberRange(min=1, max=120),
        ],
    )


class ItemForm(FlaskForm):
    text = TextAreaField(
        "Question",
        validators=[DataRequired(message="Write the question.")],
        description="One idea, plain words, at most 300 characters. Write {partner} where the "
        "other organization's name belongs.",
    )
    kind = SelectField("Response scale", choices=choices(KIND_LABELS.items()))
    dimension = SelectField(
        "Dimension",
        description="Scored items belong to a dimension; an agreement item without one is "
        "reported on its own (like the overall item).",
    )
    is_reverse = BooleanField(
        "Reverse-keyed: agreeing (or “every cycle”) is the unfavourable answer"
    )
    allow_na = BooleanField("Offer “Not applicable”", default=True)
    is_required = BooleanField("Answer required")
    sign = SelectField(
        "Early-warning sign",
        choices=choices([(NO_DIMENSION, "None"), *((str(n), f"Sign {n}") for n in range(1, 11))]),
        description="Only for frequency items of a plan-and-execution check. A sign is always "
        "scored as “more often is worse”, so it is saved reverse-keyed.",
    )
    help = StringField("Hint under the question", validators=[Optional()])

    def set_dimensions(self, version: InstrumentVersion) -> None:
        self.dimension.choices = choices(
            [
                (NO_DIMENSION, "None (not scored in a dimension)"),
                *((key, dimension_label(key, version)) for key in version.dimensions),
            ]
        )


class DimensionForm(FlaskForm):
    label = StringField(
        "New dimension",
        validators=[DataRequired(message="Name the dimension.")],
        description="Its key is made from the name, e.g. “Supplier quality” → supplier_quality.",
    )
