from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from partnership.forms import NumberField, choices
from partnership.partnerships.models import LEVELS
from partnership.partnerships.thresholds import THRESHOLDS, Threshold


class PartnershipForm(FlaskForm):
    name = StringField("Partnership name", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=4000)])
    start_date = DateField("Start date", validators=[Optional()])
    timezone = SelectField("Time zone", validators=[DataRequired()])
    org_a_name = StringField("First organization", validators=[DataRequired(), Length(max=200)])
    org_a_code = StringField(
        "Short code",
        validators=[
            DataRequired(),
            Length(max=12),
            Regexp(r"^[\w-]+$", message="Letters, digits, - and _ only."),
        ],
    )
    org_b_name = StringField("Second organization", validators=[DataRequired(), Length(max=200)])
    org_b_code = StringField(
        "Short code",
        validators=[
            DataRequired(),
            Length(max=12),
            Regexp(r"^[\w-]+$", message="Letters, digits, - and _ only."),
        ],
    )
    functions = StringField(
        "Functions (comma-separated)",
        validators=[DataRequired(), Length(max=1000)],
        description="The functions stakeholders belong to; used for breakdowns and targeting.",
    )
    min_group = IntegerField(
        "Privacy threshold",
        default=5,
        validators=[DataRequired(), NumberRange(min=3, max=50)],
        description="No value is shown for fewer persons than this (3 to 50; below 5 is labelled indicative).",
    )

    def validate_functions(self, field: StringField) -> None:
        keys = parse_functions(field.data or "")
        if not keys:
            raise ValidationError("Give at least one function.")
        if any(len(k) > 40 for k in keys):
            raise ValidationError("A function name may have at most 40 characters.")


def parse_functions(raw: str) -> list[str]:
    seen: list[str] = []
    for part in raw.split(","):
        key = part.strip().lower()
        if key and key not in seen:
            seen.append(key)
    return seen


class StakeholderForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    email = EmailField(
        "Email", validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)]
    )
    organization_id = SelectField("Organization", coerce=int, validators=[DataRequired()])
    function = SelectField("Function", validators=[DataRequired()])
    level = SelectField("Level", choices=choices(LEVELS.items()), validators=[DataRequired()])
    is_active = BooleanField("Active (receives surveys)", default=True)


class ImportForm(FlaskForm):
    file = FileField(
        "CSV file",
        validators=[
            FileRequired("Choose a CSV file."),
            FileAllowed(["csv", "txt"], "Upload a .csv file."),
        ],
    )
    complete = BooleanField(
        "This file is the complete list: deactivate active stakeholders it does not name"
    )


class CoachForm(FlaskForm):
    email = EmailField(
        "Coach's email", validators=[DataRequired(), Email(check_deliverability=False)]
    )


class InviteForm(FlaskForm):
    """A steering member to invite; the organization's choices are the partnership's A and B."""

    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    email = EmailField(
        "Email", validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)]
    )
    organization = SelectField("Represents", validators=[DataRequired()])


class ThresholdsForm(FlaskForm):
    """The early-warning thresholds, one field per ``thresholds.THRESHOLDS`` entry, typed as the
    coach reads them (shares as percentages). Checks numbers and ranges; the service checks
    them again with the rules between fields (red stricter than amber) and ``Settings``."""

    def typed(self) -> dict[str, float | None]:
        """What the coach typed, by threshold name."""
        return {spec.name: self[spec.name].data for spec in THRESHOLDS}


def _in_range(spec: Threshold):
    def check(_form: FlaskForm, field: NumberField) -> None:
        if field.data is not None:
            problem = spec.check(field.data)
            if problem:
                raise ValidationError(problem)

    return check


for _spec in THRESHOLDS:
    setattr(
        ThresholdsForm,
        _spec.name,
        NumberField(
            _spec.field_label,
            validators=[
                InputRequired(
                    message=f"Enter a number (the default is {_spec.show(_spec.default)})."
                ),
                _in_range(_spec),
            ],
        ),
    )
