"""Each formula of scoring.md, with the arithmetic written out."""

import math
import random

import pytest
from scipy.stats import t as student_t

from partnership.scoring import (
    agreement,
    answer_class,
    favorable_split,
    gap,
    group_stats,
    hedges_g,
    histogram_mean,
    histogram_mean_score,
    histogram_median,
    is_confirmed,
    item_score,
    joint,
    min_answered,
    participation,
    person_score,
    pooled_sd,
    variance_of_mean,
    welch_interval,
)
from partnership.scoring.formulas import (
    Interval,
    ge,
    gt,
    is_zero,
    le,
    lt,
    t_quantile,
    weighted_group_stats,
)

TOL = 1e-9


# 1. Item scores ------------------------------------------------------------------------------


def test_item_score_positive_five_point():
    # 100 (x-1)/(5-1): 1..5 -> 0, 25, 50, 75, 100
    assert [item_score(x, 5) for x in range(1, 6)] == [0, 25, 50, 75, 100]


def test_item_score_reverse_five_point():
    # 100 (5-x)/4: 1..5 -> 100, 75, 50, 25, 0
    assert [item_score(x, 5, reverse=True) for x in range(1, 6)] == [100, 75, 50, 25, 0]


def test_item_score_frequency_reverse():
    # frequency, A = 4, reverse: 100 (4-x)/3: never=100, occasionally=66.7, most=33.3, every=0
    assert item_score(1, 4, True) == 100
    assert item_score(2, 4, True) == pytest.approx(200 / 3, abs=TOL)
    assert item_score(3, 4, True) == pytest.approx(100 / 3, abs=TOL)
    assert item_score(4, 4, True) == 0


def test_item_score_rejects_answers_off_the_scale():
    with pytest.raises(ValueError):
        item_score(0, 5)
    with pytest.raises(ValueError):
        item_score(6, 5)


def test_answer_class_five_point():
    # score > 50 favorable, = 50 neutral, < 50 unfavorable
    assert [answer_class(x, 5) for x in range(1, 6)] == [-1, -1, 0, 1, 1]
    assert [answer_class(x, 5, True) for x in range(1, 6)] == [1, 1, 0, -1, -1]


def test_answer_class_four_point_has_no_neutral():
    # 0, 33.3, 66.7, 100: nothing is exactly 50
    assert [answer_class(x, 4) for x in range(1, 5)] == [-1, -1, 1, 1]


# 2. Person and group scores -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("items", "needed"), [(1, 1), (2, 2), (3, 2), (4, 3), (5, 4), (6, 4), (9, 6), (10, 7)]
)
def test_min_answered_is_ceil_two_thirds(items, needed):
    assert min_answered(items) == needed == math.ceil(2 * items / 3)


def test_person_score_mean_of_answered_items():
    # 3 items, answered 2 (>= ceil(2)), scores 50 + 75 = 125 -> 62.5
    assert person_score(125, 2, 3) == 62.5


def test_person_score_missing_with_too_few_answers():
    # 4 items need ceil(8/3) = 3 answers; 2 answers is not enough
    assert person_score(150, 2, 4) is None
    assert person_score(0, 0, 3) is None


def test_group_stats_mean_and_sample_sd():
    # S = (50+75+100)/3 = 75; s = sqrt(((-25)^2 + 0 + 25^2) / (3-1)) = sqrt(625) = 25
    st = group_stats([50, 75, 100])
    assert (st.n, st.S, st.s) == (3, 75, 25)


def test_group_stats_edge_cases():
    assert group_stats([]) == group_stats(()) and group_stats([]).S is None
    one = group_stats([40])
    assert (one.n, one.S, one.s) == (1, 40, None)  # ddof 1 needs two values


def test_group_stats_identical_scores_have_zero_spread_exactly():
    # 100/3 three times: fsum/3 may miss 100/3 by an ulp; the spread is still exactly 0
    assert group_stats([100 / 3] * 3).s == 0.0
    assert group_stats([200 / 3, 200 / 3 + 1e-13]).s == 0.0


def test_joint_and_gap():
    # J = (70 + 55) / 2 = 62.5; G = 70 - 55 = 15
    assert joint(70, 55) == 62.5
    assert gap(70, 55) == 15
    assert joint(70, None) is None and gap(None, 55) is None


# 3. Effect size and interval ----------------------------------------------------------------


def test_hedges_g_arithmetic():
    # s_p = sqrt((9*20^2 + 11*25^2) / 20) = sqrt((3600 + 6875)/20) = sqrt(523.75)
    # d = 15 / 22.88559 = 0.655432; g = d * (1 - 3/(4*22 - 9)) = d * 76/79 = 0.630545
    s_p = math.sqrt(523.75)
    assert pooled_sd(10, 20, 12, 25) == pytest.approx(s_p, abs=TOL)
    assert hedges_g(15, 10, 20, 12, 25) == pytest.approx(15 / s_p * 76 / 79, abs=TOL)
    assert hedges_g(15, 10, 20, 12, 25) == pytest.approx(0.630545, abs=1e-6)


def test_hedges_g_null_when_no_spread_or_no_df():
    assert hedges_g(10, 5, 0.0, 5, 0.0) is None  # s_p = 0
    assert hedges_g(10, 1, None, 1, None) is None  # df = 1 + 1 - 2 = 0
    assert hedges_g(None, 5, 1.0, 5, 1.0) is None


def test_hedges_g_one_person_in_one_org_pools_the_other():
    # n_A = 1 contributes (1-1) s^2 = 0: s_p = sqrt(4*10^2 / (1+5-2)) = 10; d = 1
    # g = 1 * (1 - 3/(4*6 - 9)) = 1 - 3/15 = 0.8
    assert hedges_g(10, 1, None, 5, 10) == pytest.approx(0.8, abs=TOL)


def test_t_quantile_is_students():
    # the textbook table: t(0.975, 10) = 2.228, t(0.975, 1) = 12.706 (tan(0.475 pi))
    assert t_quantile(0.975, 10) == pytest.approx(2.228138851986274, rel=1e-15)
    assert t_quantile(0.975, 1) == pytest.approx(math.tan(0.475 * math.pi), rel=1e-13)
    # df 2 has a closed form: t = (2p - 1) sqrt(2 / (1 - (2p - 1)^2))
    for p in (0.6, 0.9, 0.975, 0.999):
        a = 2 * p - 1
        assert t_quantile(p, 2) == pytest.approx(a * math.sqrt(2 / (1 - a * a)), rel=1e-13)
    assert t_quantile(0.5, 7) == 0.0
    assert t_quantile(0.025, 7.5) == -t_quantile(0.975, 7.5)


def test_t_quantile_agrees_with_scipy_for_fractional_df():
    # Welch's df is fractional and, for a survey of thousands, large: the value SciPy's
    # scipy.stats.t.ppf gives, to 1e-12 (the signals compare with a 1e-9 tolerance)
    rng = random.Random(20)
    dfs = [0.7, 1.3, 2.5, 4.0, 7.77, 19.7155, 39.9, 40.1, 118.4, 5000.5, 2.5e4, 1e5]
    dfs += [math.exp(rng.uniform(0, math.log(1e5))) for _ in range(200)]
    for df in dfs:
        for p in (0.6, 0.9, 0.95, 0.975, 0.995, 0.999):
            assert t_quantile(p, df) == pytest.approx(float(student_t.ppf(p, df)), rel=1e-12), (
                p,
                df,
            )


def test_t_quantile_refuses_what_has_no_quantile():
    for p, df in ((0.0, 5), (1.0, 5), (0.975, 0), (0.975, -1), (0.975, float("nan"))):
        with pytest.raises(ValueError):
            t_quantile(p, df)


def test_welch_interval_with_finite_population_correction():
    # v_A = 20^2/10 * (1 - 10/20) = 40 * 0.5 = 20
    # v_B = 25^2/12 * (1 - 12/30) = 52.0833 * 0.6 = 31.25
    # df = (20 + 31.25)^2 / (20^2/9 + 31.25^2/11) = 2626.5625 / 133.2229 = 19.7155
    # G +- t(0.975, df) * sqrt(51.25)
    df = 51.25**2 / (20**2 / 9 + 31.25**2 / 11)
    half = student_t.ppf(0.975, df) * math.sqrt(51.25)
    iv = welch_interval(15, 10, 20, 20, 12, 25, 30)
    assert iv.df == pytest.approx(df, abs=TOL) and iv.df == pytest.approx(19.7155, abs=1e-4)
    assert 2.08 < student_t.ppf(0.975, df) < 2.10
    assert (iv.low, iv.high) == (pytest.approx(15 - half, abs=TOL), pytest.approx(15 + half))
    assert not iv.census and is_confirmed(iv)


def test_welch_interval_without_invitation_count_has_no_correction():
    # N unknown: v = s^2/n: 10^2/5 + 10^2/5 = 40; df = 40^2 / (2 * 20^2/4) = 8
    iv = welch_interval(5, 5, 10, None, 5, 10, None)
    assert iv.df == pytest.approx(8, abs=TOL)
    assert iv.high - 5 == pytest.approx(student_t.ppf(0.975, 8) * math.sqrt(40), abs=TOL)
    assert not is_confirmed(iv)  # 5 +- 2.306 * 6.32 straddles 0


def test_welch_interval_census_is_the_point():
    # every invited person answered: 1 - n/N = 0 for both, v_A + v_B = 0 -> [G, G]
    iv = welch_interval(7.5, 6, 12, 6, 8, 20, 8)
    assert iv == Interval(7.5, 7.5, None, True)
    assert is_confirmed(iv)
    assert not is_confirmed(welch_interval(0.0, 6, 12, 6, 8, 20, 8))


def test_welch_interval_no_spread_is_a_point_but_not_a_census():
    iv = welch_interval(-4, 6, 0.0, 10, 8, 0.0, 20)
    assert iv == Interval(-4, -4, None, False)


def test_welch_interval_one_census_org_takes_df_from_the_other():
    # v_A = 0 (n_A = N_A): df = v_B^2 / (v_B^2 / (n_B - 1)) = n_B - 1 = 11
    iv = welch_interval(3, 5, 10, 5, 12, 25, 30)
    assert iv.df == pytest.approx(11, abs=TOL)


def test_variance_of_mean_choices_for_one_person():
    assert variance_of_mean(1, None, 10) is None  # one of ten: spread unknown
    assert variance_of_mean(1, None, 1) == 0.0  # one of one: a census
    assert variance_of_mean(0, None, 10) is None
    assert welch_interval(3, 1, None, 10, 5, 10, 20) is None
    # n > N cannot happen; the correction is clamped at 0 rather than negative
    assert variance_of_mean(6, 10, 5) == 0.0


def test_confirmed_uses_the_tolerance():
    assert not is_confirmed(Interval(1e-9, 5, 3, False))  # lower must exceed 1e-9
    assert is_confirmed(Interval(1.5e-9, 5, 3, False))
    assert is_confirmed(Interval(-5, -1.5e-9, 3, False))
    assert not is_confirmed(Interval(-5, -1e-9, 3, False))
    assert is_confirmed(None) is None


# 4. Agreement --------------------------------------------------------------------------------

# item 1: answers 3,3,4,4,5: mean 3.8; var = (0.64*2 + 0.04*2 + 1.44)/4 = 0.7;
#         AD = (0.8*2 + 0.2*2 + 1.2)/5 = 0.64
# item 2 (reverse): raw 1,5,5,5,5 -> after direction 5,1,1,1,1: mean 1.8;
#         var = (3.2^2 + 4*0.8^2)/4 = 3.2; AD = (3.2 + 4*0.8)/5 = 1.28
# item 3: one answer, left out
ITEMS = [((0, 0, 2, 2, 1), False), ((1, 0, 0, 0, 4), True), ((0, 1, 0, 0, 0), False)]


def test_rwg_and_ad_arithmetic():
    # rwg = 1 - mean(0.7, 3.2) / ((5^2-1)/12) = 1 - 1.95/2 = 0.025; AD = (0.64+1.28)/2 = 0.96
    agr = agreement(ITEMS, 5, n=5)
    assert agr.rwg == pytest.approx(0.025, abs=TOL)
    assert agr.ad == pytest.approx(0.96, abs=TOL)
    assert agr.items_used == 2


def test_rwg_can_be_negative():
    # answers 1,1,5,5 on one item: var = 4*4/3 = 5.333; rwg = 1 - 5.333/2 = -1.667
    agr = agreement([((2, 0, 0, 0, 2), False)], 5, n=5)
    assert agr.rwg == pytest.approx(1 - (16 / 3) / 2, abs=TOL)
    assert agr.ad == 2


def test_rwg_everyone_agrees():
    agr = agreement([((0, 0, 0, 5, 0), False)], 5, n=5)
    assert (agr.rwg, agr.ad) == (1.0, 0.0)


def test_rwg_null_below_five_or_without_two_answers():
    assert agreement(ITEMS, 5, n=4) is None
    assert agreement([((0, 1, 0, 0, 0), False), ((0, 0, 0, 0, 0), True)], 5, n=6) is None


def test_rwg_frequency_scale():
    # A = 4: expected variance (16-1)/12 = 1.25; answers 1,2,3,4: var = 5/3; rwg = 1 - 4/3
    agr = agreement([((1, 1, 1, 1), True)], 4, n=5)
    assert agr.rwg == pytest.approx(1 - (5 / 3) / 1.25, abs=TOL)


def test_favorable_split_after_direction():
    # positive 1,2,3,3,4,4,4,5,5,5: fav 6, neutral 2, unfav 2
    # reverse raw 1 and 5: after direction 5 (fav) and 1 (unfav)
    # total 12: 7/12 favorable, 2/12 neutral, 3/12 unfavorable
    split = favorable_split([((1, 1, 2, 3, 3), False), ((1, 0, 0, 0, 1), True)])
    assert (split.favorable, split.neutral, split.unfavorable) == (7 / 12, 2 / 12, 3 / 12)
    assert split.answers == 12
    assert favorable_split([((0, 0, 0, 0, 0), False)]) is None


def test_favorable_split_four_point():
    split = favorable_split([((1, 1, 1, 1), False)])
    assert (split.favorable, split.neutral, split.unfavorable) == (0.5, 0, 0.5)


# 5. Participation and histograms ------------------------------------------------------------


def test_participation():
    assert participation(6, 10) == 0.6
    assert participation(0, 10) == 0
    assert participation(0, 0) is None


def test_median_from_histogram():
    assert histogram_median((0, 0, 1, 1, 1)) == 4  # 3, 4, 5 -> 4
    assert histogram_median((1, 2, 0, 1)) == 2  # 1, 2, 2, 4 -> (2+2)/2
    assert histogram_median((1, 0, 1, 2)) == 3.5  # 1, 3, 4, 4 -> (3+4)/2
    assert histogram_median((1, 1, 0, 0)) == 1.5
    assert histogram_median((0, 0, 0, 0)) is None
    assert histogram_median((1,) + (0,) * 9 + (1,), scale_min=0) == 5  # 0 and 10


def test_histogram_means():
    # likelihood 0..10: answers 0, 10, 8 -> 6
    assert histogram_mean((1,) + (0,) * 7 + (1, 0, 1), scale_min=0) == 6
    # 5-point scores: 2 -> 25, 5 -> 100: mean 62.5; reverse: 75, 0 -> 37.5
    assert histogram_mean_score((0, 1, 0, 0, 1), False) == 62.5
    assert histogram_mean_score((0, 1, 0, 0, 1), True) == 37.5
    assert histogram_mean((0, 0)) is None and histogram_mean_score((0, 0), False) is None


def test_tolerance_helpers():
    assert not lt(50 - 1e-10, 50) and lt(50 - 2e-9, 50)
    assert le(-12 + 1e-10, -12) and le(-12 - 1e-10, -12) and not le(-12 + 2e-9, -12)
    assert ge(10 - 1e-10, 10) and not ge(10 - 2e-9, 10)
    assert not gt(0.8333333334, 5 / 6) and gt(5 / 6 + 2e-9, 5 / 6)
    assert is_zero(1e-10) and not is_zero(2e-9)


def test_weighted_group_stats_equal_the_listed_scores():
    # 50 twice, 75 once, 100 three times: S = (100+75+300)/6 = 79.1666...;
    # s^2 = (2 (50-S)^2 + (75-S)^2 + 3 (100-S)^2) / 5
    st = weighted_group_stats([(50, 2), (75, 1), (100, 3)])
    S = 475 / 6
    assert st.n == 6 and pytest.approx(S, abs=TOL) == st.S
    assert st.s == pytest.approx(
        math.sqrt((2 * (50 - S) ** 2 + (75 - S) ** 2 + 3 * (100 - S) ** 2) / 5), abs=TOL
    )
    listed = group_stats([50, 50, 75, 100, 100, 100])
    assert pytest.approx(listed.S, abs=TOL) == st.S and st.s == pytest.approx(listed.s, abs=TOL)


def test_weighted_group_stats_edge_cases():
    assert weighted_group_stats([]) == group_stats([])
    assert weighted_group_stats([(40, 0)]) == group_stats([])  # weight 0: nobody
    assert weighted_group_stats([(40, 1)]) == group_stats([40])
    # one score held by several persons: n counts them, the spread is exactly 0
    assert weighted_group_stats([(100 / 3, 7)]) == group_stats([100 / 3] * 7)
    assert weighted_group_stats([(100 / 3, 7)]).s == 0.0
    with pytest.raises(ValueError):
        weighted_group_stats([(50, -1)])


def test_weighted_group_stats_with_weight_one_are_group_stats_exactly():
    scores = [0.0, 100 / 3, 200 / 3, 25.0, 87.5, 100 / 3]
    assert weighted_group_stats((v, 1) for v in scores) == group_stats(scores)
