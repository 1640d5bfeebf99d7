"""Each rule of the signal table: amber, red, on the threshold, and within 1e-9 of it."""

import pytest

from partnership.scoring import (
    AMBER,
    GREEN,
    NOT_ENOUGH_DATA,
    RED,
    ConsensusInput,
    KpiStatus,
    PriorSignal,
    Settings,
    Signal,
    dimension_health,
    escalations,
    kpi_on_target,
    partnership_health,
)
from partnership.scoring.signals import (
    consensus_signal,
    divergence_signal,
    early_warning_signal,
    gap_signal,
    kpi_signals,
    level_signal,
    participation_signal,
    trend_signal,
)

S = Settings()
NAMES = {"A": "Acme", "B": "Beta"}
TINY = 1e-10  # inside the tolerance
SMALL = 2e-9  # outside it


def severity(signal):
    return None if signal is None else signal.severity


# LEVEL ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("J", "expected"),
    [
        (72, None),
        (60, None),  # on the amber threshold: not below it
        (60 - TINY, None),
        (60 - SMALL, AMBER),
        (55, AMBER),
        (50, AMBER),
        (50 - TINY, AMBER),
        (50 - SMALL, RED),
        (31.2, RED),
        (None, None),
    ],
)
def test_level(J, expected):
    assert severity(level_signal("execution", "Execution", J, S)) == expected


def test_level_explanation_rounds_for_display():
    s = level_signal("execution", "Execution", 47.449, S)
    assert s == Signal(
        "LEVEL",
        RED,
        "execution",
        "The joint Execution score is 47.4, below the red threshold of 50.",
    )


# GAP -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("G", "g", "expected"),
    [
        (9.9, 0.9, None),
        (10 - SMALL, 0.9, None),
        (10 - TINY, 0.2, AMBER),  # within 1e-9 of 10 counts as 10
        (10, 0.2, AMBER),
        (-11, -0.8, AMBER),  # red needs |G| >= 12.5
        (12.5, 0.49, AMBER),  # red needs |g| >= 0.5 too
        (12.5, 0.5, RED),
        (-12.5 + TINY, -0.5 + TINY, RED),
        (-14, -1.1, RED),
        (20, None, AMBER),  # at most amber when g is null
        (None, None, None),
    ],
)
def test_gap(G, g, expected):
    s_a = None if G is None else 60 + G / 2
    s_b = None if G is None else 60 - G / 2
    assert severity(gap_signal("market", "Market", G, g, s_a, s_b, NAMES, S)) == expected


def test_gap_explanation():
    s = gap_signal("market", "Market", 14.5, None, 72.5, 58.0, NAMES, S)
    assert s.explanation == (
        "On Market, Acme scores 72.5 and Beta 58.0, a gap of 14.5 points "
        "(effect size not computable)."
    )
    s = gap_signal("market", "Market", -13.04, -0.834, 50, 63.04, NAMES, S)
    assert s.explanation.endswith("a gap of 13.0 points (g = -0.83).")


# TREND ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "t1", "t2", "expected"),
    [
        (62, 66, 70, AMBER),  # falling, -8 over two surveys
        (62, 66, 69, None),  # falling but only -7
        (62, 71, 70, None),  # -8 but not falling every time
        (62, 62, 70, None),  # not strictly falling
        (62, 62 + TINY, 70, None),  # equal within the tolerance
        (62, 66, None, None),  # amber needs both earlier values
        (58, 65, 70, RED),  # -12 over two surveys
        (58, None, 70, RED),  # red over two surveys stands alone
        (58 + TINY, 65, 70, RED),  # -11.9999999999 counts as -12
        (58 - TINY, 65, 70, RED),  # -12.0000000001 too
        (58 + 1e-7, 65, 70, AMBER),  # -11.9999999: not red, but falling and <= -8
        (60, 70, None, RED),  # -10 since the previous survey, t-2 missing
        (60 + TINY, 70, 50, RED),
        (60.5, 70, 50, None),  # -9.5 since t-1, up over t-2
        (None, 70, 80, None),
    ],
)
def test_trend(now, t1, t2, expected):
    assert severity(trend_signal("execution", "Execution", now, t1, t2, S)) == expected


def test_trend_explanations():
    red = trend_signal("execution", "Execution", 56.5, 67.0, 70.0, S)
    assert red.explanation == (
        "The joint Execution score fell 10.5 points since the previous survey (67.0 to 56.5) "
        "and fell 13.5 points over two surveys (70.0 to 56.5)."
    )
    amber = trend_signal("execution", "Execution", 61.5, 65.0, 70.0, S)
    assert amber.explanation == (
        "The joint Execution score fell three surveys running (70.0, 65.0, 61.5), "
        "8.5 points in all."
    )


# DIVERGENCE ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "t2", "expected"),
    [
        (15, 6, AMBER),  # 15 - 6 = 9
        (14, 6, AMBER),  # exactly 8
        (14 - TINY, 6, AMBER),
        (14 - SMALL, 6, None),
        (-15, -7, AMBER),  # same sign, negative
        (15, -6, None),  # sign flipped
        (15, 0, None),  # zero gap has no sign
        (15, 1e-10, None),  # within 1e-9 of zero is zero
        (8.5, 0.5, AMBER),
        (15, None, None),
        (None, 6, None),
    ],
)
def test_divergence(now, t2, expected):
    assert severity(divergence_signal("market", "Market", now, t2, NAMES, S)) == expected


def test_divergence_names_the_higher_organization():
    s = divergence_signal("market", "Market", -15, -7, NAMES, S)
    assert s.explanation == (
        "The Market gap widened from 7.0 to 15.0 points over three surveys, "
        "Beta scoring higher both times."
    )


# CONSENSUS -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "expected"),
    [
        (ConsensusInput(rwg=0.7, ad=0.6, favorable=0.6, unfavorable=0.1), None),
        (ConsensusInput(rwg=0.49, ad=0.6), AMBER),
        (ConsensusInput(rwg=0.5, ad=0.6), None),
        (ConsensusInput(rwg=0.5 - TINY, ad=0.6), None),
        (ConsensusInput(rwg=0.7, ad=0.84), AMBER),  # AD > 5/6 = 0.8333
        (ConsensusInput(rwg=0.7, ad=5 / 6), None),  # on the cut-off is not above it
        (ConsensusInput(rwg=0.7, ad=5 / 6 + TINY), None),
        (ConsensusInput(favorable=0.25, unfavorable=0.25), RED),
        (ConsensusInput(favorable=0.25 - TINY, unfavorable=0.5), RED),
        (ConsensusInput(favorable=0.3, unfavorable=0.24), None),
        (ConsensusInput(rwg=0.1, ad=1.5, favorable=0.4, unfavorable=0.4), RED),  # red wins
        (ConsensusInput(), None),  # nothing reportable
    ],
)
def test_consensus(a, expected):
    got = consensus_signal("cultural", "Cultural", 5, {"A": a, "B": ConsensusInput()}, NAMES, S)
    assert severity(got) == expected


def test_consensus_frequency_scale_ad_cutoff():
    # A = 4: cut-off 4/6 = 0.667
    s = consensus_signal("demand", "Demand", 4, {"B": ConsensusInput(rwg=0.8, ad=0.7)}, NAMES, S)
    assert s.explanation == "On Demand, Beta shows low agreement (rwg 0.80, AD 0.70)."


def test_consensus_polarization_explanation_names_both():
    orgs = {
        "A": ConsensusInput(favorable=0.375, unfavorable=0.41),
        "B": ConsensusInput(favorable=0.3, unfavorable=0.3),
    }
    s = consensus_signal("cultural", "Cultural", 5, orgs, NAMES, S)
    assert s.explanation == (
        "Answers on Cultural are polarized: Acme has 38% favorable and 41% unfavorable "
        "answers; Beta has 30% favorable and 30% unfavorable answers."
    )


# PARTICIPATION -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "prev", "expected"),
    [
        ({"A": 0.8, "B": 0.7}, {}, None),
        ({"A": 0.6, "B": 0.7}, {}, None),  # on 60 %
        ({"A": 0.59, "B": 0.7}, {}, AMBER),
        ({"A": 0.4, "B": 0.6}, {}, AMBER),  # on 40 %: amber, not red
        ({"A": 0.39, "B": 0.6}, {}, RED),
        ({"A": 0.65, "B": 0.8}, {"A": 0.85}, AMBER),  # dropped 0.20 (binary 0.2000000000000001)
        ({"A": 0.66, "B": 0.8}, {"A": 0.85}, None),  # dropped 0.19
        ({"A": 0.66, "B": 0.8}, {"A": None}, None),
        ({"A": 0.9, "B": 0.65}, {}, AMBER),  # difference 0.25
        ({"A": 0.9, "B": 0.66}, {}, None),
        ({"A": 0.9, "B": None}, {}, None),  # B not invited: no difference condition
        ({"A": None, "B": None}, {}, None),
    ],
)
def test_participation(now, prev, expected):
    assert severity(participation_signal(now, prev, NAMES, S)) == expected


def test_participation_explanation_lists_what_triggered():
    s = participation_signal({"A": 0.35, "B": 0.72}, {"A": 0.62}, NAMES, S)
    assert s.dimension is None
    assert s.explanation == (
        "Participation: Acme at 35%, below 40%; Acme down from 62% to 35%; "
        "Acme at 35% against Beta at 72%."
    )


# EARLY_WARNING_SIGNS -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({"A": 2, "B": 1}, None),
        ({"A": 3, "B": 1}, AMBER),
        ({"A": 2, "B": 4}, RED),
        ({"A": None, "B": 2}, None),
        ({"A": None, "B": None}, None),
    ],
)
def test_early_warning_signs(counts, expected):
    assert severity(early_warning_signal(counts, NAMES, S)) == expected


def test_early_warning_explanation_gives_both_counts_never_a_small_group():
    s = early_warning_signal({"A": 5, "B": None}, NAMES, S)
    assert s.explanation == (
        "Plan-and-execution warning signs present: Acme 5 of 10, Beta too few respondents to judge."
    )


# KPI -----------------------------------------------------------------------------------------


def _shared(kid, value=None, target=None, prev=None, prev_target=None, linked=(), **kw):
    return KpiStatus(
        kid,
        kid.title(),
        "shared",
        value=value,
        target=target,
        prev_value=prev,
        prev_target=prev_target,
        linked_local_ids=tuple(linked),
        **kw,
    )


def _local(kid, value=None, target=None, direction="higher", linked_to=None, **kw):
    return KpiStatus(
        kid,
        kid.title(),
        "local",
        direction,
        value=value,
        target=target,
        organization="A",
        linked_to=linked_to,
        **kw,
    )


@pytest.mark.parametrize(
    ("value", "target", "direction", "on_target"),
    [
        (96, 95, "higher", True),  # 96 >= 95
        (95, 95, "higher", True),  # exactly on the target counts as on it
        (95 - TINY, 95, "higher", True),  # within 1e-9 of it too
        (95 - SMALL, 95, "higher", False),
        (88, 95, "higher", False),  # 88 < 95
        (40.8, 42, "lower", True),  # 40.8 <= 42
        (42, 42, "lower", True),
        (42 + TINY, 42, "lower", True),
        (43.4, 42, "lower", False),  # 43.4 > 42
        (None, 95, "higher", None),  # not recorded: unknown, never off target
        (96, None, "higher", None),
    ],
)
def test_kpi_on_target(value, target, direction, on_target):
    assert kpi_on_target(value, target, direction) is on_target


def test_a_kpi_value_needs_its_target_and_a_local_kpi_its_organization():
    with pytest.raises(ValueError, match="needs its target"):
        _shared("x", value=3)
    with pytest.raises(ValueError, match="organization"):
        KpiStatus("x", "X", "local")
    with pytest.raises(ValueError, match="direction"):
        KpiStatus("x", "X", "shared", "sideways")


def test_kpi_local_optimization_is_red_with_the_numbers():
    # On-time deliveries 88 < 95: off target. Its local KPIs: Sales volume 131 >= 120 and Unit
    # cost 40.8 <= 42 (lower is better): both on target -> every linked local KPI hits, the
    # shared one misses.
    kpis = [
        _shared("ontime", 88, 95, linked=("sales", "cost"), unit="%"),
        _local("sales", 131, 120, linked_to="ontime"),
        _local("cost", 40.8, 42, "lower", linked_to="ontime", unit="EUR"),
    ]
    (s,) = kpi_signals(kpis)
    assert (s.rule, s.severity, s.kpi_id, s.dimension) == ("KPI", RED, "ontime", None)
    assert s.explanation == (
        "The shared KPI “Ontime” is off target at 88% against a target of 95%, while all 2 "
        "linked local KPIs are on target (local optimization): “Sales” at 131 against a target "
        "of 120; “Cost” (lower is better) at 40.8 EUR against a target of 42 EUR."
    )


def test_kpi_red_needs_every_linked_local_on_target_and_at_least_one():
    # one local misses (Cost 43.4 > 42, lower is better): the shared miss is not local
    # optimization
    one_off = [
        _shared("ontime", 88, 95, linked=("sales", "cost")),
        _local("sales", 131, 120),
        _local("cost", 43.4, 42, "lower"),
    ]
    assert kpi_signals(one_off) == ()
    # a linked local KPI without a value (or missing) is not "on target"
    unknown = [_shared("ontime", 88, 95, linked=("sales", "zz")), _local("sales", 131, 120)]
    assert kpi_signals(unknown) == ()
    no_value = [_shared("ontime", 88, 95, linked=("sales",)), _local("sales")]
    assert kpi_signals(no_value) == ()
    # no linked local KPI at all: nothing to compare, no red
    assert kpi_signals([_shared("ontime", 88, 95)]) == ()
    # the shared KPI on target (95 >= 95): nothing
    assert kpi_signals([_shared("ontime", 95, 95, linked=("s",)), _local("s", 131, 120)]) == ()


def test_kpi_two_cycles_off_target_is_amber_against_each_cycles_own_target():
    # now 84 < 95, before 88 < 95: off target two cycles running
    (s,) = kpi_signals([_shared("ontime", 84, 95, 88, 95, unit="%")])
    assert (s.severity, s.kpi_id) == (AMBER, "ontime")
    assert s.explanation == (
        "The shared KPI “Ontime” has been off target two cycles running: 84% against a target "
        "of 95% now, 88% against a target of 95% in the previous cycle."
    )
    # before, 88 met the target of that cycle (85): not two cycles running
    assert kpi_signals([_shared("ontime", 84, 95, 88, 85)]) == ()
    # no value for the previous cycle: unknown, the condition is not met
    assert kpi_signals([_shared("ontime", 84, 95)]) == ()
    # lower is better: lead time 12 > 10 and 11 > 10
    (lead,) = kpi_signals([_shared("lead", 12, 10, 11, 10, direction="lower", unit="days")])
    assert lead.severity == AMBER
    assert "“Lead” (lower is better)" in lead.explanation
    assert "12 days against a target of 10 days now" in lead.explanation


def test_kpi_red_wins_over_amber_and_local_kpis_raise_nothing():
    # 88 < 95 now and 90 < 95 before (amber) while its local KPI hits (red): red only
    both = [_shared("ontime", 88, 95, 90, 95, linked=("a",)), _local("a", 131, 120)]
    assert [s.severity for s in kpi_signals(both)] == [RED]
    # a local KPI off target two cycles running is that organization's business: no signal
    local = KpiStatus("cost", "Unit cost", "local", "lower", 44, 42, 43, 42, organization="B")
    assert local.on_target_now is False and local.on_target_prev is False
    assert kpi_signals([local]) == ()


# Escalation and health -----------------------------------------------------------------------


def _sig(rule, sev, dim=None, kpi=None):
    return Signal(rule, sev, dim, "x", kpi)


LABELS = {"execution": "Execution", "market": "Market"}


def test_escalation_red_twice_running():
    now = [_sig("LEVEL", RED, "execution"), _sig("GAP", RED, "market")]
    prev = [PriorSignal("LEVEL", "execution", RED), PriorSignal("GAP", "market", AMBER)]
    (flag,) = escalations(now, prev, LABELS)
    assert (flag.kind, flag.rule, flag.dimension) == ("repeated_red", "LEVEL", "execution")
    # plain words, no rule code (the code stays in flag.rule, for the JSON)
    assert flag.explanation == "Low score on execution: red in the previous survey and red again."


def test_escalation_of_a_kpi_names_the_kpi():
    now = [_sig("KPI", RED, kpi="7")]
    (flag,) = escalations(now, [PriorSignal("KPI", None, RED, "7")], LABELS, {"7": "Turns"})
    assert flag.explanation == "“Turns” off target: red in the previous survey and red again."


def test_escalation_red_kpi_and_participation_match_on_their_own_keys():
    now = [_sig("KPI", RED, kpi="turns"), _sig("PARTICIPATION", RED)]
    prev = [PriorSignal("KPI", None, RED, "other"), PriorSignal("PARTICIPATION", None, RED)]
    assert [f.rule for f in escalations(now, prev, LABELS)] == ["PARTICIPATION"]


def test_escalation_two_ambers_in_one_dimension():
    now = [
        _sig("LEVEL", AMBER, "execution"),
        _sig("GAP", AMBER, "execution"),
        _sig("TREND", AMBER, "market"),
        _sig("PARTICIPATION", AMBER),
        _sig("KPI", AMBER, kpi="a"),
    ]
    (flag,) = escalations(now, [], LABELS)
    assert (flag.kind, flag.dimension, flag.rule) == ("multiple_amber", "execution", None)
    assert (
        flag.explanation
        == "Execution has 2 amber signals: low joint score and gap between the organizations."
    )


def test_no_escalation_without_history():
    assert escalations([_sig("LEVEL", RED, "execution")], [], LABELS) == ()


@pytest.mark.parametrize(
    ("J", "signals", "expected"),
    [
        (80, [], GREEN),
        (70, [], GREEN),
        (70 - TINY, [], GREEN),
        (70 - SMALL, [], AMBER),
        (80, [_sig("GAP", AMBER, "x")], AMBER),
        (80, [_sig("GAP", AMBER, "x"), _sig("CONSENSUS", RED, "x")], RED),
        (None, [], NOT_ENOUGH_DATA),
        (None, [_sig("CONSENSUS", AMBER, "x")], AMBER),
    ],
)
def test_dimension_health(J, signals, expected):
    assert dimension_health(J, signals, S) == expected


def test_partnership_health():
    assert partnership_health([GREEN, NOT_ENOUGH_DATA], []) == GREEN
    assert partnership_health([GREEN, GREEN], [_sig("PARTICIPATION", AMBER)]) == AMBER
    assert partnership_health([AMBER], [_sig("KPI", RED, kpi="k")]) == RED
    # a dimension signal counts through its dimension's health only
    assert partnership_health([GREEN], [_sig("LEVEL", RED, "x")]) == GREEN
    assert partnership_health([NOT_ENOUGH_DATA, NOT_ENOUGH_DATA], []) == NOT_ENOUGH_DATA
    assert partnership_health([], []) == NOT_ENOUGH_DATA
    assert partnership_health([NOT_ENOUGH_DATA], [_sig("EARLY_WARNING_SIGNS", AMBER)]) == AMBER
