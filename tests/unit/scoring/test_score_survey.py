"""score_survey end to end on small surveys whose numbers can be worked out by hand."""

import json
import math
from dataclasses import replace

import pytest
from scipy.stats import t as student_t

from partnership.scoring import (
    BELOW_THRESHOLD,
    COMPLEMENTARY,
    NOT_APPLICABLE,
    NOT_COMPUTABLE,
    NOT_ENOUGH_DATA,
    SURVEY_OPEN,
    Comment,
    HistoryPoint,
    ItemSpec,
    KpiStatus,
    PersonDimension,
    PriorSignal,
    RawResponse,
    Segment,
    Settings,
    headline_order,
    history_point_from_dict,
    history_point_from_result,
    order_comments,
    score_survey,
)
from tests.builders.scoring import build, check_reasons, dimension_items, same_answers

TOL = 1e-9
EXEC = dimension_items(("execution",))
SEG_A = Segment("A", "ops", "individual")
SEG_B = Segment("B", "ops", "individual")


def two_orgs(a_values, b_values, invited_a=None, invited_b=None, items=EXEC, **kwargs):
    responses = same_answers(items, a_values, "A") + same_answers(items, b_values, "B")
    invited = {
        SEG_A: len(a_values) if invited_a is None else invited_a,
        SEG_B: len(b_values) if invited_b is None else invited_b,
    }
    return build(items, responses, invited, **kwargs)


def rules(result):
    return {(s.rule, s.dimension): s.severity for s in result.signals}


# The worked example ---------------------------------------------------------------------------
# A: five persons answer 5,4,4,3,4 to all three items -> scores 100,75,75,50,75; 10 invited
# B: five persons answer 3,3,2,3,4 -> scores 50,50,25,50,75; 5 invited (all answered)


@pytest.fixture(scope="module")
def worked():
    return score_survey(two_orgs([5, 4, 4, 3, 4], [3, 3, 2, 3, 4], 10, 5), Settings())


def test_group_scores(worked):
    a, b = worked.dimension("execution").org("A"), worked.dimension("execution").org("B")
    # S_A = 375/5 = 75; s_A = sqrt((25^2 + 0 + 0 + 25^2 + 0)/4) = sqrt(312.5)
    assert (a.n.value, a.S.value) == (5, 75)
    assert a.s.value == pytest.approx(math.sqrt(312.5), abs=TOL)
    # S_B = 250/5 = 50; s_B = sqrt((0 + 0 + 25^2 + 0 + 25^2)/4) = sqrt(312.5)
    assert (b.n.value, b.S.value) == (5, 50)
    assert b.s.value == pytest.approx(math.sqrt(312.5), abs=TOL)


def test_split_and_agreement(worked):
    a, b = worked.dimension("execution").org("A"), worked.dimension("execution").org("B")
    # A's 15 answers: 5 x3 and 4 x9 favorable, 3 x3 neutral
    assert (a.favorable.value, a.neutral.value, a.unfavorable.value) == (0.8, 0.2, 0.0)
    # B's: 4 x3 favorable, 3 x9 neutral, 2 x3 unfavorable
    assert (b.favorable.value, b.neutral.value, b.unfavorable.value) == (0.2, 0.6, 0.2)
    # every item: variance (1+0+0+1+0)/4 = 0.5 -> rwg = 1 - 0.5/2 = 0.75; AD = 2/5 = 0.4
    for org in (a, b):
        assert org.rwg.value == pytest.approx(0.75, abs=TOL)
        assert org.AD.value == pytest.approx(0.4, abs=TOL)
        assert not org.indicative


def test_joint_gap_effect_and_interval(worked):
    d = worked.dimension("execution")
    assert (d.J.value, d.G.value) == (62.5, 25)  # (75+50)/2, 75-50
    # s_p = sqrt(312.5); d = 25/s_p = 1.41421; g = d * (1 - 3/(4*10 - 9)) = d * 28/31
    assert d.g.value == pytest.approx(25 / math.sqrt(312.5) * 28 / 31, abs=TOL)
    # v_A = 312.5/5 * (1 - 5/10) = 31.25; v_B = 0 (census of B) -> df = n_A - 1 = 4
    half = student_t.ppf(0.975, 4) * math.sqrt(31.25)  # 2.7764 * 5.5902 = 15.521
    assert d.ci_low.value == pytest.approx(25 - half, abs=TOL)
    assert d.ci_high.value == pytest.approx(25 + half, abs=TOL)
    assert d.ci_low.value == pytest.approx(9.479, abs=1e-3)
    assert d.confirmed.value is True and d.census.value is False


def test_signals_health_and_overall(worked):
    # GAP: |25| >= 12.5 and g = 1.28 >= 0.5 -> red. PARTICIPATION: R_A = 5/10 = 0.5 < 0.6
    # and |0.5 - 1.0| >= 0.25 -> amber. LEVEL: 62.5 >= 60, none. CONSENSUS: none.
    assert rules(worked) == {("GAP", "execution"): "red", ("PARTICIPATION", None): "amber"}
    assert worked.dimension("execution").health.value == "red"
    assert worked.health.value == "red"
    assert worked.org("A").overall.value == 75 and worked.org("B").overall.value == 50
    assert worked.overall_joint.value == 62.5
    assert (worked.org("A").R.value, worked.org("B").R.value) == (0.5, 1.0)
    assert worked.escalations == ()


def test_export_is_json_with_a_reason_beside_every_null(worked):
    data = worked.to_dict()
    text = json.dumps(data, allow_nan=False)
    assert json.loads(text) == data
    assert data["dimensions"][0]["organizations"]["A"]["S"] == 75
    assert data["dimensions"][0]["organizations"]["A"]["S_reason"] is None
    assert data["organizations"]["A"]["signs_reason"] == NOT_APPLICABLE
    check_reasons(data)


def test_history_point_round_trips_through_the_export(worked):
    from_dict = history_point_from_dict(json.loads(json.dumps(worked.to_dict())))
    assert from_dict == history_point_from_result(worked) == HistoryPoint.from_result(worked)
    assert from_dict.J == {"execution": 62.5}
    assert from_dict.R == {"A": 0.5, "B": 1.0}
    assert PriorSignal("GAP", "execution", "red") in from_dict.signals


# Edge cases -----------------------------------------------------------------------------------


def test_group_below_threshold_is_withheld_everywhere():
    result = score_survey(two_orgs([5, 4, 4, 3, 4], [3, 3, 2, 3]), Settings())
    b = result.dimension("execution").org("B")
    for rep in (b.n, b.S, b.s, b.rwg, b.AD, b.favorable, b.neutral, b.unfavorable):
        assert rep.value is None and rep.reason == BELOW_THRESHOLD
    d = result.dimension("execution")
    for rep in (d.J, d.G, d.g, d.ci_low, d.ci_high, d.confirmed, d.census):
        assert rep.reason == BELOW_THRESHOLD
    assert result.org("B").overall.reason == BELOW_THRESHOLD
    assert result.overall_joint.reason == BELOW_THRESHOLD
    assert rules(result) == {}  # no LEVEL/GAP without both, no CONSENSUS quoting B
    assert d.health.value == NOT_ENOUGH_DATA
    assert result.health.value == NOT_ENOUGH_DATA


def test_lowered_threshold_makes_a_group_of_four_indicative():
    result = score_survey(two_orgs([5, 4, 4, 3, 4], [3, 3, 2, 3]), Settings(min_group=3))
    b = result.dimension("execution").org("B")
    assert b.indicative and b.S.value == 43.75  # (50+50+25+50)/4
    assert b.rwg.reason == NOT_COMPUTABLE  # rwg needs n >= 5 whatever min_group says
    assert result.dimension("execution").J.value == pytest.approx((75 + 43.75) / 2)


def test_everyone_gives_the_same_answer():
    # A all 4 (75), B all 3 (50), not a census: s = 0 -> g null; v = 0 -> [G, G]
    result = score_survey(two_orgs([4] * 6, [3] * 6, 12, 12), Settings())
    d = result.dimension("execution")
    assert d.org("A").s.value == 0 and d.org("A").rwg.value == 1 and d.org("A").AD.value == 0
    assert d.g.value is None and d.g.reason == NOT_COMPUTABLE
    assert (d.ci_low.value, d.ci_high.value) == (25, 25)
    assert d.confirmed.value is True and d.census.value is False
    # GAP 25 but g null: at most amber
    assert rules(result)[("GAP", "execution")] == "amber"


def test_census_interval_is_the_point_gap():
    result = score_survey(two_orgs([5, 4, 4, 3, 4], [3, 3, 2, 3, 4]), Settings())
    d = result.dimension("execution")
    assert (d.ci_low.value, d.ci_high.value) == (d.G.value, d.G.value) == (25, 25)
    assert d.census.value is True and d.confirmed.value is True
    assert d.g.value == pytest.approx(25 / math.sqrt(312.5) * 28 / 31, abs=TOL)


def test_one_organization_without_answers():
    responses = same_answers(EXEC, [5, 4, 4, 3, 4], "A")
    result = score_survey(build(EXEC, responses, {SEG_A: 5, SEG_B: 6}), Settings())
    d = result.dimension("execution")
    assert d.org("A").S.value == 75
    assert d.org("B").n.reason == BELOW_THRESHOLD and d.J.reason == BELOW_THRESHOLD
    assert result.org("B").R.value == 0 and result.org("B").responded == 0
    assert rules(result) == {("PARTICIPATION", None): "red"}
    assert result.health.value == "red"


def test_nobody_invited_in_one_organization():
    responses = same_answers(EXEC, [5, 4, 4, 3, 4], "A")
    result = score_survey(build(EXEC, responses, {SEG_A: 5}), Settings())
    assert result.org("B").R.reason == NOT_COMPUTABLE and result.org("B").invited == 0
    assert rules(result) == {}  # B is not judged, and there is no difference to judge


def test_not_applicable_everywhere():
    result = score_survey(two_orgs([None] * 6, [None] * 6), Settings())
    d = result.dimension("execution")
    assert d.org("A").n.reason == BELOW_THRESHOLD
    assert d.org("A").favorable.reason == BELOW_THRESHOLD  # no answers behind a split
    assert result.org("A").responded == 6 and result.org("A").R.value == 1
    assert result.signals == ()
    assert result.health.value == NOT_ENOUGH_DATA
    check_reasons(result.to_dict())


def test_a_dimension_without_items_is_not_applicable_not_below_the_threshold():
    # a coach added "trust" to the instrument but no question yet; six people on each side
    # answered the rest: nothing is withheld for privacy, there is simply nothing to score
    responses = same_answers(EXEC, [4] * 6, "A") + same_answers(EXEC, [3] * 6, "B")
    result = score_survey(build(EXEC, responses, dims=("execution", "trust")), Settings())
    trust = result.dimension("trust")
    assert trust.item_count == 0
    for rep in (trust.J, trust.G, trust.g, trust.org("A").S, trust.org("B").n):
        assert rep.reason == NOT_APPLICABLE
    assert trust.org("A").favorable.reason == NOT_APPLICABLE
    cells = [c for c in result.by_function + result.by_level if c.dimension == "trust"]
    assert cells and {c.S.reason for c in cells} == {NOT_APPLICABLE}
    assert result.dimension("execution").org("A").S.value == 75
    check_reasons(result.to_dict())


def test_person_with_too_few_answers_counts_in_split_not_in_score():
    # 3 items need 2 answers. Four full persons (all 4 = 75) and two who answered one item
    # with 1 (0). n = 4 < 5: S withheld; but 6 persons stand behind the split of 14 answers.
    seg = SEG_A
    partial = [RawResponse(seg, {"execution-0": 1}) for _ in range(2)]
    responses = same_answers(EXEC, [4] * 4, "A") + partial + same_answers(EXEC, [4] * 5, "B")
    result = score_survey(build(EXEC, responses), Settings())
    a = result.dimension("execution").org("A")
    assert a.S.reason == BELOW_THRESHOLD
    assert a.favorable.value == 12 / 14 and a.unfavorable.value == 2 / 14
    # with min_group 3, the 4 persons with a score are shown; the partial ones are not in S
    low = score_survey(build(EXEC, responses), Settings(min_group=3))
    assert low.dimension("execution").org("A").S.value == 75


def test_open_survey_shows_participation_only():
    result = score_survey(two_orgs([5, 4, 4, 3, 4], [3, 3, 2], 10, 5), Settings(), is_open=True)
    assert result.state == "open"
    assert result.org("A").R.value == 0.5 and result.org("B").responded == 3
    d = result.dimension("execution")
    for rep in (d.J, d.G, d.health, d.org("A").S, d.org("A").n, d.org("B").favorable):
        assert rep.reason == SURVEY_OPEN
    assert result.org("A").overall.reason == SURVEY_OPEN
    assert result.org("A").comments.reason == SURVEY_OPEN
    assert result.signals == () and result.escalations == ()
    assert result.health.reason == SURVEY_OPEN
    assert result.by_function == () and result.participation_by_function
    check_reasons(result.to_dict())


def test_headline_order():
    dims = ("communication", "extra", "governance", "execution", "market", "cultural")
    assert headline_order(dims) == (
        "cultural",
        "market",
        "execution",
        "governance",
        "communication",
        "extra",
    )
    items = dimension_items(dims)
    result = score_survey(build(items, same_answers(items, [4] * 5), dims=dims))
    assert [d.dimension for d in result.dimensions] == list(headline_order(dims))
    assert [d.headline for d in result.dimensions] == [True] * 3 + [False] * 3


# History: trends, divergence, participation drop, escalation ----------------------------------


def test_history_drives_trend_divergence_drop_and_escalation(worked):
    data = two_orgs([5, 4, 4, 3, 4], [3, 3, 2, 3, 4], 10, 5)
    t1 = HistoryPoint(
        J={"execution": 75.0},
        G={"execution": 12.0},
        R={"A": 0.8, "B": 1.0},
        signals=(PriorSignal("GAP", "execution", "red"),),
    )
    t2 = HistoryPoint(J={"execution": 78.0}, G={"execution": 10.0}, R={"A": 0.9, "B": 1.0})
    result = score_survey(data, Settings(), history=(t1, t2))
    got = rules(result)
    assert got[("TREND", "execution")] == "red"  # 62.5 - 75 = -12.5 <= -10
    assert got[("DIVERGENCE", "execution")] == "amber"  # |25| - |10| = 15 >= 8
    participation = next(s for s in result.signals if s.rule == "PARTICIPATION")
    assert "Acme down from 80% to 50%" in participation.explanation
    assert [(e.kind, e.rule) for e in result.escalations] == [("repeated_red", "GAP")]


def test_missing_history_values_do_not_meet_conditions():
    data = two_orgs([5, 4, 4, 3, 4], [3, 3, 2, 3, 4], 10, 5)
    t1 = HistoryPoint(J={"execution": None}, G={}, R={})
    t2 = HistoryPoint(J={"execution": 80.0}, G={"execution": None}, R={"A": None})
    got = rules(score_survey(data, Settings(), history=(t1, t2)))
    assert got[("TREND", "execution")] == "red"  # 62.5 - 80 <= -12 stands alone
    assert ("DIVERGENCE", "execution") not in got
    only_t1 = rules(score_survey(data, Settings(), history=(t1,)))
    assert ("TREND", "execution") not in only_t1


def test_two_ambers_escalate():
    # A all 4 (75), B all 3 (50) with a raised level threshold: LEVEL amber (62.5 < 65)
    # and GAP amber (g null)
    s = Settings(level_amber=65)
    result = score_survey(two_orgs([4] * 6, [3] * 6, 8, 8), s)
    assert rules(result) == {("LEVEL", "execution"): "amber", ("GAP", "execution"): "amber"}
    assert [(e.kind, e.dimension) for e in result.escalations] == [("multiple_amber", "execution")]


def test_kpi_signals_set_partnership_health_and_the_result_carries_the_kpis():
    kpis = (
        # turns 4.1 < 5 (off) while unit cost 40 <= 42 (on, lower is better): red
        KpiStatus(
            "turns",
            "Inventory turns",
            "shared",
            value=4.1,
            target=5,
            prev_value=5.2,
            prev_target=5,
            linked_local_ids=("cost",),
        ),
        KpiStatus(
            "cost",
            "Unit cost",
            "local",
            "lower",
            value=40,
            target=42,
            unit="EUR",
            organization="B",
            function="operations",
            linked_to="turns",
        ),
    )
    result = score_survey(two_orgs([5] * 5, [5] * 5), Settings(), kpis=kpis)
    assert rules(result) == {("KPI", None): "red"}
    assert result.dimension("execution").health.value == "green"
    assert result.health.value == "red"
    exported = json.loads(json.dumps(result.to_dict()))
    assert exported["kpis"] == [
        {
            "id": "turns",
            "name": "Inventory turns",
            "scope": "shared",
            "organization": None,
            "function": None,
            "unit": "",
            "direction": "higher",
            "value": 4.1,
            "target": 5,
            "on_target": False,
            "value_prev": 5.2,
            "target_prev": 5,
            "on_target_prev": True,
            "linked_to": None,
            "linked_local_ids": ["cost"],
        },
        {
            "id": "cost",
            "name": "Unit cost",
            "scope": "local",
            "organization": "B",
            "function": "operations",
            "unit": "EUR",
            "direction": "lower",
            "value": 40,
            "target": 42,
            "on_target": True,
            "value_prev": None,
            "target_prev": None,
            "on_target_prev": None,
            "linked_to": "turns",
            "linked_local_ids": [],
        },
    ]
    # an open survey judges nothing yet and carries no KPIs
    assert score_survey(two_orgs([5] * 5, [5] * 5), is_open=True, kpis=kpis).to_dict()["kpis"] == []


# Breakdowns -----------------------------------------------------------------------------------


def _people(org, function, level, n, value=4):
    return same_answers(EXEC, [value] * n, org, function, level)


@pytest.fixture(scope="module")
def segmented():
    responses = (
        _people("A", "sales", "manager", 6)
        + _people("A", "ops", "executive", 2, 5)
        + _people("A", "ops", "individual", 1, 5)
        + _people("A", "finance", "individual", 7, 3)
        + _people("B", "sales", "executive", 5, 5)
        + _people("B", "ops", "individual", 8, 3)
    )
    return score_survey(build(EXEC, responses), Settings())


def _cells(cells, org=None):
    return {(c.org, c.segment): (c.S.value, c.S.reason) for c in cells if org in (None, c.org)}


def test_heatmap_suppresses_rows_and_columns(segmented):
    # row A: ops (3) below 5 -> smallest other, sales (6), complementary.
    # column ops: (A, ops) alone hidden -> (B, ops) complementary. Column sales: 6 hidden, ok.
    assert _cells(segmented.by_function) == {
        ("A", "finance"): (50.0, None),
        ("A", "ops"): (None, BELOW_THRESHOLD),
        ("A", "sales"): (None, COMPLEMENTARY),
        ("B", "ops"): (None, COMPLEMENTARY),
        ("B", "sales"): (100.0, None),
    }
    hidden = [c for c in segmented.by_function if c.S.value is None]
    assert all(c.n.value is None and c.n.reason == c.S.reason for c in hidden)


def test_level_breakdown_and_leadership_view(segmented):
    # A: executive 2 (below), manager 6, individual 8 -> manager complementary
    assert _cells(segmented.by_level, "A") == {
        ("A", "executive"): (None, BELOW_THRESHOLD),
        ("A", "manager"): (None, COMPLEMENTARY),
        ("A", "individual"): (pytest.approx((100 + 7 * 50) / 8), None),
    }
    lo = {(x.org, x.dimension): x for x in segmented.leadership_operations}
    a, b = lo[("A", "execution")], lo[("B", "execution")]
    assert a.executive.reason == BELOW_THRESHOLD and a.difference.reason == BELOW_THRESHOLD
    # B: executives 5 x 100, individuals 8 x 50: difference 50
    assert (b.executive.value, b.individual.value, b.difference.value) == (100, 50, 50)
    assert [c.segment for c in segmented.by_level if c.org == "A"] == [
        "executive",
        "manager",
        "individual",
    ]


def test_participation_breakdown_uses_invitees():
    seg = Segment("A", "sales", "manager")
    responses = _people("A", "sales", "manager", 5) + _people("A", "ops", "individual", 2)
    invited = {seg: 9, Segment("A", "ops", "individual"): 4, Segment("A", "hr", "manager"): 12}
    result = score_survey(build(EXEC, responses, invited), Settings())
    cells = {c.segment: c for c in result.participation_by_function}
    # ops has 4 invitees < 5 -> withheld; smallest other is sales (9) -> complementary
    assert cells["ops"].R.reason == BELOW_THRESHOLD and cells["ops"].invited == 4
    assert cells["sales"].R.reason == COMPLEMENTARY and cells["sales"].responded.value is None
    assert cells["hr"].R.value == 0 and cells["hr"].responded.value == 0
    # levels: individual has 4 invitees; the only other level goes with it
    by_level = {c.segment: c.R.reason for c in result.participation_by_level}
    assert by_level == {"manager": COMPLEMENTARY, "individual": BELOW_THRESHOLD}
    assert result.org("A").R.value == 7 / 25  # the organization's own rate is always shown


# Items reported on their own, early-warning signs, comments -----------------------------------


def test_overall_and_likelihood_items():
    items = (
        *EXEC,
        ItemSpec("overall", None, 5, False, "agreement"),
        ItemSpec("nps", None, 11, False, "likelihood"),
    )
    responses = [
        RawResponse(SEG_A, {"execution-0": 4, "overall": v, "nps": n})
        for v, n in [(5, 10), (4, 9), (4, 7), (2, 0), (None, 5)]
    ] + [RawResponse(SEG_B, {"overall": 3, "nps": 6}) for _ in range(4)]
    result = score_survey(build(items, responses), Settings())
    overall = next(i for i in result.items if i.item_id == "overall")
    a = overall.org("A")
    assert a.n.reason == BELOW_THRESHOLD  # 4 answers: the fifth person skipped it
    nps = next(i for i in result.items if i.item_id == "nps")
    # A: 10, 9, 7, 0, 5 -> mean 31/5 = 6.2; distribution over 0..10
    assert nps.org("A").mean.value == pytest.approx(6.2, abs=TOL)
    assert nps.org("A").distribution.value == (1, 0, 0, 0, 0, 1, 0, 1, 0, 1, 1)
    assert nps.org("B").n.reason == BELOW_THRESHOLD and nps.joint_mean.reason == BELOW_THRESHOLD
    # with min_group 3 the overall item shows: A 100, 75, 75, 25 -> 68.75; B 50
    low = score_survey(build(items, responses), Settings(min_group=3))
    overall = next(i for i in low.items if i.item_id == "overall")
    assert overall.org("A").mean.value == 68.75 and overall.org("A").indicative
    assert overall.joint_mean.value == pytest.approx((68.75 + 50) / 2)
    assert [i.item_id for i in low.items] == ["overall", "nps"]
    assert all(d.item_count == 3 for d in low.dimensions)  # not in any dimension score


def _check_items():
    # ten sign items in four dimensions, frequency, reversed by being signs
    groups = {"demand": (1, 2, 3), "capacity": (4, 5, 6), "procurement": (7, 8, 9)}
    groups["credibility"] = (10,)
    return tuple(
        ItemSpec(f"sign-{n}", dim, 4, False, "frequency", sign=n)
        for dim, signs in groups.items()
        for n in signs
    )


def _answers_by_sign(columns):
    """Responses from per-sign answer lists: {sign: [answer of person 0, 1, ...]}."""
    people = len(next(iter(columns.values())))
    return [{f"sign-{n}": columns[n][k] for n in columns} for k in range(people)]


def test_early_warning_signs_from_medians():
    items = _check_items()
    dims = ("demand", "capacity", "procurement", "credibility")
    # A (5 persons): signs 1-4 answered 3,3,3,2,2 -> median 3 ("most cycles"): present;
    # signs 5-10 answered 2,2,2,3,3 -> median 2: absent
    a = _answers_by_sign({n: [3, 3, 3, 2, 2] if n <= 4 else [2, 2, 2, 3, 3] for n in range(1, 11)})
    # B (6 persons): sign 1 answered 1,2,3,3,4,4 -> median (3+3)/2 = 3: present; others 1
    b = _answers_by_sign({n: [1, 2, 3, 3, 4, 4] if n == 1 else [1] * 6 for n in range(1, 11)})
    responses = [RawResponse(SEG_A, x) for x in a] + [RawResponse(SEG_B, x) for x in b]
    result = score_survey(build(items, responses, dims=dims), Settings())
    assert result.org("A").sign_count.value == 4 and result.org("B").sign_count.value == 1
    present_a = [s.sign for s in result.org("A").signs.value if s.present]
    assert present_a == [1, 2, 3, 4]
    assert result.org("B").signs.value[0].median == 3
    ews = next(s for s in result.signals if s.rule == "EARLY_WARNING_SIGNS")
    assert ews.severity == "red"
    assert (
        ews.explanation == "Plan-and-execution warning signs present: Acme 4 of 10, Beta 1 of 10."
    )
    # sign items score in reverse ("every cycle" is the unfavourable end): on demand, A's
    # persons answered 3 (-> 100 (4-3)/3 = 33.3) or 2 (-> 66.7): S = (3 x 33.3 + 2 x 66.7) / 5
    assert result.dimension("demand").org("A").S.value == pytest.approx(
        (3 * 100 / 3 + 2 * 200 / 3) / 5, abs=TOL
    )


def test_early_warning_signs_withheld_for_a_small_organization():
    items = _check_items()
    responses = [RawResponse(SEG_A, {f"sign-{n}": 4 for n in range(1, 11)})] * 4
    result = score_survey(
        build(items, responses, dims=("demand", "capacity", "procurement", "credibility")),
        Settings(),
    )
    assert result.org("A").sign_count.reason == BELOW_THRESHOLD
    assert not any(s.rule == "EARLY_WARNING_SIGNS" for s in result.signals)


def test_comments_shown_for_large_groups_in_keyed_hash_order():
    comments = [Comment(SEG_A, f"c{k}", f"text {k}") for k in range(6)]
    comments.append(Comment(SEG_B, "b1", "small group"))
    data = two_orgs([4] * 5, [4] * 3, comments=comments)
    result = score_survey(data, Settings(), comment_key=b"snapshot-7")
    shown = result.org("A").comments.value
    assert [c.id for c in shown] == order_comments([f"c{k}" for k in range(6)], b"snapshot-7")
    assert sorted(c.id for c in shown) == [f"c{k}" for k in range(6)]
    assert result.org("B").comments.reason == BELOW_THRESHOLD
    other = score_survey(data, Settings(), comment_key=b"snapshot-8").org("A").comments.value
    assert {c.id for c in other} == {c.id for c in shown}


def test_person_rows_with_a_count_score_like_the_rows_repeated():
    # the app sends each distinct (segment, dimension, sum, count) once with its multiplicity
    data = two_orgs([5, 4, 4, 3, 4, 2, 4], [3, 3, 2, 3, 4, 1], 9, 8)
    merged: dict = {}
    for p in data.persons:
        key = (p.segment, p.dimension, p.score_sum, p.answered)
        merged[key] = merged.get(key, 0) + p.count
    weighted = replace(
        data, persons=tuple(PersonDimension(*key, count=n) for key, n in merged.items())
    )
    assert len(weighted.persons) < len(data.persons)
    assert score_survey(weighted).to_dict() == score_survey(data).to_dict()


def test_a_person_row_stands_for_at_least_one_person():
    with pytest.raises(ValueError):
        PersonDimension(SEG_A, "execution", 100.0, 1, count=0)
