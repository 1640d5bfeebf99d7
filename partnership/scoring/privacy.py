"""Privacy rules of scoring.md section 5: the threshold and complementary suppression.

A value is shown only when the persons behind it number at least ``min_group``. In a
breakdown whose total is shown, hiding one small segment is not enough (its value would follow
by subtraction from the total), so further segments are hidden, smallest first, until the
hidden ones together hold at least ``min_group`` persons, or all are hidden.

Segments of size 0 hold nobody: they have no value to protect and none to leak, so they are
reported as below the threshold but neither trigger nor absorb complementary suppression.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import TypeVar

BELOW_THRESHOLD = "below_threshold"
COMPLEMENTARY = "complementary"
SURVEY_OPEN = "survey_open"
NOT_COMPUTABLE = "not_computable"
NOT_APPLICABLE = "not_applicable"

K = TypeVar("K", bound=Hashable)


def reportable(n: int, min_group: int) -> bool:
    return n >= min_group


def is_indicative(n: int, min_group: int) -> bool:
    """A reportable group of 3 or 4, possible only when a coach lowered min_group below 5."""
    return min_group < 5 and 3 <= n <= 4 and reportable(n, min_group)


def _complete(sizes: Mapping[K, int], hidden: set[K], min_group: int) -> list[K]:
    """Segments to hide in addition to ``hidden`` so that the hidden hold >= min_group."""
    total = sum(sizes[k] for k in hidden if sizes[k] > 0)
    if total == 0 or total >= min_group:
        return []
    order = {k: i for i, k in enumerate(sizes)}  # ties: the breakdown's own order
    candidates = sorted(
        (k for k in sizes if k not in hidden and sizes[k] > 0), key=lambda k: (sizes[k], order[k])
    )
    added = []
    for k in candidates:
        if total >= min_group:
            break
        added.append(k)
        total += sizes[k]
    return added


def _carried(reasons: dict[K, str], sizes: Mapping[K, int], carried: Iterable[K]) -> dict[K, str]:
    """``reasons`` with the segments an earlier snapshot version of the survey hid: they stay
    hidden (complementary, unless below the threshold now), so that the two versions read
    side by side show no more than the earlier one did. Empty segments hide nobody."""
    for k in carried:
        if k in sizes and sizes[k] > 0:
            reasons.setdefault(k, COMPLEMENTARY)
    return reasons


def complementary_suppression(
    sizes: Mapping[K, int],
    min_group: int,
    already: Iterable[K] = (),
    carried: Iterable[K] = (),
) -> dict[K, str]:
    """The suppressed segments of one breakdown with their reasons.

    ``sizes``: persons behind each segment's value, in the breakdown's display order (used
    to break ties between equal sizes). ``already``: segments hidden for another reason (e.g.
    by the other axis of a table); they count towards the hidden total but are not returned
    unless they are below the threshold themselves. ``carried``: segments an earlier snapshot
    version of the same survey hid (scoring.md section 5, "across snapshot versions of one
    cycle"); they are hidden again and returned.
    """
    reasons = {k: BELOW_THRESHOLD for k, n in sizes.items() if not reportable(n, min_group)}
    _carried(reasons, sizes, carried)
    hidden = set(reasons) | {k for k in already if k in sizes}
    for k in _complete(sizes, hidden, min_group):
        reasons[k] = COMPLEMENTARY
    return reasons


def suppress_table(
    sizes: Mapping[tuple[K, K], int], min_group: int, carried: Iterable[tuple[K, K]] = ()
) -> dict[tuple[K, K], str]:
    """Complementary suppression on every row and every column of a two-way table.

    Keys are (row, column). A cell hidden to protect its row can leave a lone hidden cell in
    its column, so rows and columns are completed in turn until nothing changes (it must end:
    each pass only adds cells). ``carried``: cells an earlier snapshot version hid, hidden
    again (see ``complementary_suppression``). Without them, two versions scored with
    different thresholds may protect a small cell with different neighbours, and together
    show both neighbours.
    """
    reasons = {k: BELOW_THRESHOLD for k, n in sizes.items() if not reportable(n, min_group)}
    _carried(reasons, sizes, carried)
    lines: dict[tuple[int, K], list[tuple[K, K]]] = {}
    for key in sizes:
        lines.setdefault((0, key[0]), []).append(key)
        lines.setdefault((1, key[1]), []).append(key)
    changed = True
    while changed:
        changed = False
        for cells in lines.values():
            line = {k: sizes[k] for k in cells}
            for k in _complete(line, {k for k in cells if k in reasons}, min_group):
                reasons[k] = COMPLEMENTARY
                changed = True
    return reasons
