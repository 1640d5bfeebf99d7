"""Builders for the results tests: an instrument, a survey, invitations and responses written
straight into the tables (as tests/world.py does), so these tests do not depend on the survey
services. The one test here checks the builders themselves."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import func, select

from partnership.db import utcnow
from partnership.extensions import db
from partnership.instruments.models import Instrument, InstrumentVersion, Item
from partnership.partnerships.models import Partnership, Stakeholder
from partnership.results.services import close_survey
from partnership.surveys.models import (
    Answer,
    Comment,
    Cycle,
    Invitation,
    Response,
    Survey,
)

_seq = itertools.count(1)
PULSE = ("cultural", "market", "execution", "governance", "communication")


def make_instrument(
    partnership: Partnership | None,
    *,
    dims: Sequence[str] = ("execution",),
    per_dim: int = 3,
    reverse: Iterable[int] = (2,),
    overall: bool = False,
    likelihood: bool = False,
    comment: bool = False,
    signs: Sequence[tuple[int, str]] = (),
    builtin_key: str | None = None,
    name: str = "Pulse",
) -> tuple[Instrument, InstrumentVersion]:
    """An instrument with one version: ``per_dim`` agreement items per dimension, keys
    "<dim>-<k>" (k from 1; those in ``reverse`` reverse-keyed), and optionally the overall
    item ("overall"), a 0-10 item ("nps"), a comment item ("comment") and frequency items
    for early-warning signs ((sign, dimension) -> key "sign-<n>")."""
    instrument = Instrument(
        partnership_id=None if builtin_key else partnership.id,
        name=name,
        builtin_key=builtin_key,
    )
    db.session.add(instrument)
    db.session.flush()
    sign_dims = [d for _, d in signs if d not in dims]
    version = InstrumentVersion(
        instrument_id=instrument.id, number=1, dimensions=[*dims, *dict.fromkeys(sign_dims)]
    )
    db.session.add(version)
    db.session.flush()
    rev = set(reverse)
    position = itertools.count(1)
    rows = [
        Item(
            version_id=version.id,
            key=f"{d}-{k}",
            position=next(position),
            kind="agreement",
            text=f"{d} {k}",
            dimension=d,
            is_reverse=k in rev,
        )
        for d in dims
        for k in range(1, per_dim + 1)
    ]
    for sign, dim in signs:
        rows.append(
            Item(
                version_id=version.id,
                key=f"sign-{sign}",
                position=next(position),
                kind="frequency",
                text=f"sign {sign}",
                dimension=dim,
                is_reverse=True,
                sign=sign,
            )
        )
    if overall:
        rows.append(
            Item(
                version_id=version.id,
                key="overall",
                position=next(position),
                kind="agreement",
                text="Overall",
            )
        )
    if likelihood:
        rows.append(
            Item(
                version_id=version.id,
                key="nps",
                position=next(position),
                kind="likelihood",
                text="Recommend",
            )
        )
    if comment:
        rows.append(
            Item(
                version_id=version.id,
                key="comment",
                position=next(position),
                kind="comment",
                text="Start, stop, continue?",
            )
        )
    db.session.add_all(rows)
    db.session.commit()
    return instrument, version


def make_survey(
    partnership: Partnership,
    instrument: Instrument,
    version: InstrumentVersion,
    *,
    cycle: Cycle | None = None,
    label: str = "2026-Q1",
    state: str = "closed",
    closed_at: dt.datetime | None = None,
) -> Survey:
    if cycle is None:
        cycle = db.session.scalar(
            select(Cycle).where(Cycle.partnership_id == partnership.id, Cycle.label == label)
        )
    if cycle is None:
        cycle = Cycle(partnership_id=partnership.id, label=label)
        db.session.add(cycle)
        db.session.flush()
    now = utcnow()
    survey = Survey(
        partnership_id=partnership.id,
        cycle_id=cycle.id,
        instrument_id=instrument.id,
        instrument_version_id=version.id,
        state=state,
        opened_at=now - dt.timedelta(days=14),
        closed_at=(closed_at or now - dt.timedelta(days=1)) if state == "closed" else None,
    )
    db.session.add(survey)
    db.session.commit()
    return survey


def invite(
    survey: Survey, org: str, count: int, function: str = "operations", level: str = "individual"
) -> None:
    """``count`` new stakeholders of organization "A" or "B", invited to the survey."""
    partnership = db.session.get(Partnership, survey.partnership_id)
    organization = partnership.org_a if org == "A" else partnership.org_b
    for _ in range(count):
        n = next(_seq)
        person = Stakeholder(
            partnership_id=partnership.id,
            organization_id=organization.id,
            name=f"Invitee {n}",
            email=f"invitee{n}.{survey.id}@{org.lower()}.example",
            function=function,
            level=level,
        )
        db.session.add(person)
        db.session.flush()
        db.session.add(
            Invitation(
                survey_id=survey.id,
                stakeholder_id=person.id,
                organization_id=organization.id,
                function=function,
                level=level,
            )
        )
    db.session.commit()


def respond(
    survey: Survey,
    org: str,
    answers: Mapping[str, int | None],
    *,
    function: str = "operations",
    level: str = "individual",
    comment: str | None = None,
    commit: bool = True,
) -> Response:
    """One submitted response; ``answers`` maps item keys to raw values (None = N.A.)."""
    partnership = db.session.get(Partnership, survey.partnership_id)
    organization = partnership.org_a if org == "A" else partnership.org_b
    items = dict(
        db.session.execute(
            select(Item.key, Item.id).where(Item.version_id == survey.instrument_version_id)
        ).all()
    )
    response = Response(
        survey_id=survey.id,
        organization_id=organization.id,
        function=function,
        level=level,
        submitted_on=dt.date.today(),
    )
    db.session.add(response)
    db.session.flush()
    for key, value in answers.items():
        db.session.add(Answer(response_id=response.id, item_id=items[key], value=value))
    if comment is not None:
        db.session.add(Comment(response_id=response.id, item_id=items["comment"], body=comment))
    if commit:
        db.session.commit()
    return response


def close(survey: Survey) -> Survey:
    """Close the survey now through the one close use case (close, then freeze the snapshot).
    A survey built in another state (closed is ``make_survey``'s default) is closed, now."""
    if survey.state != "open":
        survey.state, survey.closed_at = "open", None
        db.session.flush()
    close_survey(survey)
    return survey


def rows(
    values: Sequence[Sequence[int | None]], keys: Sequence[str]
) -> list[dict[str, int | None]]:
    """Answer dicts from a table of raw values, one row per person."""
    return [dict(zip(keys, row, strict=True)) for row in values]


def test_builders_write_what_they_say(app):
    from tests.factories import make_partnership

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

EX = ("execution-1", "execution-2", "execution-3")  # execution-2 is reverse-keyed
HAND_A = [(5, 1, 5), (4, 2, 4), (4, 2, 4), (3, 3, 3), (4, 2, 4), (4, 2, None)]
HAND_B = [(3, 3, 3), (3, 3, 3), (2, 4, 2), (4, 2, 4), (3, 3, 3), (3, 3, 3)]


def hand_example(
    partnership: Partnership,
    *,
    b_rows: Sequence[Sequence[int | None]] = HAND_B,
    state: str = "closed",
    label: str = "2026-Q1",
    closed_at: dt.datetime | None = None,
) -> Survey:
    """8 invited per organization; A answers HAND_A, B answers ``b_rows``; two comments from
    A and one from B."""
    instrument, version = make_instrument(partnership, comment=True, builtin_key=None)
    survey = make_survey(
        partnership, instrument, version, state=state, label=label, closed_at=closed_at
    )
    invite(survey, "A", 8)
    invite(survey, "B", 8)
    for k, answers in enumerate(rows(HAND_A, EX)):
        respond(survey, "A", answers, comment=("Faster decisions" if k < 2 else None))
    for k, answers in enumerate(rows(b_rows, EX)):
        respond(survey, "B", answers, comment=("Clearer priorities" if k == 0 else None))
    return survey


# --- reading the files back ---------------------------------------------------------------


def csv_sections(body: bytes) -> list[list[list[str]]]:
    """The tables of a results CSV, split at blank lines (header rows included): results,
    signals, then KPIs when the cycle tracks any."""
    import csv
    import io

    text = body.decode("utf-8")
    assert text.startswith("\ufeff")
    sections: list[list[list[str]]] = [[]]
    for line in csv.reader(io.StringIO(text[1:], newline="")):
        if line:
            sections[-1].append(line)
        else:
            sections.append([])
    return sections


def read_csv(body: bytes) -> tuple[list[list[str]], list[list[str]]]:
    """The results table and the signals table of a results CSV (header rows included)."""
    table, signals, *_kpis = csv_sections(body)
    return table, signals


def read_xlsx(body: bytes) -> dict[str, list[list[object]]]:
    """Sheets of an XLSX by name: rows of cell values (shared strings resolved, numbers as
    float, formulas as ("formula", text) so a test can see them)."""
    import io
    import re
    import xml.etree.ElementTree as ET
    import zipfile

    def parse(data: bytes) -> ET.Element:
        return ET.fromstring(data)  # noqa: S314 - the app's own output, read back

    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    rel_ns = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    book = zipfile.ZipFile(io.BytesIO(body))
    strings = []
    if "xl/sharedStrings.xml" in book.namelist():
        for si in parse(book.read("xl/sharedStrings.xml")).findall("m:si", ns):
            strings.append("".join(t.text or "" for t in si.iter(f"{{{ns['m']}}}t")))
    rels = {r.get("Id"): r.get("Target") for r in parse(book.read("xl/_rels/workbook.xml.rels"))}
    sheets: dict[str, list[list[object]]] = {}
    for sheet in parse(book.read("xl/workbook.xml")).find("m:sheets", ns):
        target = rels[sheet.get(rel_ns)]
        root = parse(book.read("xl/" + target.removeprefix("/xl/")))
        table: list[list[object]] = []
        for row in root.iter(f"{{{ns['m']}}}row"):
            values: list[object] = []
            for cell in row.findall("m:c", ns):
                col = re.match(r"[A-Z]+", cell.get("r")).group(0)
                index = sum((ord(ch) - 64) * 26**k for k, ch in enumerate(reversed(col))) - 1
                values.extend([None] * (index - len(values)))
                formula = cell.find("m:f", ns)
                v = cell.find("m:v", ns)
                if formula is not None:
                    values.append(("formula", formula.text))
                elif cell.get("t") == "s":
                    values.append(strings[int(v.text)])
                elif cell.get("t") == "inlineStr":
                    values.append("".join(t.text or "" for t in cell.iter(f"{{{ns['m']}}}t")))
                else:
                    values.append(float(v.text) if v is not None else None)
            table.append(values)
        sheets[sheet.get("name")] = table
    return sheets


# --- a small JSON Schema checker (the subset docs/results-export.schema.json uses) ---------


def schema_errors(instance, schema, root=None, path="$") -> list[str]:
    """Errors of ``instance`` against ``schema``: $ref (local), type, enum, const, anyOf,
    oneOf, properties, required, additionalProperties, items, minimum, maximum."""
    root = root if root is not None else schema
    if "$ref" in schema:
        node = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        return schema_errors(instance, node, root, path)
    errors: list[str] = []
    types = {
        "object": dict,
        "array": list,
        "string": str,
        "boolean": bool,
        "null": type(None),
    }
    if "type" in schema:
        wanted = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        ok = False
        for t in wanted:
            if t == "integer":
                ok |= isinstance(instance, int) and not isinstance(instance, bool)
            elif t == "number":
                ok |= isinstance(instance, int | float) and not isinstance(instance, bool)
            else:
                ok |= isinstance(instance, types[t])
        if not ok:
            return [f"{path}: {instance!r} is not of type {wanted}"]
    if "enum" in schema and instance not in schema["enum"]:
        errors.append(f"{path}: {instance!r} not in {schema['enum']}")
    if "const" in schema and instance != schema["const"]:
        errors.append(f"{path}: {instance!r} != {schema['const']!r}")
    if "minimum" in schema and isinstance(instance, int | float) and instance < schema["minimum"]:
        errors.append(f"{path}: {instance} < {schema['minimum']}")
    if "maximum" in schema and isinstance(instance, int | float) and instance > schema["maximum"]:
        errors.append(f"{path}: {instance} > {schema['maximum']}")
    if "anyOf" in schema:
        results = [schema_errors(instance, s, root, path) for s in schema["anyOf"]]
        if all(results):
            errors.append(f"{path}: matches no anyOf branch: {results}")
    if "oneOf" in schema:
        results = [schema_errors(instance, s, root, path) for s in schema["oneOf"]]
        matching = sum(1 for r in results if not r)
        if matching != 1:
            errors.append(f"{path}: matches {matching} oneOf branches: {results}")
    if isinstance(instance, dict):
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in instance:
                errors.append(f"{path}: missing {key!r}")
        for key, value in instance.items():
            if key in props:
                errors.extend(schema_errors(value, props[key], root, f"{path}.{key}"))
            elif schema.get("additionalProperties") is False:
                errors.append(f"{path}: unexpected {key!r}")
            elif isinstance(schema.get("additionalProperties"), dict):
                errors.extend(
                    schema_errors(value, schema["additionalProperties"], root, f"{path}.{key}")
                )
    if isinstance(instance, list) and "items" in schema:
        for k, value in enumerate(instance):
            errors.extend(schema_errors(value, schema["items"], root, f"{path}[{k}]"))
    return errors


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
