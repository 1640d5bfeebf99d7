"""Property tests over random raw responses: nothing below min_group ever shows."""

import random
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from partnership.scoring import (
    ItemSpec,
    RawResponse,
    Segment,
    Settings,
    score_survey,
)
from tests.builders.scoring import build, check_reasons

ITEMS = (
    ItemSpec("ex-0", "execution", 5, False, "agreement"),
    ItemSpec("ex-1", "execution", 5, True, "agreement"),
    ItemSpec("ex-2", "execution", 5, False, "agreement"),
    ItemSpec("mk-0", "market", 4, False, "frequency"),
    ItemSpec("mk-1", "market", 4, True, "frequency"),
    ItemSpec("mk-2", "market", 4, False, "frequency"),
    ItemSpec("mk-3", "market", 4, False, "frequency"),
    ItemSpec("sg-1", None, 4, False, "frequency", sign=1),
    ItemSpec("overall", None, 5, False, "agreement"),
    ItemSpec("nps", None, 11, False, "likelihood"),
)
DIMS = ("execution", "market")
SEGMENTS = [
    Segment(org, function, level)
    for org in "AB"
    for function in ("sales", "ops", "finance")
    for level in ("executive", "manager", "individual")
]
PROPS = settings(max_examples=150, deadline=None, database=None)


def _answer(item):
    # missing about one answer in A + 1
    low = item.scale_min - 1
    return st.integers(low, item.scale_max).map(lambda x: None if x == low else x)


@st.composite
def responses_strategy(draw):
    size = draw(st.integers(0, 60))  # spread sizes evenly instead of favouring tiny lists
    return draw(
        st.lists(
            st.tuples(st.sampled_from(SEGMENTS), st.tuples(*(_answer(i) for i in ITEMS))),
            min_size=size,
            max_size=size,
        )
    )


def _survey(raw, extra_invited):
    responses = [
        RawResponse(seg, dict(zip([i.id for i in ITEMS], ans, strict=True))) for seg, ans in raw
    ]
    invited = {}
    for r in responses:
        invited[r.segment] = invited.get(r.segment, 0) + 1
    for k, seg in enumerate(SEGMENTS):
        invited[seg] = invited.get(seg, 0) + extra_invited[k % len(extra_invited)]
    return responses, invited


def _true_sizes(responses, dim):
    """Persons with a dimension score, per segment, counted straight from the raw answers."""
    ids = [i.id for i in ITEMS if i.dimension == dim]
    needed = -(-2 * len(ids) // 3)
    sizes = {}
    for r in responses:
        if sum(r.answers.get(i) is not None for i in ids) >= needed:
            sizes[r.segment] = sizes.get(r.segment, 0) + 1
    return sizes


def _safe(line_sizes, hidden, mg):
    people = {k: n for k, n in line_sizes.items() if n > 0}
    total = sum(people[k] for k in hidden if k in people)
    return total == 0 or total >= mg or set(people) <= set(hidden)


@PROPS
@given(
    raw=responses_strategy(),
    mg=st.one_of(st.integers(3, 8), st.integers(3, 50)),
    extra=st.lists(st.integers(0, 3), min_size=1, max_size=5),
)
def test_no_group_below_min_group_shows_a_value(raw, mg, extra):
    responses, invited = _survey(raw, extra)
    result = score_survey(build(ITEMS, responses, invited, dims=DIMS), Settings(min_group=mg))
    for dim in DIMS:
        sizes = _true_sizes(responses, dim)
        ids = [i.id for i in ITEMS if i.dimension == dim]
        d = result.dimension(dim)
        for org in "AB":
            n = sum(v for s, v in sizes.items() if s.org == org)
            contributors = sum(
                1
                for r in responses
                if r.segment.org == org and any(r.answers[i] is not None for i in ids)
            )
            o = d.org(org)
            if n < mg:
                for rep in (o.n, o.S, o.s, o.rwg, o.AD):
                    assert rep.value is None
            else:
                assert o.n.value == n
            if contributors < mg:
                for rep in (o.favorable, o.neutral, o.unfavorable):
                    assert rep.value is None
        if d.J.shown:
            assert all(sum(v for s, v in sizes.items() if s.org == org) >= mg for org in "AB")

        # breakdowns: nothing small shows, and no row or column leaks by subtraction
        for by, cells in (("function", result.by_function), ("level", result.by_level)):
            cell_sizes = {}
            for c in cells:
                if c.dimension != dim:
                    continue
                n = sum(
                    v for s, v in sizes.items() if s.org == c.org and getattr(s, by) == c.segment
                )
                cell_sizes[(c.org, c.segment)] = n
                if n < mg:
                    assert c.S.value is None and c.n.value is None
            hidden = {(c.org, c.segment) for c in cells if c.dimension == dim and not c.S.shown}
            for org in "AB":
                row = {k: v for k, v in cell_sizes.items() if k[0] == org}
                assert _safe(row, hidden, mg)
            if by == "function":
                for name in {k[1] for k in cell_sizes}:
                    col = {k: v for k, v in cell_sizes.items() if k[1] == name}
                    assert _safe(col, hidden, mg)

    for item in result.items:
        for org in "AB":
            answers = sum(
                1 for r in responses if r.segment.org == org and r.answers[item.item_id] is not None
            )
            if answers < mg:
                o = item.org(org)
                assert o.distribution.value is None and o.mean.value is None

    for cells in (result.participation_by_function, result.participation_by_level):
        for c in cells:
            if c.invited < mg:
                assert c.R.value is None and c.responded.value is None
        for org in "AB":
            row = {(c.org, c.segment): c.invited for c in cells if c.org == org}
            hidden = {(c.org, c.segment) for c in cells if c.org == org and not c.R.shown}
            assert _safe(row, hidden, mg)

    for org in "AB":
        if sum(1 for r in responses if r.segment.org == org) < mg:
            assert result.org(org).sign_count.value is None
            assert result.org(org).comments.value is None
    check_reasons(result.to_dict())


@PROPS
@given(raw=responses_strategy(), seed=st.integers(0, 10**6))
def test_summation_order_does_not_change_signals(raw, seed):
    """SQL may hand rows over in any order and sum in any order: same verdicts."""
    responses, invited = _survey(raw, [1])
    data = build(ITEMS, responses, invited, dims=DIMS)
    rng = random.Random(seed)
    persons, histograms = list(data.persons), list(data.histograms)
    rng.shuffle(persons)
    rng.shuffle(histograms)
    shuffled = replace(data, persons=tuple(persons), histograms=tuple(histograms))
    s = Settings(min_group=3)
    first, second = score_survey(data, s), score_survey(shuffled, s)
    assert first.signals == second.signals
    assert first.health == second.health
    for d1, d2 in zip(first.dimensions, second.dimensions, strict=True):
        assert (d1.J.value is None) == (d2.J.value is None)
        if d1.J.shown:
            assert abs(d1.J.value - d2.J.value) < 1e-9
