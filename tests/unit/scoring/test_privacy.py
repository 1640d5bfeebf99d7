"""Threshold, indicative label and complementary suppression (scoring.md section 5)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from partnership.scoring import (
    BELOW_THRESHOLD,
    COMPLEMENTARY,
    complementary_suppression,
    is_indicative,
    reportable,
    suppress_table,
)

FAST = settings(max_examples=300, deadline=None, database=None)


def test_reportable_at_the_threshold():
    assert reportable(5, 5) and not reportable(4, 5) and not reportable(0, 5)


def test_indicative_only_for_three_or_four_under_a_lowered_threshold():
    assert is_indicative(3, 3) and is_indicative(4, 4) and is_indicative(4, 3)
    assert not is_indicative(5, 3)  # a full group
    assert not is_indicative(4, 5)  # not reportable at all
    assert not is_indicative(2, 3)


def test_nothing_suppressed_when_every_segment_is_large_enough():
    assert complementary_suppression({"sales": 5, "ops": 9}, 5) == {}


def test_one_small_segment_takes_the_next_smallest_with_it():
    # ops (3) is below 5; alone it would follow from the total: add the smallest other,
    # finance (6): hidden 3 + 6 = 9 >= 5
    got = complementary_suppression({"sales": 12, "ops": 3, "finance": 6, "hr": 20}, 5)
    assert got == {"ops": BELOW_THRESHOLD, "finance": COMPLEMENTARY}


def test_two_small_segments_protect_each_other():
    # 3 + 4 = 7 >= 5: nothing else needed
    got = complementary_suppression({"sales": 12, "ops": 3, "finance": 4}, 5)
    assert got == {"ops": BELOW_THRESHOLD, "finance": BELOW_THRESHOLD}


def test_suppression_adds_the_smallest_large_enough_segment():
    # 1 + 2 = 3 < 10: add the smallest shown segment, c (12): 15 >= 10. (Every segment not
    # below the threshold holds >= min_group alone, so one addition always suffices.)
    got = complementary_suppression({"e": 30, "a": 1, "d": 13, "b": 2, "c": 12}, 10)
    assert got == {"a": BELOW_THRESHOLD, "b": BELOW_THRESHOLD, "c": COMPLEMENTARY}
    # two segments: the other one always goes too
    assert set(complementary_suppression({"a": 3, "b": 40}, 5)) == {"a", "b"}


def test_ties_follow_the_breakdown_order():
    got = complementary_suppression({"x": 2, "p": 6, "q": 6}, 5)
    assert got == {"x": BELOW_THRESHOLD, "p": COMPLEMENTARY}


def test_empty_segments_neither_trigger_nor_absorb():
    assert complementary_suppression({"a": 0, "b": 10}, 5) == {"a": BELOW_THRESHOLD}
    got = complementary_suppression({"a": 0, "b": 2, "c": 8, "d": 9}, 5)
    assert got == {"a": BELOW_THRESHOLD, "b": BELOW_THRESHOLD, "c": COMPLEMENTARY}


def test_already_hidden_segments_count_towards_the_total():
    # b was hidden by the other axis of a table: 3 + 6 >= 5, nothing more to hide here
    assert complementary_suppression({"a": 3, "b": 6, "c": 8}, 5, already=["b"]) == {
        "a": BELOW_THRESHOLD
    }


def test_table_rows_and_columns_until_stable():
    # rows A, B; columns sales, ops, hr. (A, ops) = 2 is below 5.
    # row A: add (A, sales) 6 -> hidden 8. column ops: (A, ops) 2 alone -> add (B, ops) 9.
    # column sales: (A, sales) 6 hidden >= 5, fine. row B: (B, ops) 9 >= 5, fine. Stable.
    sizes = {
        ("A", "sales"): 6,
        ("A", "ops"): 2,
        ("A", "hr"): 30,
        ("B", "sales"): 7,
        ("B", "ops"): 9,
        ("B", "hr"): 25,
    }
    got = suppress_table(sizes, 5)
    assert got == {
        ("A", "ops"): BELOW_THRESHOLD,
        ("A", "sales"): COMPLEMENTARY,
        ("B", "ops"): COMPLEMENTARY,
    }


def _line_is_safe(sizes: dict, hidden: set, min_group: int) -> bool:
    people = {k: n for k, n in sizes.items() if n > 0}
    hidden_sum = sum(people[k] for k in hidden if k in people)
    all_hidden = set(people) <= hidden
    return hidden_sum == 0 or hidden_sum >= min_group or all_hidden


@FAST
@given(
    sizes=st.lists(st.integers(0, 60), min_size=1, max_size=10),
    min_group=st.integers(3, 50),
)
def test_property_no_hidden_value_follows_by_subtraction(sizes, min_group):
    segments = {f"s{i}": n for i, n in enumerate(sizes)}
    hidden = set(complementary_suppression(segments, min_group))
    # no shown segment is below the threshold
    assert all(n >= min_group for k, n in segments.items() if k not in hidden)
    # the hidden ones together hold nobody, at least min_group persons, or everybody
    assert _line_is_safe(segments, hidden, min_group)
    # reasons are honest: below_threshold exactly for the small ones
    reasons = complementary_suppression(segments, min_group)
    assert all((r == BELOW_THRESHOLD) == (segments[k] < min_group) for k, r in reasons.items())


@FAST
@given(
    table=st.lists(st.lists(st.integers(0, 40), min_size=1, max_size=5), min_size=1, max_size=4),
    min_group=st.integers(3, 50),
)
def test_property_table_rows_and_columns_are_safe(table, min_group):
    width = min(len(row) for row in table)
    sizes = {(r, c): table[r][c] for r in range(len(table)) for c in range(width)}
    hidden = set(suppress_table(sizes, min_group))
    assert all(n >= min_group for k, n in sizes.items() if k not in hidden)
    for r in range(len(table)):
        row = {k: n for k, n in sizes.items() if k[0] == r}
        assert _line_is_safe(row, hidden, min_group)
    for c in range(width):
        col = {k: n for k, n in sizes.items() if k[1] == c}
        assert _line_is_safe(col, hidden, min_group)


# Across snapshot versions of one cycle (scoring.md section 5): the answers of a closed survey
# never change, so two versions differ only by the thresholds a coach set before re-scoring
# (and invitees, should a stakeholder be erased). Read side by side they must not reveal more
# than each shows on its own. A re-score carries the cells the previous version hid.


def test_a_rescore_keeps_hiding_what_the_previous_version_hid():
    # min_group 3 protects B's lone respondent in "f2" with B's "f3"; min_group 4 would hide
    # A's "f4" too, then protect it with B's "f4", and show B's "f3". Read together, the two
    # versions would show both of B's neighbours, and B's total would give "f2" away.
    sizes = {("A", "f4"): 3, ("B", "f2"): 1, ("B", "f3"): 4, ("B", "f4"): 4}
    first = suppress_table(sizes, 3)
    assert set(first) == {("B", "f2"), ("B", "f3")}
    alone = suppress_table(sizes, 4)
    assert set(alone) == {("A", "f4"), ("B", "f2"), ("B", "f4")}
    again = suppress_table(sizes, 4, carried=first)
    assert again[("B", "f3")] == COMPLEMENTARY
    assert set(again) == set(sizes)  # B's row is hidden whole


def test_carried_segments_stay_hidden_in_a_single_breakdown():
    sizes = {"sales": 8, "finance": 9, "product": 12}
    assert complementary_suppression(sizes, 5) == {}
    # an earlier version hid sales (e.g. under min_group 10, with finance to protect it)
    reasons = complementary_suppression(sizes, 5, carried={"sales", "finance"})
    assert reasons == {"sales": COMPLEMENTARY, "finance": COMPLEMENTARY}


@FAST
@given(
    sizes=st.lists(st.integers(0, 60), min_size=1, max_size=10),
    thresholds=st.lists(st.integers(3, 50), min_size=2, max_size=4),
)
def test_property_versions_of_a_breakdown_never_combine_into_a_leak(sizes, thresholds):
    segments = {f"s{i}": n for i, n in enumerate(sizes)}
    hidden: set[str] = set()
    unknown = set(segments)  # what no version has shown
    for min_group in thresholds:
        hidden = set(complementary_suppression(segments, min_group, carried=hidden))
        assert _line_is_safe(segments, hidden, min_group)
        unknown &= hidden
    assert _line_is_safe(segments, unknown, min(thresholds))


@FAST
@given(
    table=st.lists(st.lists(st.integers(0, 40), min_size=1, max_size=5), min_size=1, max_size=4),
    thresholds=st.lists(st.integers(3, 50), min_size=2, max_size=4),
)
def test_property_table_versions_never_combine_into_a_leak(table, thresholds):
    """Every version of an organization x function table, read together: a cell is known when
    any version shows it. Every row and column must still hide nobody, at least min_group
    persons, or everybody."""
    width = min(len(row) for row in table)
    sizes = {(r, c): table[r][c] for r in range(len(table)) for c in range(width)}
    hidden: set[tuple[int, int]] = set()
    unknown = set(sizes)
    for min_group in thresholds:
        hidden = set(suppress_table(sizes, min_group, carried=hidden))
        unknown &= hidden
    lines = [{k: n for k, n in sizes.items() if k[0] == r} for r in range(len(table))]
    lines += [{k: n for k, n in sizes.items() if k[1] == c} for c in range(width)]
    for line in lines:
        assert _line_is_safe(line, unknown, min(thresholds))
