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
