"""Forms of the governance pages. They check shape; the services enforce the rules (owners who
are members, a reason to drop, the guards of a stage move)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from partnership.forms import choices
from partnership.governance import stages
from partnership.governance.issues import rule_label
from partnership.governance.playbook import RULES
from partnership.governance.services import (
    ACTION_STATUS_LABELS,
    ISSUE_STATUS_LABELS,
    TEXT_MAX,
    TITLE_MAX,
    Person,
)
from partnership.surveys.forms import CheckboxListField

NOBODY = 0


def _owner_choices(form: Any, partnership: Any, people: Sequence[Person]) -> None:
    form.owner_organization_id.choices = choices(
        [(NOBODY, "Not set"), *((o.id, o.name) for o in partnership.organizations)]
    )
    # names alone: an option's text is isolated for direction as a whole (user text)
    form.owner_user_id.choices = choices(
        [(NOBODY, "Not set"), *((p.user_id, p.name) for p in people)]
    )


class OwnerFields:
    owner_organization_id = SelectField("Owner organization", coerce=int, default=NOBODY)
    owner_user_id = SelectField(
        "Owner",
        coerce=int,
        default=NOBODY,
        description="A coach or a steering member of this partnership.",
    )


def none_if_nobody(value: int | None) -> int | None:
    return value or None


class IssueForm(FlaskForm, OwnerFields):
    title = StringField(
        "Title", validators=[DataRequired(message="Give the issue a title."), Length(max=TITLE_MAX)]
    )
    explanation = TextAreaField(
        "What is the problem?", validators=[Optional(), Length(max=TEXT_MAX)]
    )
    severity = SelectField("Severity", choices=choices([("red", "Red"), ("amber", "Amber")]))
    dimension = SelectField("Dimension", default="")

    def setup(
        self, partnership: Any, people: Sequence[Person], dimensions: Sequence[tuple[str, str]]
    ) -> None:
        _owner_choices(self, partnership, people)
        self.dimension.choices = choices([("", "None"), *dimensions])


class OwnerForm(FlaskForm, OwnerFields):
    def setup(self, partnership: Any, people: Sequence[Person]) -> None:
        _owner_choices(self, partnership, people)


class IssueStatusForm(FlaskForm):
    status = SelectField("Status", choices=choices(ISSUE_STATUS_LABELS.items()))
    reason = TextAreaField(
        "Reason or resolution",
        validators=[Optional(), Length(max=TEXT_MAX)],
        description="Required to drop the issue.",
    )


class ActionStatusForm(FlaskForm):
    status = SelectField("Status", choices=choices(ACTION_STATUS_LABELS.items()))
    reason = TextAreaField(
        "Reason or closing remark",
        validators=[Optional(), Length(max=TEXT_MAX)],
        description="Required to drop the action.",
    )


class CommentForm(FlaskForm):
    body = TextAreaField(
        "Comment",
        validators=[DataRequired(message="Write the comment first."), Length(max=TEXT_MAX)],
    )


class NoteForm(FlaskForm):
    body = TextAreaField(
        "Progress note",
        validators=[DataRequired(message="Write the note first."), Length(max=TEXT_MAX)],
    )


class DecisionForm(FlaskForm):
    decision = TextAreaField(
        "Decision",
        validators=[DataRequired(message="Write the decision first."), Length(max=TEXT_MAX)],
        description="What the steering committee decided, and who does what. A decision, like "
        "an action, lets the cycle move on to Communicate.",
    )


class SuggestionChoiceForm(FlaskForm):
    suggestion = HiddenField(validators=[DataRequired()])


class ActionForm(FlaskForm, OwnerFields):
    title = StringField(
        "Title",
        validators=[DataRequired(message="Give the action a title."), Length(max=TITLE_MAX)],
    )
    description = TextAreaField("Description", validators=[Optional(), Length(max=TEXT_MAX)])
    dimension = SelectField(
        "Dimension",
        default="",
        description="Linked to a dimension, the action shows at each later closed survey "
        "whether the gap closed.",
    )
    due_on = DateField("Due on", validators=[Optional()])

    def setup(
        self, partnership: Any, people: Sequence[Person], dimensions: Sequence[tuple[str, str]]
    ) -> None:
        _owner_choices(self, partnership, people)
        self.dimension.choices = choices([("", "None"), *dimensions])


class LessonForm(FlaskForm):
    what_happened = TextAreaField(
        "What happened",
        validators=[DataRequired(message="Say what happened."), Length(max=TEXT_MAX)],
    )
    what_worked = TextAreaField("What worked", validators=[Optional(), Length(max=TEXT_MAX)])
    what_failed = TextAreaField("What failed", validators=[Optional(), Length(max=TEXT_MAX)])
    dimension = SelectField("Dimension", default="")
    tags = StringField(
        "Tags",
        validators=[Optional(), Length(max=600)],
        description="Separated by commas, e.g. roadmap, escalation.",
    )

    def setup(self, dimensions: Sequence[tuple[str, str]]) -> None:
        self.dimension.choices = choices([("", "None"), *dimensions])


#: The rules a suggestion can suit, in plain words (partnership.scoring.words).
RULE_CHOICES = [(rule, rule_label(rule)) for rule in RULES]


class SuggestionForm(FlaskForm):
    key = HiddenField()
    title = StringField(
        "Title", validators=[DataRequired(message="Give it a title."), Length(max=TITLE_MAX)]
    )
    description = TextAreaField("What to do", validators=[Optional(), Length(max=TEXT_MAX)])
    rules = CheckboxListField(
        "Suits these signals (none ticked: any)", choices=choices(RULE_CHOICES)
    )
    dimensions = CheckboxListField("Suits these dimensions (none ticked: any)")
    due_days = IntegerField(
        "Due after (days)",
        default=30,
        validators=[NumberRange(min=1, max=365, message="Between 1 and 365 days.")],
    )

    def setup(self, dimensions: Sequence[tuple[str, str]]) -> None:
        self.dimensions.choices = choices(dimensions)


class StageForm(FlaskForm):
    to = HiddenField(validators=[DataRequired()])
    note = TextAreaField("Note", validators=[Optional(), Length(max=TEXT_MAX)])


class DatesForm(FlaskForm):
    starts_on = DateField("First day", validators=[DataRequired(message="Give the first day.")])
    ends_on = DateField("Last day", validators=[DataRequired(message="Give the last day.")])


class StageDaysForm(FlaskForm):
    assess = IntegerField(
        "Assess", validators=[Optional(), NumberRange(min=1, max=stages.MAX_STAGE_DAYS)]
    )
    adapt = IntegerField(
        "Adapt", validators=[Optional(), NumberRange(min=1, max=stages.MAX_STAGE_DAYS)]
    )
    communicate = IntegerField(
        "Communicate", validators=[Optional(), NumberRange(min=1, max=stages.MAX_STAGE_DAYS)]
    )
    learn = IntegerField(
        "Learn", validators=[Optional(), NumberRange(min=1, max=stages.MAX_STAGE_DAYS)]
    )


class PlaybackForm(FlaskForm):
    message = TextAreaField(
        "Your message",
        validators=[Optional(), Length(max=2000)],
        description="A few sentences at the top, in your own words: thanks, what stood out, "
        "what happens next.",
    )
