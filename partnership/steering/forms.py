"""Forms of the steering pages. They check shape; the services enforce the rules (people who
are members, days in range, trade-offs of the partnership)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from partnership.forms import choices
from partnership.governance.services import Person
from partnership.steering.escalation import MAX_DAYS, NAME_MAX, NOTE_MAX
from partnership.surveys.forms import CheckboxListField


class PeopleFields:
    """Members of the partnership, chosen for one organization or the other."""

    people_a = CheckboxListField("People", coerce=int, default=[])
    people_b = CheckboxListField("People", coerce=int, default=[])

    def setup_people(self, partnership: Any, people: Sequence[Person], label: str) -> None:
        pairs = choices((p.user_id, p.name) for p in people)
        for field, org in ((self.people_a, partnership.org_a), (self.people_b, partnership.org_b)):
            field.choices = pairs
            field.label.text = f"{label} for {org.name}"

    def chosen_people(self, partnership: Any) -> list[tuple[int, int | None]]:
        return [(u, partnership.org_a.id) for u in self.people_a.data or []] + [
            (u, partnership.org_b.id) for u in self.people_b.data or []
        ]


class LevelForm(FlaskForm, PeopleFields):
    name = StringField(
        "Name", validators=[DataRequired(message="Name the level."), Length(max=NAME_MAX)]
    )
    days_allowed = IntegerField(
        "Days allowed",
        validators=[
            InputRequired(message="Say how many days the level has."),
            NumberRange(min=1, max=MAX_DAYS, message=f"Between 1 and {MAX_DAYS} days."),
        ],
        description="How long an issue may stay at this level before it moves up.",
    )


class TradeOffsForm(FlaskForm):
    names = TextAreaField(
        "Trade-off priorities",
        validators=[DataRequired(message="Name at least one trade-off."), Length(max=2000)],
        description="One per line, the one to protect first at the top.",
    )


class EscalateForm(FlaskForm):
    note = TextAreaField("Why now (optional)", validators=[Optional(), Length(max=NOTE_MAX)])


class IssueTradeOffsForm(FlaskForm):
    trade_offs = CheckboxListField("What it trades off", default=[])

    def setup(self, ranked: Sequence[Any]) -> None:
        self.trade_offs.choices = choices((p.key, p.name) for p in ranked)


class DecisionForm(FlaskForm, PeopleFields):
    status = RadioField(
        "This is",
        choices=choices(
            [("made", "A decision made"), ("requested", "A decision requested (for the agenda)")]
        ),
        default="made",
    )
    title = StringField(
        "Decision",
        validators=[DataRequired(message="Write the decision."), Length(max=200)],
        description="What was decided; for a request, the question to decide.",
    )
    rationale = TextAreaField("Rationale", validators=[Optional(), Length(max=4000)])
    options = TextAreaField(
        "Options considered",
        validators=[Optional(), Length(max=4000)],
        description="One per line.",
    )
    decided_on = DateField("Decided on", validators=[Optional()], description="Empty: today.")
    meeting_id = SelectField("Meeting", coerce=int, default=0)
    issue_ids = CheckboxListField("Linked issues", coerce=int, default=[])
    resolves = CheckboxListField("It resolves", coerce=int, default=[])
    action_ids = CheckboxListField("Linked actions", coerce=int, default=[])
    trade_offs = CheckboxListField("What it trades off", default=[])

    def setup(
        self,
        partnership: Any,
        people: Sequence[Person],
        issues: Sequence[Any],
        actions: Sequence[Any],
        meetings: Sequence[Any],
        ranked: Sequence[Any],
    ) -> None:
        self.setup_people(partnership, people, "Decided by")
        issue_choices = choices((i.id, i.title) for i in issues)
        self.issue_ids.choices = issue_choices
        self.resolves.choices = issue_choices
        self.action_ids.choices = choices((a.id, a.title) for a in actions)
        self.meeting_id.choices = choices(
            [(0, "None"), *((m.id, f"{m.held_on.isoformat()}: {m.title}") for m in meetings)]
        )
        self.trade_offs.choices = choices((p.key, p.name) for p in ranked)


class MeetingForm(FlaskForm, PeopleFields):
    title = StringField(
        "Title",
        validators=[DataRequired(message="Give the meeting a title."), Length(max=200)],
        default="Steering committee",
    )
    held_on = DateField("Date", validators=[InputRequired(message="Give the date.")])


class MeetingRecordForm(FlaskForm, PeopleFields):
    minutes = TextAreaField("Minutes", validators=[Optional(), Length(max=8000)])


class AgendaItemForm(FlaskForm):
    title = StringField(
        "Item", validators=[DataRequired(message="Name the item."), Length(max=200)]
    )
    detail = TextAreaField("Detail", validators=[Optional(), Length(max=8000)])


class AgendaCommentForm(FlaskForm):
    body = TextAreaField(
        "Comment", validators=[DataRequired(message="Write the comment first."), Length(max=8000)]
    )
