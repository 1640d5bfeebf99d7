"""The formulas of scoring.md, one small function each, on plain numbers.

Every function returns None where the statistic does not exist (no data, a division by zero,
an undefined variance) instead of raising or returning NaN, so the JSON export never carries
NaN or infinity. Comparisons against thresholds go through ``lt``/``le``/``ge``/``gt`` with the
spec's tolerance of 1e-9, so SQL and Python summation orders give the same verdicts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from partnership.scoring import student_t

EPS = 1e-9


def lt(a: float, b: float) -> bool:
    """``a < b``, where a value within 1e-9 of b counts as on b (so not below it)."""
    return a < b - EPS


def le(a: float, b: float) -> bool:
    return a <= b + EPS


def ge(a: float, b: float) -> bool:
    return a >= b - EPS


def gt(a: float, b: float) -> bool:
    return a > b + EPS


def is_zero(x: float) -> bool:
    return abs(x) <= EPS


def mean(values: Iterable[float]) -> float | None:
    """Arithmetic mean (fsum: the result does not depend on the order of the values)."""
    vals = list(values)
    return math.fsum(vals) / len(vals) if vals else None


# ---------------------------------------------------------------------------------------------
# 1. Item scores


def oriented(x: int, points: int, reverse: bool) -> int:
    """An answer on the 1..A scale after direction: reverse items as ``A + 1 - x``."""
    return points + 1 - x if reverse else x


def item_score(x: int, points: int, reverse: bool = False) -> float:
    """``100 (x-1)/(A-1)``, or ``100 (A-x)/(A-1)`` for a reverse item; x on the 1..A scale."""
    if not 1 <= x <= points:
        raise ValueError(f"answer {x} outside 1..{points}")
    return 100 * (oriented(x, points, reverse) - 1) / (points - 1)


def answer_class(x: int, points: int, reverse: bool = False) -> int:
    """+1 favorable (score > 50), 0 neutral (= 50), -1 unfavorable (< 50).

    Decided on integers (score > 50 <=> 2 (x'-1) > A-1) so no rounding can move an answer
    across the neutral point.
    """
    doubled = 2 * (oriented(x, points, reverse) - 1)
    return (doubled > points - 1) - (doubled < points - 1)


# ---------------------------------------------------------------------------------------------
# 2. Person and group scores


def min_answered(item_count: int) -> int:
    """ceil(2/3 x item count), in integers: 3 items -> 2, 4 -> 3, 5 -> 4, 6 -> 4."""
    return (2 * item_count + 2) // 3


def person_score(score_sum: float, answered: int, item_count: int) -> float | None:
    """Mean item score of one person in one dimension; None with too few answers."""
    if answered <= 0 or answered < min_answered(item_count):
        return None
    return score_sum / answered


@dataclass(frozen=True)
class GroupStats:
    n: int
    S: float | None
    s: float | None


def group_stats(scores: Iterable[float]) -> GroupStats:
    """Mean S, count n and sample standard deviation s (ddof 1) of person scores.

    s is None for n < 2 (a sample variance needs two values). A spread below 1e-9 points is
    floating-point noise from the summation order (person scores have a granularity of at
    least 100/((A-1) x items)), so it is reported as exactly 0: identical answers then give
    g = null and a point interval whatever the order SQL summed in.
    """
    return weighted_group_stats((v, 1) for v in scores)


def weighted_group_stats(scores: Iterable[tuple[float, int]]) -> GroupStats:
    """``group_stats`` of person scores given as (score, number of persons with it).

    The same statistics as listing each score ``weight`` times (weight 1 gives exactly the
    same floats), in work proportional to the distinct scores: a large group has only a few
    hundred distinct person scores. A weight of 0 contributes nothing.
    """
    pairs = [(v, w) for v, w in scores if w]
    if any(w < 0 for _, w in pairs):
        raise ValueError("a score's weight (number of persons) cannot be negative")
    n = sum(w for _, w in pairs)
    if n == 0:
        return GroupStats(0, None, None)
    m = math.fsum(v * w for v, w in pairs) / n
    if n < 2:
        return GroupStats(n, m, None)
    values = [v for v, _ in pairs]
    if max(values) == min(values):
        return GroupStats(n, m, 0.0)
    s = math.sqrt(math.fsum(w * (v - m) ** 2 for v, w in pairs) / (n - 1))
    return GroupStats(n, m, 0.0 if s <= EPS else s)


def joint(s_a: float | None, s_b: float | None) -> float | None:
    """J = (S_A + S_B) / 2: organizations weigh equally whatever their size."""
    if s_a is None or s_b is None:
        return None
    return (s_a + s_b) / 2


def gap(s_a: float | None, s_b: float | None) -> float | None:
    """G = S_A - S_B, A being the partnership's first organization."""
    if s_a is None or s_b is None:
        return None
    return s_a - s_b


# ---------------------------------------------------------------------------------------------
# 3. Effect size and interval


def _squares(n: int, s: float | None) -> float | None:
    """(n-1) s^2; one person contributes 0 (no spread to pool), None if s is missing."""
    if n == 1:
        return 0.0
    return None if s is None else (n - 1) * s * s


def pooled_sd(n_a: int, s_a: float | None, n_b: int, s_b: float | None) -> float | None:
    df = n_a + n_b - 2
    sq_a, sq_b = _squares(n_a, s_a), _squares(n_b, s_b)
    if df <= 0 or n_a < 1 or n_b < 1 or sq_a is None or sq_b is None:
        return None
    return math.sqrt((sq_a + sq_b) / df)


def hedges_g(
    G: float | None, n_a: int, s_a: float | None, n_b: int, s_b: float | None
) -> float | None:
    """Hedges' g = d (1 - 3 / (4 (n_A+n_B) - 9)), d = G / s_p; None when s_p = 0 or df <= 0."""
    if G is None:
        return None
    s_p = pooled_sd(n_a, s_a, n_b, s_b)
    if s_p is None or s_p <= EPS:
        return None
    return G / s_p * (1 - 3 / (4 * (n_a + n_b) - 9))


def variance_of_mean(n: int, s: float | None, invited: int | None) -> float | None:
    """``v = s^2 / n x (1 - n / N)``: the variance of a group mean with finite-population
    correction.

    Choices where the spec is silent:
    - N unknown or 0 (no invitation record): no correction, as for an infinite population.
    - n > N cannot happen (segments are copied from the invitation); the correction is
      clamped at 0 rather than going negative.
    - Everyone invited answered (n = N): v = 0 exactly, even for n = 1, since a census has no
      sampling error.
    - n = 1 and N > 1: s is undefined, so v is undefined (None) and so is the interval; we do
      not invent a spread from one person.
    """
    if n <= 0:
        return None
    fpc = 1.0 if not invited else max(0.0, 1 - n / invited)
    if fpc == 0:
        return 0.0
    if s is None:
        return None
    return s * s / n * fpc


@dataclass(frozen=True)
class Interval:
    low: float
    high: float
    df: float | None  # None when v_A + v_B = 0 (a point interval)
    census: bool  # every invited person of both organizations answered


def welch_interval(
    G: float | None,
    n_a: int,
    s_a: float | None,
    invited_a: int | None,
    n_b: int,
    s_b: float | None,
    invited_b: int | None,
    level: float = 0.95,
) -> Interval | None:
    """G +- t(0.975, df) sqrt(v_A + v_B), Welch-Satterthwaite df; [G, G] when v_A + v_B = 0."""
    if G is None:
        return None
    v_a = variance_of_mean(n_a, s_a, invited_a)
    v_b = variance_of_mean(n_b, s_b, invited_b)
    if v_a is None or v_b is None:
        return None
    census = bool(invited_a and invited_b and n_a >= invited_a and n_b >= invited_b)
    total = v_a + v_b
    if total <= 0:
        return Interval(G, G, None, census)
    # An organization with v = 0 adds no variance and no uncertainty about it, so it adds
    # nothing to the df denominator (and avoids 0/0 when it is a census of one).
    denom = sum(v * v / (n - 1) for v, n in ((v_a, n_a), (v_b, n_b)) if v > 0)
    df = total * total / denom
    half = t_quantile(0.5 + level / 2, df) * math.sqrt(total)
    return Interval(G - half, G + half, df, census)


def t_quantile(p: float, df: float) -> float:
    """The p quantile of Student's t with ``df`` degrees of freedom (``df`` may be fractional).

    Computed in plain Python (partnership.scoring.student_t), within 1e-13 of SciPy's
    ``scipy.special.stdtrit`` (the function ``scipy.stats.t.ppf`` evaluates; 2.228138851986274
    for df 10, p 0.975), which the tests compare it with: loading SciPy would cost every web
    worker that closes or re-scores a survey some 27 MB for the rest of its life.
    """
    return student_t.t_quantile(p, df)


def is_confirmed(interval: Interval | None) -> bool | None:
    """The interval excludes 0: lower > 1e-9 or upper < -1e-9."""
    if interval is None:
        return None
    return interval.low > EPS or interval.high < -EPS


# ---------------------------------------------------------------------------------------------
# 4. Agreement inside an organization


@dataclass(frozen=True)
class Agreement:
    rwg: float
    ad: float
    items_used: int


def _oriented_counts(counts: Sequence[int], reverse: bool) -> list[tuple[int, int]]:
    points = len(counts)
    return [(oriented(i + 1, points, reverse), c) for i, c in enumerate(counts) if c]


def agreement(
    histograms: Iterable[tuple[Sequence[int], bool]], points: int, n: int
) -> Agreement | None:
    """Lindell's r*wg(j) and Burke's AD for one group and dimension.

    ``histograms``: per item, its raw answer counts on 1..A and whether it is reverse.
    None when n < 5 or no item has 2 answers. Items with fewer than 2 answers are left out
    of both means. (Reversal does not change a variance or an AD; it is applied anyway so the
    code reads as the spec.)
    """
    if n < 5:
        return None
    variances, ads = [], []
    for counts, reverse in histograms:
        if len(counts) != points:
            raise ValueError("histogram length differs from the dimension's scale")
        pairs = _oriented_counts(counts, reverse)
        m = sum(c for _, c in pairs)
        if m < 2:
            continue
        item_mean = math.fsum(v * c for v, c in pairs) / m
        variances.append(math.fsum(c * (v - item_mean) ** 2 for v, c in pairs) / (m - 1))
        ads.append(math.fsum(c * abs(v - item_mean) for v, c in pairs) / m)
    if not variances:
        return None
    expected = (points * points - 1) / 12  # variance of the uniform "no agreement" null
    k = len(variances)  # > 0, so both means exist
    return Agreement(1 - math.fsum(variances) / k / expected, math.fsum(ads) / k, k)


@dataclass(frozen=True)
class Split:
    favorable: float
    neutral: float
    unfavorable: float
    answers: int


def favorable_split(histograms: Iterable[tuple[Sequence[int], bool]]) -> Split | None:
    """Shares of favorable, neutral and unfavorable answers over all non-missing answers."""
    tally = {1: 0, 0: 0, -1: 0}
    for counts, reverse in histograms:
        for i, c in enumerate(counts):
            tally[answer_class(i + 1, len(counts), reverse)] += c
    total = sum(tally.values())
    if total == 0:
        return None
    return Split(tally[1] / total, tally[0] / total, tally[-1] / total, total)


# ---------------------------------------------------------------------------------------------
# 5. Participation, medians and means from histograms


def participation(responded: int, invited: int) -> float | None:
    """R = r / N; None when nobody was invited."""
    return responded / invited if invited > 0 else None


def histogram_median(counts: Sequence[int], scale_min: int = 1) -> float | None:
    """Median of the answers behind a histogram; the mean of the two middle ones when even."""
    total = sum(counts)
    if total == 0:
        return None

    def kth(k: int) -> int:  # value of the k-th answer (0-based) in sorted order
        seen = 0
        for i, c in enumerate(counts):
            seen += c
            if k < seen:
                return scale_min + i
        raise AssertionError("unreachable")

    if total % 2:
        return float(kth(total // 2))
    return (kth(total // 2 - 1) + kth(total // 2)) / 2


def histogram_mean(counts: Sequence[int], scale_min: int = 1) -> float | None:
    """Mean raw answer (e.g. 0..10 for the likelihood item)."""
    total = sum(counts)
    if total == 0:
        return None
    return math.fsum((scale_min + i) * c for i, c in enumerate(counts)) / total


def histogram_mean_score(counts: Sequence[int], reverse: bool) -> float | None:
    """Mean item score (0..100 after direction) of the answers behind a histogram."""
    total = sum(counts)
    if total == 0:
        return None
    points = len(counts)
    return math.fsum(item_score(i + 1, points, reverse) * c for i, c in enumerate(counts)) / total


# ---------------------------------------------------------------------------------------------
# 6. KPIs


def kpi_on_target(value: float | None, target: float | None, direction: str) -> bool | None:
    """A KPI value against its target: ``value >= target`` when higher is better, ``value <=
    target`` when lower is better (a value within 1e-9 of the target is on it). None when no
    value (or no target) was recorded: unknown, never off target."""
    if value is None or target is None:
        return None
    if direction == "higher":
        return ge(value, target)
    if direction == "lower":
        return le(value, target)
    raise ValueError(f"unknown KPI direction {direction!r}")
