"""One survey's answers aggregated in SQL into the ``SurveyInput`` the scoring package reads.

The heavy work (one pass over the answer table) runs in the database; the
scoring package finishes the statistics (conventions.md, point 7). The result equals
``partnership.scoring.aggregate`` on the same raw answers (tests/integration/
test_results_aggregate.py proves it on random data, on SQLite and PostgreSQL):

- person dimension rows and histograms, in one pass over the survey's answers (see
  ``_answer_aggregates``): per response and dimension, the sum of the answers after
  direction (reverse items and every frequency item with an early-warning sign as
  ``A + 1 - x``) and the count of answers, as exact integers; per segment, item and raw
  value, the count of answers. "Not applicable" (NULL) is missing, never zero. Persons of
  one segment with the same sum and count are indistinguishable to scoring, so they are
  counted together and each distinct row is passed on once with its multiplicity
  (``PersonDimension.count``): a 20k-respondent survey gives scoring a few thousand rows
  instead of 100k;
- invitees per segment from the invitations (segment copied at invite time), respondents per
  segment from the responses (whatever they answered);
- comments that are not hidden, with their respondent's segment.

Items are identified by their ``key`` (stable across the versions of a lineage); the
organization in position 1 is "A", position 2 is "B".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import (
    ARRAY,
    BigInteger,
    ColumnElement,
    Integer,
    Select,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    select,
    union_all,
)

from partnership.extensions import db
from partnership.instruments.catalog import DIMENSION_LABELS
from partnership.instruments.models import SCALE_POINTS, InstrumentVersion, Item
from partnership.partnerships.models import Organization
from partnership.scoring import (
    Comment as ScoringComment,
)
from partnership.scoring import (
    Invited,
    ItemHistogram,
    ItemSpec,
    PersonDimension,
    Segment,
    SurveyInput,
)
from partnership.surveys.models import Answer, Comment, Invitation, Response, Survey

log = logging.getLogger(__name__)
SCORED_KINDS = ("agreement", "frequency", "likelihood")


def item_specs(version_id: int) -> tuple[tuple[ItemSpec, ...], dict[str, int]]:
    """The scored items of an instrument version (comments left out), ids = item keys; and
    each key's row id in the answer table."""
    rows = db.session.execute(
        select(Item.id, Item.key, Item.kind, Item.dimension, Item.is_reverse, Item.sign)
        .where(Item.version_id == version_id, Item.kind.in_(SCORED_KINDS))
        .order_by(Item.position, Item.id)
    ).all()
    specs = tuple(
        ItemSpec(
            id=key,
            dimension=None if kind == "likelihood" else dimension,
            points=SCALE_POINTS[kind],
            reverse=bool(is_reverse),
            kind=kind,
            sign=sign,
        )
        for _, key, kind, dimension, is_reverse, sign in rows
    )
    return specs, {key: item_id for item_id, key, *_ in rows}


def survey_input(survey: Survey) -> SurveyInput:
    """The survey's aggregates (SQL) as the scoring package's input."""
    version = db.session.get(InstrumentVersion, survey.instrument_version_id)
    assert version is not None
    organizations = db.session.execute(
        select(Organization.id, Organization.position, Organization.name).where(
            Organization.partnership_id == survey.partnership_id
        )
    ).all()
    letters = {o.id: ("A" if o.position == 1 else "B") for o in organizations}
    segment = _Segments(letters)
    items, ids = item_specs(version.id)
    dimensions = list(version.dimensions or [])
    for spec in items:  # an item whose dimension the version does not list still counts
        if spec.dimension is not None and spec.dimension not in dimensions:
            dimensions.append(spec.dimension)
    persons, histograms = _answer_aggregates(survey, items, ids, segment)
    return SurveyInput(
        items=items,
        dimensions=tuple(dimensions),
        persons=persons,
        histograms=histograms,
        invited=_invited(survey, segment),
        org_names={letters[o.id]: o.name for o in organizations},
        comments=_comments(survey, segment),
        dimension_labels={
            **{d: DIMENSION_LABELS[d] for d in dimensions if d in DIMENSION_LABELS},
            **{
                d: label for d, label in (version.dimension_labels or {}).items() if d in dimensions
            },
        },
    )


class _Segments:
    """One ``Segment`` object per segment: the scoring package keys its groups by segment, and
    identical objects compare at the cost of an identity check."""

    def __init__(self, letters: dict[int, str]) -> None:
        self.letters = letters
        self.cache: dict[tuple[int, str, str], Segment] = {}

    def __call__(self, org_id: int, function: str, level: str) -> Segment:
        key = (org_id, function, level)
        segment = self.cache.get(key)
        if segment is None:
            segment = self.cache[key] = Segment(self.letters[org_id], function, level)
        return segment


@dataclass(frozen=True)
class _Field:
    """A bit field of one packed per-response sum (``word``): ``width`` bits from ``shift``."""

    word: int
    shift: int
    width: int


@dataclass
class _Packing:
    """Where each per-response count lands in the packed sums, and what each answer adds.

    ``terms[word][item_id]`` = (m, b): an in-scale answer x to that item adds ``x m + b`` to
    that word. No field can overflow into its neighbour: a field holds at most its own
    maximum (all of a person's answers), and each word stays below 2^62.
    """

    # (dimension, its field, the bits of its sum, its scale A)
    person_fields: list[tuple[str, _Field, int, int]] = field(default_factory=list)
    item_fields: list[tuple[int, _Field]] = field(default_factory=list)  # (item index, f)
    terms: list[dict[int, list[int]]] = field(default_factory=list)
    used: list[int] = field(default_factory=list)

    def add(self, width: int) -> _Field:
        if width > WORD_BITS:
            raise ValueError("a dimension too large to pack")  # > 10^17 items: not a survey
        free = (w for w, used in enumerate(self.used) if used + width <= WORD_BITS)
        word = next(free, len(self.used))
        if word == len(self.used):
            self.used.append(0)
            self.terms.append({})
        f = _Field(word, self.used[word], width)
        self.used[word] += width
        return f

    def term(self, f: _Field, item_id: int, m: int, b: int) -> None:
        mb = self.terms[f.word].setdefault(item_id, [0, 0])
        mb[0] += m << f.shift
        mb[1] += b << f.shift


WORD_BITS = 62  # packed sums are signed 64-bit integers on both databases
#: PostgreSQL reads each answer's contribution from a constant array when the version's item
#: ids and scale span at most this many entries (else a CASE over the items, as on SQLite).
LOOKUP_ENTRIES = 1 << 14
INT8_ARRAY = ARRAY(BigInteger)
ZERO = literal_column("0", BigInteger)
#: Up to this many possible (segment, value) keys of a field, persons are counted with
#: ``np.bincount`` (an array of that many counts); beyond, by sorting (``np.unique``).
BINCOUNT_KEYS = 1 << 16


def _packing(items: tuple[ItemSpec, ...], ids: dict[str, int]) -> _Packing:
    """Lay out, per response, one field per dimension (its answered count above the sum of
    its item answers after direction, 1..A) and one per item (its answer code, 0 = none)."""
    pack = _Packing()
    dims = list(dict.fromkeys(i.dimension for i in items if i.dimension is not None))
    for dim in dims:
        members = [i for i in items if i.dimension == dim and i.id in ids]
        if not members:
            continue
        points = max(i.points for i in members)
        sum_bits = (points * len(members)).bit_length()
        f = pack.add(sum_bits + len(members).bit_length())
        pack.person_fields.append((dim, f, sum_bits, points))
        for i in members:
            # after direction x' = x, or A + 1 - x; plus one answered
            if i.is_reverse:
                pack.term(f, ids[i.id], -1, i.points + 1 + (1 << sum_bits))
            else:
                pack.term(f, ids[i.id], 1, 1 << sum_bits)
    for n, i in enumerate(items):
        if i.id not in ids:
            continue
        f = pack.add(i.points.bit_length())
        pack.item_fields.append((n, f))
        pack.term(f, ids[i.id], 1, 1 - i.scale_min)  # code x - scale_min + 1, 1..A
    return pack


@dataclass(frozen=True)
class _Plan:
    """The per-response statement of one item layout and where its fields sit."""

    pack: _Packing
    statement: Select


#: Built statements by dialect and item layout: a survey's layout (its locked version) is
#: fixed, so the statement is built once per process and reused with the survey id bound.
_plans: dict[tuple[object, ...], _Plan] = {}
_PLANS_KEPT = 256


def _plan(items: tuple[ItemSpec, ...], ids: dict[str, int], dialect: str) -> _Plan | None:
    key = (dialect, items, tuple(sorted(ids.items())))
    plan = _plans.get(key)
    if plan is not None:
        return plan
    pack = _packing(items, ids)
    if not pack.used:
        return None
    by_id = {ids[i.id]: i for i in items if i.id in ids}
    low = min(i.scale_min for i in by_id.values())
    high = max(i.scale_max for i in by_id.values())

    def contribution(item_id: int, m: int, b: int) -> ColumnElement[int]:
        spec = by_id[item_id]
        expr = cast(Answer.value, BigInteger) * literal_column(str(m), BigInteger)
        expr = expr + literal_column(str(b), BigInteger)
        if (spec.scale_min, spec.scale_max) != (low, high):  # the WHERE checks the rest
            expr = case((Answer.value.between(spec.scale_min, spec.scale_max), expr), else_=0)
        return expr

    first, last = min(by_id), max(by_id)
    span = high - low + 1
    item_filter: list[ColumnElement[bool]] = []
    if dialect == "postgresql" and (last - first + 1) * span <= LOOKUP_ENTRIES:
        # PostgreSQL: what each answer adds, read from a constant array indexed by item and
        # value (one subscript per answer instead of a CASE over every item)
        def lookup(terms: dict[int, list[int]]) -> ColumnElement[int]:
            table = [
                x * terms[i][0] + terms[i][1]
                if i in terms and by_id[i].scale_min <= x <= by_id[i].scale_max
                else 0
                for i in range(first, last + 1)
                for x in range(low, high + 1)
            ]
            index = (Answer.item_id - literal_column(str(first))) * literal_column(str(span))
            index = index + Answer.value + literal_column(str(1 - low))
            array = literal_column("('{" + ",".join(map(str, table)) + "}'::int8[])", INT8_ARRAY)
            return array[index]  # PostgreSQL arrays count from 1

        words = [
            cast(func.sum(lookup(terms)), BigInteger).label(f"w{n}")
            for n, terms in enumerate(pack.terms)
        ]
        item_filter.append(
            Answer.item_id.between(literal_column(str(first)), literal_column(str(last)))
        )
    else:
        words = [
            cast(
                func.sum(
                    case(
                        {
                            literal_column(str(item_id), Integer): contribution(item_id, m, b)
                            for item_id, (m, b) in terms.items()
                        },
                        value=Answer.item_id,
                        else_=ZERO,
                    )
                ),
                BigInteger,
            ).label(f"w{n}")
            for n, terms in enumerate(pack.terms)
        ]
    in_scale = Answer.value.between(literal_column(str(low)), literal_column(str(high)))
    of_survey = Response.survey_id == bindparam("survey_id", type_=Integer)
    segment = (Response.organization_id, Response.function, Response.level)
    if dialect == "postgresql":
        # Per response, an aggregate over its own answers (LATERAL): the survey's responses
        # come through their index, each response's answers through theirs, and no answer
        # row is hashed or sorted. A response without an answer in scale sums to 0, which
        # counts as nobody in ``_answer_aggregates``.
        answers = (
            select(*(func.coalesce(word, ZERO).label(word.name) for word in words))
            .where(Answer.response_id == Response.id, in_scale, *item_filter)
            .correlate(Response)
            .lateral("per_response")
        )
        statement = (
            select(*segment, *(answers.c[word.name] for word in words))
            .select_from(Response)
            .join(answers, literal_column("true"))
            .where(of_survey)
        )
    else:
        # SQLite: the survey's responses as one range of the table's rowid (its first and
        # last, found in the survey index), walked in rowid order, so that the groups stream
        # without a sort and the answers are read in the order they were written
        statement = (
            select(*segment, *words)
            .select_from(Response)
            .join(Answer, Answer.response_id == Response.id)
            .where(
                of_survey,
                literal_column("responses.rowid").between(
                    bindparam("first_rowid", type_=Integer), bindparam("last_rowid", type_=Integer)
                ),
                in_scale,
                *item_filter,
            )
            .group_by(literal_column("responses.rowid"))
        )
    plan = _Plan(pack, statement)
    if len(_plans) >= _PLANS_KEPT:
        _plans.clear()
    _plans[key] = plan
    return plan


def _answer_aggregates(
    survey: Survey, items: tuple[ItemSpec, ...], ids: dict[str, int], segment: _Segments
) -> tuple[tuple[PersonDimension, ...], tuple[ItemHistogram, ...]]:
    """Person dimension rows and item histograms in one pass over the survey's answers.

    The survey's answers are read once, through indexes, response by response (SQLite walks
    the survey's rowid range and streams the groups; PostgreSQL aggregates each response's
    answers in a LATERAL subquery): each response's answers become a few packed
    integer sums (see ``_packing``): per dimension its answered count and its sum of answers
    after direction, per item its answer. Those per-response rows (one per respondent, a
    handful of integers each) are then unpacked and counted per segment with NumPy:
    identical persons of a segment become one ``PersonDimension`` with its multiplicity, and
    answers become histograms. Integer sums are exact; the score sum is
    ``100 (sum - answered) / (A - 1)``.

    "Not applicable" (NULL) is missing, never zero; an answer outside its item's scale (the
    survey form refuses them) is ignored.
    """
    import numpy as np  # here, not at the top: web workers start without NumPy

    dialect = db.session.get_bind().dialect.name
    plan = _plan(items, ids, dialect)
    if plan is None:
        return (), ()
    pack = plan.pack
    params: dict[str, int] = {"survey_id": survey.id}
    if dialect == "sqlite":
        rowid = literal_column("rowid", Integer)
        span = db.session.execute(
            select(func.min(rowid), func.max(rowid))
            .select_from(Response)
            .where(Response.survey_id == survey.id)
        ).one()
        if span[0] is None:  # no response
            return (), ()
        params.update(first_rowid=span[0], last_rowid=span[1])
    rows = db.session.execute(plan.statement, params).all()
    if not rows:
        return (), ()
    columns = list(zip(*rows, strict=True))  # a tuple per column: segment, packed words
    numbers: dict[tuple[int, str, str], int] = {}  # segment -> its number, in order of rows
    seg_of_row = np.array(
        [numbers.setdefault(key, len(numbers)) for key in zip(*columns[:3], strict=True)],
        dtype=np.int64,
    )
    segments = [segment(*key) for key in numbers]
    words = np.array(columns[3:], dtype=np.int64)  # one row per packed word

    def field(f: _Field) -> np.ndarray:
        return (words[f.word] >> f.shift) & ((1 << f.width) - 1)

    persons: list[PersonDimension] = []
    for dim, f, sum_bits, points in pack.person_fields:
        values = field(f)
        keep = values >= 1 << sum_bits  # someone who answered the dimension
        # segment number and value in one integer: a field is at most 62 - 10 bits wide for
        # any instrument a person could answer, and segments number far below 2^10
        keys = (seg_of_row[keep] << f.width) | values[keep]
        if len(segments) << f.width <= BINCOUNT_KEYS:
            # few possible keys (a dimension's sums): count them in one array, no sort
            tally = np.bincount(keys)
            keys = np.flatnonzero(tally)
            counts = tally[keys]
        else:
            keys, counts = np.unique(keys, return_counts=True)
        answered = (keys >> sum_bits) & ((1 << (f.width - sum_bits)) - 1)
        total = keys & ((1 << sum_bits) - 1)
        persons.extend(
            PersonDimension(segments[seg], dim, 100 * (t - a) / (points - 1), a, n)
            for seg, t, a, n in zip(
                (keys >> f.width).tolist(),
                total.tolist(),
                answered.tolist(),
                counts.tolist(),
                strict=True,
            )
        )
    # every item's answer codes counted per segment at once: tally[item, segment, code]
    if not pack.item_fields:
        return tuple(persons), ()
    slots = 1 << max(f.width for _, f in pack.item_fields)
    codes = np.stack([field(f) for _, f in pack.item_fields])
    keys = (np.arange(len(codes))[:, None] * len(segments) + seg_of_row) * slots + codes
    tally = np.bincount(keys.ravel(), minlength=len(codes) * len(segments) * slots)
    tally = tally.reshape(len(codes), len(segments), slots)[:, :, 1:]  # code 0: no answer
    answered_items = np.any(tally, axis=2).tolist()
    rank = sorted(range(len(segments)), key=segments.__getitem__)
    histograms = tuple(
        ItemHistogram(
            segments[seg], items[index].id, tuple(tally[k, seg, : items[index].points].tolist())
        )
        for seg in rank
        for k, (index, _) in enumerate(pack.item_fields)
        if answered_items[k][seg]
    )
    return tuple(persons), histograms


def _invited(survey: Survey, segment: _Segments) -> tuple[Invited, ...]:
    """Per segment: invitees (segment copied at invite time) and respondents."""
    invited = select(
        literal_column("0", Integer),
        Invitation.organization_id,
        Invitation.function,
        Invitation.level,
        func.count(),
    ).where(Invitation.survey_id == survey.id)
    responded = select(
        literal_column("1", Integer),
        Response.organization_id,
        Response.function,
        Response.level,
        func.count(),
    ).where(Response.survey_id == survey.id)
    rows = db.session.execute(
        union_all(
            invited.group_by(Invitation.organization_id, Invitation.function, Invitation.level),
            responded.group_by(Response.organization_id, Response.function, Response.level),
        )
    ).all()
    counts: dict[Segment, list[int]] = {}  # [invited, responded]
    for kind, o, f, lv, n in rows:
        counts.setdefault(segment(o, f, lv), [0, 0])[kind] = int(n)
    return tuple(Invited(seg, *counts[seg]) for seg in sorted(counts))


def _comments(survey: Survey, segment: _Segments) -> tuple[ScoringComment, ...]:
    """The comments not hidden by a coach, with their respondent's segment."""
    rows = db.session.execute(
        select(
            Comment.id, Comment.body, Response.organization_id, Response.function, Response.level
        )
        .join(Response, Response.id == Comment.response_id)
        .where(Response.survey_id == survey.id, Comment.is_hidden.is_(False))
        .order_by(Comment.id)
    ).all()
    return tuple(
        ScoringComment(segment(o, f, lv), cid, body)
        for cid, body, o, f, lv in rows
        if body and body.strip()
    )
