"""A realistic sample brief, for tests, the benchmark and a look at the layout.

``build_sample()`` fills every section of a ``Brief`` with believable data about a hardware
maker in Łódź and a software house in São Paulo: non-ASCII names everywhere, values at full
float precision, withheld cells (a group below the threshold and the complementary cells
that protect it), a comment that contains ReportLab markup, and governance records. The
numbers are drawn from a seeded generator, so the same arguments always give the same brief.

Like the data step will, the builder first has every value and then withholds what the
privacy rules withhold; ``Sample.hidden`` keeps the formatted values it withheld, so tests can
check that none of them reaches the PDF.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from partnership.briefs.model import (
    STAGES,
    ActionLine,
    Appendix,
    Brief,
    CommentGroup,
    Cover,
    DecisionLine,
    DecisionRequest,
    DimensionResult,
    EscalationLine,
    GapProgress,
    HeatCell,
    Heatmap,
    HeatRow,
    InstrumentRun,
    KpiGroup,
    KpiLine,
    LessonLine,
    MeetingLine,
    MethodNote,
    Organization,
    OrgDimensionResult,
    Participation,
    PlanCheck,
    Records,
    Reported,
    Scores,
    SignalLine,
    SignRow,
    SingleItem,
    SingleItemOrg,
    StageLine,
    Summary,
    ThresholdLine,
    Trends,
    TrendSeries,
    health_reason,
)
from partnership.instruments.catalog import DIMENSION_LABELS, PLAN_EXECUTION_CHECK, SCALES
from partnership.scoring.format import fmt_pct, fmt_score, fmt_stat
from partnership.scoring.words import escalation_title

A = Organization("A", "Wisła Devices S.A. (Łódź)")
B = Organization("B", "Paulista Software Ltda. (São Paulo)")
DIMENSIONS = ("cultural", "market", "execution", "governance", "communication")
#: One comment carries ReportLab markup: the PDF must print it literally.
MARKUP_COMMENT = "Stop the <font size=40>SHOUTING</font> in review meetings & <b>listen</b>."
FUNCTIONS = (
    "sales",
    "operations",
    "product",
    "procurement",
    "finance",
    "logistics",
    "quality",
    "service",
)
PEOPLE_A = ("Agnieszka Wróblewska", "Łukasz Żak", "Jürgen Müller", "Zoë Nowak")
PEOPLE_B = ("João Conceição", "Zoë Albuquerque", "Marília Gonçalves", "Renée Ibáñez")
COMMENTS = (
    "Start a joint review of the forecast every second Monday.",
    "Stop changing the release scope after the hardware freeze.",
    "Keep the weekly call between the two planning teams: it works.",
    "Müller's team answers within a day; that should be the norm on both sides.",
    "We learn about price changes in São Paulo from customers, not from our partner.",
    "Start sharing the firmware roadmap before the quarterly review, not during it.",
    "Stop sending escalations to three people at once; name one owner.",
    "Continue the joint test lab in Łódź: Zoë's setup saved us weeks.",
    "Decisions need a written rule for who approves what.",
    "The partner's sales team promises features our plant cannot build in time.",
)


_STARTS = ("Start", "Stop", "Keep", "Please", "We should")
_DOINGS = (
    "reviewing the joint forecast together",
    "changing priorities without telling the plant in Łódź",
    "sharing release notes a week before the build",
    "inviting the São Paulo product owners to the S&OP meeting",
    "escalating by email instead of calling",
    "agreeing one definition of 'on time'",
    "rushing freight at the end of each quarter",
    "the monthly joint retrospective",
)
_BECAUSE = (
    "it saves both teams days of rework",
    "customers notice when we disagree",
    "our partner hears about problems too late",
    "nobody owns the decision today",
    "it is the one meeting where trade-offs get decided",
    "",
)


def _comment(rng: random.Random) -> str:
    because = rng.choice(_BECAUSE)
    text = f"{rng.choice(_STARTS)} {rng.choice(_DOINGS)}"
    return f"{text}: {because}." if because else f"{text}."


@dataclass(frozen=True)
class Sample:
    """A sample brief and the formatted values it withheld (never to be printed)."""

    brief: Brief
    hidden: tuple[str, ...]


def _withheld(reason: str = "below_threshold") -> Reported[float]:
    return Reported(None, reason)


def _withheld_org(letter: str, reason: str = "below_threshold") -> OrgDimensionResult:
    """An organization below the threshold in a dimension: every value withheld."""
    w = _withheld(reason)
    return OrgDimensionResult(
        org=letter,
        n=Reported(None, reason),
        S=w,
        s=w,
        favorable=w,
        neutral=w,
        unfavorable=w,
        rwg=w,
        AD=w,
        indicative=False,
    )


def build_sample(
    *,
    cycles: int = 8,
    respondents: int = 60,
    functions: int = 5,
    governance: bool = True,
    seed: int = 17,
) -> Sample:
    """A brief of the cycle "2026-Q4" with ``cycles`` cycles of trend history.

    ``respondents`` per organization and cycle sets how much content there is (comments,
    heatmap rows through ``functions`` per organization); ``governance`` False leaves every
    governance section "none recorded yet", as a partnership that has not used them.
    """
    rng = random.Random(seed)  # noqa: S311 - sample data, not security
    hidden: list[str] = []
    min_group = 5
    as_of = dt.datetime(2027, 1, 12, 8, 30, tzinfo=dt.UTC)
    labels = {d: DIMENSION_LABELS[d] for d in DIMENSIONS}

    # --- scores: full values first, then withheld as the snapshot would ----------------------
    # Communication in B had 4 respondents with a dimension score: below the threshold.
    small = ("B", "communication")
    dims: list[DimensionResult] = []
    base = {"cultural": 63.0, "market": 57.0, "execution": 54.0, "governance": 66.0}
    base["communication"] = 71.0
    spread = {"cultural": 6.0, "market": 13.0, "execution": 21.0, "governance": -4.0}
    spread["communication"] = 3.0
    for key in DIMENSIONS:
        orgs: dict[str, OrgDimensionResult] = {}
        s_values: dict[str, float] = {}
        for letter, sign in (("A", 0.5), ("B", -0.5)):
            S = base[key] + sign * spread[key] + rng.uniform(-0.3, 0.3) + 1 / 3
            n = max(respondents - rng.randint(2, 9), 1)
            fav = rng.uniform(0.35, 0.7)
            unf = rng.uniform(0.08, 0.3)
            neu = 1 - fav - unf
            rwg = rng.uniform(0.42, 0.86)
            ad = rng.uniform(0.55, 0.95)
            sd = rng.uniform(14, 24)
            if (letter, key) == small:
                # what the four people scored: values no shown cell has, so a leak is visible
                hidden.extend([fmt_score(97.35), fmt_stat(0.987), fmt_stat(0.031), fmt_pct(0.994)])
                orgs[letter] = _withheld_org(letter)
                continue
            s_values[letter] = S
            orgs[letter] = OrgDimensionResult(
                org=letter,
                n=Reported(n),
                S=Reported(S),
                s=Reported(sd),
                rwg=Reported(rwg),
                AD=Reported(ad),
                favorable=Reported(fav),
                neutral=Reported(neu),
                unfavorable=Reported(unf),
                indicative=False,
            )
        both = len(s_values) == 2
        J = (s_values["A"] + s_values["B"]) / 2 if both else None
        G = s_values["A"] - s_values["B"] if both else None
        half = rng.uniform(3.5, 7.5)
        g: float | None = None
        low: float | None = None
        high: float | None = None
        health = "not_enough_data"
        if J is not None and G is not None:
            g = G / 19.0 * (1 - 3 / (4 * 2 * respondents - 9))
            low, high = G - half, G + half
            health = "red" if abs(G) >= 12.5 else "amber" if abs(G) >= 10 or J < 70 else "green"
        dims.append(
            DimensionResult(
                dimension=key,
                label=labels[key],
                headline=key in ("cultural", "market", "execution"),
                points=5,
                item_count=4,
                orgs=(orgs["A"], orgs["B"]),
                health=Reported(health),
                J=Reported.of(J, "below_threshold"),
                G=Reported.of(G, "below_threshold"),
                g=Reported.of(g, "below_threshold"),
                ci_low=Reported.of(low, "below_threshold"),
                ci_high=Reported.of(high, "below_threshold"),
                confirmed=Reported.of(
                    (low > 1e-9 or high < -1e-9) if low is not None and high is not None else None,
                    "below_threshold",
                ),
                census=Reported.of(False if both else None, "below_threshold"),
            )
        )
    by_key = {d.dimension: d for d in dims}
    ex, mk = by_key["execution"], by_key["market"]

    # --- signals, health, participation --------------------------------------------------------
    signals = [
        SignalLine(
            "red",
            "GAP",
            labels["execution"],
            f"{A.name} scores execution {fmt_score(ex.G.value, signed=True)} points above "
            f"{B.name} (g = {fmt_stat(ex.g.value)}), a confirmed gap.",
        ),
        SignalLine(
            "amber",
            "GAP",
            labels["market"],
            f"The market gap is {fmt_score(mk.G.value, signed=True)} points.",
        ),
        SignalLine(
            "amber",
            "LEVEL",
            labels["execution"],
            f"The joint execution score is {fmt_score(ex.J.value)}, below 60.",
        ),
        SignalLine(
            "amber",
            "PARTICIPATION",
            None,
            f"Participation in {B.name} fell from 81% to 58%, below 60%.",
        ),
        SignalLine(
            "red",
            "KPI",
            "On-time delivery to customers",
            "On-time delivery is off target while every local KPI linked to it is on target.",
        ),
    ]
    health = "red"
    invited = (respondents + 12, respondents + 31)
    responded = (respondents, round((respondents + 31) * 0.58))
    participation = (
        Participation(A, invited[0], responded[0], Reported(responded[0] / invited[0])),
        Participation(B, invited[1], responded[1], Reported(responded[1] / invited[1])),
    )
    requests = (
        DecisionRequest(
            "Freeze the release scope six weeks before the hardware build",
            "Execution gap of the last three cycles; both planning leads support it.",
            PEOPLE_A[1],
            "Margin against critical service",
        ),
        DecisionRequest(
            "Name one owner for the shared on-time-delivery KPI",
            "Local KPIs are all on target while the shared one is not.",
            PEOPLE_B[0],
        ),
    )
    summary = Summary(
        health=health,
        health_reason=health_reason(health, dims, signals),
        overall_joint=Reported(sum(d.J.value for d in dims if d.J.value is not None) / 4),
        signals=tuple(signals),
        participation=participation,
        decisions_requested=Records.of(requests) if governance else Records.none_yet(),
    )

    # --- trends ------------------------------------------------------------------------------
    # the brief's cycle (2026-Q4) last, the cycles before it in quarter order
    cycle_labels = tuple(f"{2026 - k // 4}-Q{4 - k % 4}" for k in reversed(range(cycles)))
    series = []
    for d in dims:
        J_hist: list[Reported[float]] = []
        G_hist: list[Reported[float]] = []
        for k in range(len(cycle_labels)):
            if k == len(cycle_labels) - 1:
                J_hist.append(d.J)
                G_hist.append(d.G)
            elif d.dimension == "communication" and k == 1:
                J_hist.append(_withheld())
                G_hist.append(_withheld())
            else:
                drift = (len(cycle_labels) - 1 - k) * rng.uniform(-1.5, 2.5)
                J_hist.append(Reported((d.J.value or 64.0) + drift + rng.uniform(-2, 2)))
                G_hist.append(Reported((d.G.value or 2.0) * rng.uniform(0.3, 1.1)))
        series.append(TrendSeries(d.dimension, d.label, tuple(J_hist), tuple(G_hist)))
    trends = Trends(cycle_labels, tuple(series))

    # --- heatmap: org x function --------------------------------------------------------------
    rows: list[HeatRow] = []
    for org in (A, B):
        for function in FUNCTIONS[:functions]:
            cells = []
            for d in dims:
                n = max(respondents // functions + rng.randint(-3, 3), 1)
                value = (d.org(org.letter).S.value or 60.0) + rng.uniform(-12, 12)
                if org is A and function == "finance":
                    n = 3  # below the threshold
                if org is A and function in ("finance", "procurement"):
                    # the withheld cells' real scores, again unlike any shown value
                    hidden.append(fmt_score(90.05 + len(hidden) * 0.7))
                    reason = "below_threshold" if function == "finance" else "complementary"
                    cells.append(HeatCell(Reported(None, reason), Reported(None, reason)))
                elif org is B and d.dimension == "communication":
                    cells.append(HeatCell(_withheld(), Reported(None, "below_threshold")))
                else:
                    cells.append(HeatCell(Reported(value), Reported(n), indicative=False))
            rows.append(HeatRow(org, function.capitalize(), tuple(cells)))
    heatmap = Heatmap(tuple(d.label for d in dims), tuple(rows))

    # --- plan and execution check -------------------------------------------------------------
    sign_items = [i for i in PLAN_EXECUTION_CHECK.items if i.sign is not None]
    present_a = {1, 2, 4, 6, 8}
    sign_rows = tuple(
        SignRow(
            number=item.sign,
            group=DIMENSION_LABELS[item.dimension or ""],
            text=item.text,
            A=Reported(item.sign in present_a),
            B=Reported(None, "below_threshold"),
        )
        for item in sign_items
        if item.sign is not None
    )
    plan_check = PlanCheck(
        signs=Records.of(sign_rows),
        counts=(Reported(len(present_a)), Reported(None, "below_threshold")),
        respondents=(14, 4),
    )

    # --- KPIs -------------------------------------------------------------------------------
    otd_signal = signals[4]
    kpis = Records.of(
        (
            KpiGroup(
                KpiLine(
                    "On-time delivery to customers",
                    "shared",
                    "higher",
                    "%",
                    91.5,
                    95.0,
                    False,
                    93.25,
                    95.0,
                    False,
                ),
                (
                    KpiLine(
                        "Plant output per shift",
                        "local",
                        "higher",
                        "units",
                        1240.0,
                        1200.0,
                        True,
                        1180.0,
                        1200.0,
                        False,
                        A,
                        "operations",
                    ),
                    KpiLine(
                        "Sales bookings",
                        "local",
                        "higher",
                        "BRL",
                        4_250_000.0,
                        4_000_000.0,
                        True,
                        3_900_000.0,
                        4_000_000.0,
                        False,
                        B,
                        "sales",
                    ),
                ),
                otd_signal,
            ),
            KpiGroup(
                KpiLine(
                    "Working capital tied in joint stock",
                    "shared",
                    "lower",
                    "EUR",
                    2_310_000.0,
                    2_500_000.0,
                    True,
                    2_640_000.0,
                    2_500_000.0,
                    False,
                ),
                (
                    KpiLine(
                        "Freight cost per unit",
                        "local",
                        "lower",
                        "EUR",
                        4.125,
                        4.0,
                        False,
                        None,
                        None,
                        None,
                        A,
                        "logistics",
                    ),
                ),
            ),
            KpiGroup(
                None,
                (
                    KpiLine(
                        "Defect rate at final test",
                        "local",
                        "lower",
                        "%",
                        0.8,
                        1.0,
                        True,
                        1.25,
                        1.0,
                        False,
                        A,
                        "quality",
                    ),
                ),
            ),
        )
    )

    # --- governance ----------------------------------------------------------------------------
    def day(month: int, d: int, year: int = 2026) -> dt.date:
        return dt.date(year, month, d)

    if governance:
        stage_state = {"assess": "done", "adapt": "current"}
        stages = Records.of(
            StageLine(
                key,
                label,
                stage_state.get(key, "not_started"),
                started_on={"assess": day(12, 15), "adapt": day(1, 8, 2027)}.get(key),
                finished_on={"assess": day(1, 8, 2027)}.get(key),
                due={"adapt": day(1, 29, 2027)}.get(key),
                note=(
                    "Each red issue needs an action or a recorded decision before Open "
                    "communication."
                    if key == "adapt"
                    else ""
                ),
            )
            for key, label in STAGES
        )
        actions = Records.of(
            (
                ActionLine(
                    "Joint release calendar with a hardware freeze date",
                    PEOPLE_A[1],
                    A,
                    "in_progress",
                    due=day(11, 30),
                    overdue=True,
                    issue="Gap between the organizations · Execution alignment",
                    gap=GapProgress(
                        labels["execution"],
                        Reported(25.3),
                        Reported(ex.G.value),
                        "2026-Q4",
                        closed=False,
                    ),
                ),
                ActionLine(
                    "Bi-weekly executive alignment call",
                    PEOPLE_B[0],
                    B,
                    "done",
                    due=day(10, 31),
                    done_on=day(10, 20),
                    gap=GapProgress(
                        labels["market"],
                        Reported(18.75),
                        Reported(11.0),
                        "2026-Q4",
                        closed=True,
                    ),
                ),
                ActionLine(
                    "Link each local KPI to the shared on-time-delivery KPI",
                    PEOPLE_B[2],
                    B,
                    "open",
                    due=day(2, 27, 2027),
                    gap=GapProgress(
                        labels["execution"],
                        Reported(ex.G.value),
                    ),
                ),
                ActionLine(
                    "Cultural exchange week in Łódź for the São Paulo product team",
                    PEOPLE_A[3],
                    A,
                    "open",
                    due=day(3, 13, 2027),
                ),
                ActionLine(
                    "Shared glossary of release terms",
                    PEOPLE_A[2],
                    A,
                    "dropped",
                    done_on=day(11, 3),
                ),
            )
        )
        escalations = Records.of(
            (
                EscalationLine(
                    escalation_title("repeated_red"),
                    labels["execution"],
                    "The execution gap was red in 2026-Q3 and again in 2026-Q4.",
                    "in_progress",
                    "Steering committee",
                    PEOPLE_A[0],
                    day(1, 20, 2027),
                ),
                EscalationLine(
                    escalation_title("multiple_amber"),
                    labels["market"],
                    "Two amber signals on market alignment.",
                    "open",
                    "Alliance managers",
                    PEOPLE_B[1],
                    day(1, 5, 2027),
                    overdue=True,
                ),
            )
        )
        meetings = Records.of(
            (
                MeetingLine(
                    day(11, 18),
                    "Quarterly steering committee, Łódź",
                    (PEOPLE_A[0], PEOPLE_A[2], PEOPLE_B[0], PEOPLE_B[1]),
                    6,
                    3,
                ),
            )
        )
        decisions = Records.of(
            (
                DecisionLine(
                    day(11, 18),
                    "Product priorities are set once per quarter in one joint backlog.",
                    "Two backlogs produced two roadmaps; customers saw both.",
                    (PEOPLE_A[0], PEOPLE_B[0]),
                    "Efficiency against critical service",
                    ("Gap between the organizations · Execution alignment",),
                ),
                DecisionLine(
                    day(11, 18),
                    "Urgent freight needs the approval of both logistics leads.",
                    "Freight cost per unit rose 30% with no rule.",
                    (PEOPLE_A[2], PEOPLE_B[2]),
                ),
            )
        )
        lessons = Records.of(
            (
                LessonLine(
                    "2026-Q3",
                    "The audit found that both sides measured 'on time' differently.",
                    "One shared definition, agreed in a 30-minute session.",
                    "Announcing the change by email only: the plant heard of it weeks later.",
                    labels["execution"],
                    ("KPI", "communication"),
                ),
                LessonLine(
                    "2026-Q4",
                    "Participation in São Paulo fell after the survey came during a release.",
                    "",
                    "Opening the survey in release week.",
                    None,
                    ("participation",),
                ),
            )
        )
    else:
        stages = Records.none_yet()
        actions = Records.none_yet()
        escalations = Records.none_yet()
        meetings = Records.none_yet()
        decisions = Records.none_yet()
        lessons = Records.none_yet()

    # --- appendix --------------------------------------------------------------------------
    def dist(n: int, k: int, skew: float) -> tuple[int, ...]:
        weights = [(i + 1) ** skew for i in range(k)]
        raw = [n * w / sum(weights) for w in weights]
        counts = [int(x) for x in raw]
        counts[-1] += n - sum(counts)
        return tuple(counts)

    agreement = tuple(label for _, label in SCALES["agreement"])
    likelihood = tuple(label for _, label in SCALES["likelihood"])
    single_items = (
        SingleItem(
            "All in all, this partnership is giving both sides the value they hoped for.",
            "agreement",
            agreement,
            SingleItemOrg(A, Reported(58), Reported(dist(58, 5, 1.4)), Reported(64.65517241)),
            SingleItemOrg(B, Reported(51), Reported(dist(51, 5, 0.9)), Reported(57.84313725)),
            Reported(61.24915483),
        ),
        SingleItem(
            f"How likely are you to recommend working with {B.name} to a colleague?",
            "likelihood",
            likelihood,
            SingleItemOrg(A, Reported(57), Reported(dist(57, 11, 1.1)), Reported(6.842105263)),
            SingleItemOrg(
                B,
                Reported(None, "below_threshold"),
                Reported(None, "below_threshold"),
                Reported(None, "below_threshold"),
            ),
            Reported(None, "below_threshold"),
        ),
    )
    count = max(respondents * 3 // 10, 3)
    comment_texts = [COMMENTS[k] if k < len(COMMENTS) else _comment(rng) for k in range(count)]
    comment_texts.insert(1, MARKUP_COMMENT)
    half = len(comment_texts) // 2
    appendix = Appendix(
        single_items,
        (
            CommentGroup(A, Reported(tuple(comment_texts[:half]))),
            CommentGroup(B, Reported(tuple(comment_texts[half:]))),
        ),
    )

    # --- method ------------------------------------------------------------------------------
    thresholds = (
        ThresholdLine("Level", "Amber when J is below", "60 points"),
        ThresholdLine("Level", "Red when J is below", "50 points"),
        ThresholdLine(
            "Gap between the organizations", "Amber when the gap is at least", "10 points"
        ),
        ThresholdLine(
            "Gap between the organizations", "Red when the gap is at least", "12.5 points"
        ),
        ThresholdLine("Gap between the organizations", "Red also needs g of at least", "0.5"),
        ThresholdLine("Trend", "Amber when J fell over two cycles by at least", "8 points"),
        ThresholdLine("Consensus", "Amber when rwg is below", "0.5"),
        ThresholdLine("Participation", "Amber when participation is below", "60 %"),
        ThresholdLine("Participation", "Red when participation is below", "40 %"),
        ThresholdLine("Early-warning signs", "Amber at", "3 signs"),
        ThresholdLine("Early-warning signs", "Red at", "4 signs"),
    )
    method = MethodNote(
        min_group=min_group,
        surveys=(
            InstrumentRun(
                "Quarterly partnership pulse",
                3,
                dt.datetime(2026, 12, 14, 17, 0, tzinfo=dt.UTC),
                1,
                invited,
                responded,
            ),
            InstrumentRun(
                "Plan and execution early-warning check",
                1,
                dt.datetime(2026, 12, 14, 17, 0, tzinfo=dt.UTC),
                1,
                (18, 9),
                (14, 4),
            ),
        ),
        thresholds=thresholds,
    )

    brief = Brief(
        cover=Cover(
            partnership="Łódź–São Paulo edge-device partnership",
            organizations=(A, B),
            cycle_label="2026-Q4",
            as_of=as_of,
            time_zone="Europe/Warsaw",
            previous_as_of=dt.datetime(2026, 10, 9, 7, 0, tzinfo=dt.UTC),
            author=f"{PEOPLE_A[3]}, partnership office",
        ),
        summary=summary,
        scores=Scores(tuple(dims)),
        trends=trends,
        heatmap=heatmap,
        plan_check=plan_check,
        kpis=kpis,
        stages=stages,
        actions=actions,
        escalations=escalations,
        meetings=meetings,
        decisions=decisions,
        lessons=lessons,
        appendix=appendix,
        method=method,
    )
    return Sample(brief, tuple(dict.fromkeys(hidden)))


def sample_brief(**kwargs: object) -> Brief:
    """The sample brief alone (see ``build_sample`` for the arguments)."""
    return build_sample(**kwargs).brief  # type: ignore[arg-type]
