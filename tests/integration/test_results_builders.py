"""Builders for the results tests: an instrument, a survey, invitations and responses written
straight into the tables (as tests/builders/world.py does), so these tests do not depend on the survey
services. The one test here checks the builders themselves."""

from __future__ import annotations

from sqlalchemy import func, select

from partnership.extensions import db
from partnership.surveys.models import (
    Answer,
    Comment,
    Invitation,
)
from tests.builders.results import (
    invite,
    make_instrument,
    make_survey,
    respond,
)
from tests.readers import schema_errors


def test_builders_write_what_they_say(app):
    from tests.builders.basics import make_partnership

    partnership = make_partnership()
    instrument, version = make_instrument(partnership, comment=True)
    survey = make_survey(partnership, instrument, version)
    invite(survey, "A", 3)
    respond(survey, "A", {"execution-1": 4, "execution-2": None}, comment="More demos")
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 3
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 2
    assert db.session.scalar(select(Comment.body)) == "More demos"
    assert [i.key for i in version.items] == [
        "execution-1",
        "execution-2",
        "execution-3",
        "comment",
    ]


# --- the hand-computed example (arithmetic in tests/integration/test_results_export.py) ---


# --- reading the files back ---------------------------------------------------------------


# --- a small JSON Schema checker (the subset docs/results-export.schema.json uses) ---------


def test_the_schema_checker_catches_what_it_claims():
    schema = {
        "$defs": {"n": {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "null"}]}},
        "type": "object",
        "properties": {"n": {"$ref": "#/$defs/n"}, "s": {"enum": ["a"]}},
        "required": ["n"],
        "additionalProperties": False,
    }
    assert schema_errors({"n": 3, "s": "a"}, schema) == []
    assert schema_errors({"n": None}, schema) == []
    assert schema_errors({"n": -1}, schema)
    assert schema_errors({"n": 1.5}, schema)
    assert schema_errors({"s": "a"}, schema)
    assert schema_errors({"n": 1, "x": 0}, schema)
    assert schema_errors({"n": 1, "s": "b"}, schema)
