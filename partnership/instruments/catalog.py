"""Built-in survey instruments of Partnership Pulse: item text as plain data.

This module is pure data plus a few tiny helpers (standard library only, no Flask or
SQLAlchemy), so the scoring code, the instrument editor, the seeding commands and the tests
can all read it.

Schema
------
``CatalogInstrument``
    ``key`` (stable slug, e.g. ``"quarterly-pulse"``), ``name``, ``description`` (shown to
    the coach and as the survey's intro), ``when`` (intended cadence), ``audience`` (who is
    invited), ``minutes`` (time to answer), ``dimensions`` (ordered; scoring and reports keep
    this order, the headline three first), ``items`` (ordered as asked).

``CatalogItem``
    ``key``
        Stable id within its instrument (``"cul-decision-pace"``). A key is never reused for a
        different question: answers, trends and snapshots refer to it.
    ``kind``
        ``"agreement"``: 5 points, 1 strongly disagree .. 5 strongly agree.
        ``"frequency"``: 4 points, 1 never, 2 occasionally, 3 most cycles, 4 every cycle.
        ``"likelihood"``: 0..10, reported as a distribution and mean, in no dimension.
        ``"comment"``: open text, never scored.
        The option labels are in ``SCALES``. All scored items of one dimension in one
        instrument share one kind (scoring.md section 1).
    ``text``
        The question as the respondent reads it. ``PARTNER`` (``"{partner}"``) stands for
        the *other* organization's name and is filled in per respondent by ``render_text``.
    ``dimension``
        One of the instrument's ``dimensions`` for scored items; ``None`` for the overall
        item (reported on its own, outside dimension and overall scores), the likelihood
        item and comments.
    ``reverse``
        Reverse-keyed: agreeing (or "every cycle") is the unfavourable answer, so scoring
        flips it. Reverse items are worded as a natural statement of the problem, never by
        inserting a negation. Every frequency item of the early-warning check is reverse.
    ``allow_na``
        Whether "not applicable" is offered. Not applicable counts as missing, never zero.
    ``required``
        Whether the survey page insists on an answer. Built-in items are all voluntary.
    ``sign``
        1..10 for the ten plan-and-execution early-warning signs, else ``None``.
    ``help``
        Optional one-line hint shown under the item.

Writing rules the built-in items follow (tests/unit/test_catalog.py checks them): one idea
per item in plain words; at most 120 characters; "we" and the partner's name; behaviour seen
in the last quarter; about a third of each dimension's agreement items reverse-keyed.
"""

from __future__ import annotations

from dataclasses import dataclass

PARTNER = "{partner}"  # rendered per respondent as the OTHER organization's name

KINDS = ("agreement", "frequency", "likelihood", "comment")
SCORED_KINDS = ("agreement", "frequency")

NA_LABEL = "Not applicable"

SCALES: dict[str, tuple[tuple[int, str], ...]] = {
    "agreement": (
        (1, "Strongly disagree"),
        (2, "Disagree"),
        (3, "Neither agree nor disagree"),
        (4, "Agree"),
        (5, "Strongly agree"),
    ),
    "frequency": (
        (1, "Never"),
        (2, "Occasionally"),
        (3, "Most cycles"),
        (4, "Every cycle"),
    ),
    "likelihood": tuple((i, str(i)) for i in range(11)),
}
#: Shorter labels where a results table has little room.
_SHORT_LABELS = {"Neither agree nor disagree": "Neither"}


def option_labels(kind: str, *, short: bool = False) -> tuple[str, ...]:
    """The labels of a scale's options, in order (``short``: for narrow results columns)."""
    labels = tuple(label for _, label in SCALES[kind])
    return tuple(_SHORT_LABELS.get(label, label) for label in labels) if short else labels


DIMENSION_LABELS: dict[str, str] = {
    # quarterly pulse and partnership audit
    "cultural": "Cultural alignment",
    "market": "Market alignment",
    "execution": "Execution alignment",
    "governance": "Governance",
    "communication": "Communication",
    # plan and execution early-warning check (the four groups of signs)
    "demand": "Demand trusts the plan",
    "capacity": "Capacity follows the plan",
    "procurement": "Procurement and inventory",
    "credibility": "Credibility of the plan",
    # leadership and operations alignment
    "direction": "Clarity of direction",
    "operational_input": "Operational input into goals",
    "feedback_loops": "Feedback loops",
    # KPI alignment check
    "shared_metrics": "Shared measures",
    "local_kpis": "Local targets",
    "trade_offs": "Trade-off rules",
}


@dataclass(frozen=True)
class CatalogItem:
    key: str
    kind: str
    text: str
    dimension: str | None = None
    reverse: bool = False
    allow_na: bool = True
    required: bool = False
    sign: int | None = None
    help: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"item {self.key!r}: unknown kind {self.kind!r}")
        if self.sign is not None and not 1 <= self.sign <= 10:
            raise ValueError(f"item {self.key!r}: sign must be 1..10")
        if self.kind not in SCORED_KINDS and self.dimension is not None:
            raise ValueError(f"item {self.key!r}: only scored items belong to a dimension")

    @property
    def scored(self) -> bool:
        """True for items that count towards a dimension score."""
        return self.kind in SCORED_KINDS and self.dimension is not None


@dataclass(frozen=True)
class CatalogInstrument:
    key: str
    name: str
    description: str
    when: str
    audience: str
    minutes: int
    dimensions: tuple[str, ...]
    items: tuple[CatalogItem, ...]

    def __post_init__(self) -> None:
        keys = [item.key for item in self.items]
        if len(keys) != len(set(keys)):
            raise ValueError(f"instrument {self.key!r}: duplicate item keys")
        for item in self.items:
            if item.dimension is not None and item.dimension not in self.dimensions:
                raise ValueError(
                    f"instrument {self.key!r}: item {item.key!r} has unknown dimension"
                )

    def items_in(self, dimension: str) -> tuple[CatalogItem, ...]:
        """The scored items of one dimension, in asking order."""
        return tuple(i for i in self.items if i.dimension == dimension and i.scored)

    @property
    def scored_items(self) -> tuple[CatalogItem, ...]:
        return tuple(i for i in self.items if i.scored)


def _a(key: str, text: str, dimension: str | None, *, reverse: bool = False, **kw) -> CatalogItem:
    return CatalogItem(key, "agreement", text, dimension, reverse, **kw)


def _r(key: str, text: str, dimension: str, **kw) -> CatalogItem:
    return CatalogItem(key, "agreement", text, dimension, True, **kw)


def _comment(key: str, text: str, help: str = "") -> CatalogItem:
    return CatalogItem(key, "comment", text, allow_na=False, help=help)


P = PARTNER

# --------------------------------------------------------------------------------------------
# Quarterly partnership pulse: 19 agreement items (6 reverse), one overall item, one 0-10
# likelihood item, one open question. The audit below reuses these items (same keys, same
# wording), so a dimension can be read across both instruments.
# --------------------------------------------------------------------------------------------

_PULSE_CULTURAL = (
    _a("cul-decision-pace", f"{P} makes decisions at a pace we can work with.", "cultural"),
    _a("cul-risk", f"{P} takes about as much risk as we are comfortable with.", "cultural"),
    _a("cul-disagreement", f"When we disagree, {P} works it out with us openly.", "cultural"),
    _r("cul-their-way", f"{P} expects us to work the way it does.", "cultural"),
)
_PULSE_MARKET = (
    _a("mkt-customers", f"{P} sees our shared customers the way we do.", "market"),
    _a("mkt-competition", f"{P} reads the competition the same way we do.", "market"),
    _a("mkt-adjust", f"When the market shifts, {P} adjusts the joint plan with us.", "market"),
    _r("mkt-stale-plans", f"{P} holds on to plans the market has already left behind.", "market"),
)
_PULSE_EXECUTION = (
    _a("exe-resources", f"{P} provides the people it committed to our joint work.", "execution"),
    _r(
        "exe-priority-slips",
        f"Our joint work drops down {P}'s list when other work comes up.",
        "execution",
    ),
    _a(
        "exe-metrics",
        f"We judge the success of our joint work by the same measures as {P}.",
        "execution",
    ),
    _r(
        "exe-handoffs",
        "Work handed over between the two organizations gets stuck or lost.",
        "execution",
    ),
)
_PULSE_GOVERNANCE = (
    _a("gov-final-say", "We know who has the final say on each joint decision.", "governance"),
    _r(
        "gov-decided-alone",
        f"{P} settles questions that affect us without asking us.",
        "governance",
    ),
    _a(
        "gov-escalation",
        "When a joint issue gets stuck, raising it to senior level resolves it.",
        "governance",
    ),
    _a(
        "gov-committee",
        "The steering committee acts on the problems that matter most.",
        "governance",
    ),
)
_PULSE_COMMUNICATION = (
    _a(
        "com-early-warning",
        f"{P} tells us about problems while there is still time to act.",
        "communication",
    ),
    _a(
        "com-candour",
        f"{P} says what it really thinks, even when it is uncomfortable.",
        "communication",
    ),
    _r("com-after-the-fact", f"We hear important news from {P} after the fact.", "communication"),
)

_OVERALL = _a(
    "overall-value",
    "All in all, this partnership is giving both sides the value they hoped for.",
    None,
    help="Think of what each side set out to gain from working together.",
)

QUARTERLY_PULSE = CatalogInstrument(
    key="quarterly-pulse",
    name="Quarterly partnership pulse",
    description=(
        f"A five-minute check on how well we and {P} are working together. Think about "
        "what you saw in the last quarter. Answers are anonymous; results are shown only "
        "for groups large enough to protect every person."
    ),
    when="Every quarter",
    audience="Stakeholders in both organizations, from executives to frontline staff",
    minutes=5,
    dimensions=("cultural", "market", "execution", "governance", "communication"),
    items=(
        *_PULSE_CULTURAL,
        *_PULSE_MARKET,
        *_PULSE_EXECUTION,
        *_PULSE_GOVERNANCE,
        *_PULSE_COMMUNICATION,
        _OVERALL,
        CatalogItem(
            "recommend",
            "likelihood",
            f"How likely are you to recommend working with {P} to a colleague?",
            allow_na=False,
            help="0 = not at all likely, 10 = extremely likely",
        ),
        _comment(
            "start-stop-continue",
            "What should we start, stop or keep doing in this partnership?",
            help="Please leave out names of individual people.",
        ),
    ),
)

# --------------------------------------------------------------------------------------------
# Partnership audit: the five pulse dimensions in depth, 8-9 agreement items each (3 reverse),
# the overall item, plus open questions on friction points.
# --------------------------------------------------------------------------------------------

PARTNERSHIP_AUDIT = CatalogInstrument(
    key="partnership-audit",
    name="Partnership audit",
    description=(
        f"An in-depth health check of our partnership with {P}, run at set-up and once a "
        "year. It looks at the same five areas as the quarterly pulse in more detail, then "
        "asks where the friction is."
    ),
    when="At set-up, then yearly",
    audience="Key stakeholders in both organizations",
    minutes=20,
    dimensions=("cultural", "market", "execution", "governance", "communication"),
    items=(
        *_PULSE_CULTURAL,
        _a("cul-priorities", f"We understand how {P} decides what comes first.", "cultural"),
        _a("cul-style", f"We find {P}'s way of communicating easy to work with.", "cultural"),
        _r(
            "cul-rushed",
            f"{P} pushes us into decisions before we have had time to think.",
            "cultural",
        ),
        _r(
            "cul-friction",
            "Differences in how our two organizations work lead to friction.",
            "cultural",
        ),
        *_PULSE_MARKET,
        _a(
            "mkt-target-customers",
            f"We agree with {P} on which customers to go after first.",
            "market",
        ),
        _a("mkt-review", f"{P} reviews our joint market assumptions with us regularly.", "market"),
        _a("mkt-customer-signals", f"{P} passes on what it hears from customers.", "market"),
        _r(
            "mkt-signing-day",
            "Our joint plan still rests on market assumptions from the day we signed.",
            "market",
        ),
        _r(
            "mkt-goes-alone",
            f"{P} reacts to market changes alone, leaving us to catch up.",
            "market",
        ),
        *_PULSE_EXECUTION,
        _a(
            "exe-dates",
            f"{P} delivers its part of the joint work on the agreed dates.",
            "execution",
        ),
        _a("exe-owners", "Everyone on joint tasks knows who is responsible for what.", "execution"),
        _a(
            "exe-recovery",
            f"When joint work falls behind, {P} helps us get it back on track.",
            "execution",
        ),
        _r(
            "exe-goals-without-plan",
            "Our joint goals lack an agreed plan for reaching them.",
            "execution",
        ),
        *_PULSE_GOVERNANCE,
        _a("gov-clear-outcomes", f"Our meetings with {P} end with clear decisions.", "governance"),
        _a(
            "gov-agenda", f"Our meetings with {P} follow an agenda agreed in advance.", "governance"
        ),
        _r("gov-reopened", f"Decisions we made with {P} get reopened later.", "governance"),
        _r(
            "gov-loudest",
            "The loudest issues get attention ahead of the most important ones.",
            "governance",
        ),
        *_PULSE_COMMUNICATION,
        _a(
            "com-contact",
            f"We know whom to contact at {P} when we need something.",
            "communication",
        ),
        _a("com-replies", f"{P} answers our questions within a reasonable time.", "communication"),
        _a("com-reasons", f"{P} explains the reasons behind its decisions.", "communication"),
        _r(
            "com-gaps",
            f"Information from {P} reaches us with important parts left out.",
            "communication",
        ),
        _r("com-risky", f"Raising a problem with {P} feels risky for us.", "communication"),
        _OVERALL,
        _comment("friction-where", f"Where does working with {P} cause the most friction today?"),
        _comment(
            "friction-example",
            "Describe a recent moment when our two organizations pulled in different directions.",
            help="Please describe the situation, leaving out names of individual people.",
        ),
        _comment("one-change", "What one change would make this partnership work better?"),
    ),
)

# --------------------------------------------------------------------------------------------
# Plan and execution early-warning check: the ten signs, each asked as a frequency. More often
# is worse, so every item is reverse. A sign is "present" when the median answer is "most
# cycles" or more (scoring.md section 6).
# --------------------------------------------------------------------------------------------


def _sign(sign: int, key: str, text: str, dimension: str) -> CatalogItem:
    return CatalogItem(key, "frequency", text, dimension, reverse=True, sign=sign)


PLAN_EXECUTION_CHECK = CatalogInstrument(
    key="plan-execution-check",
    name="Plan and execution early-warning check",
    description=(
        "Ten warning signs that a plan has stopped driving the daily work. For each one, "
        "tell us how often it happened in the planning cycles of the last quarter."
    ),
    when="Every quarter",
    audience="Operations, planning, procurement and sales staff in both organizations",
    minutes=3,
    dimensions=("demand", "capacity", "procurement", "credibility"),
    items=(
        _sign(
            1, "sign-late-forecast", "The forecast changed late, outside any agreed rule.", "demand"
        ),
        _sign(
            2,
            "sign-push-cut",
            "Sales pushed for more volume while operations cut back, leaving the conflict open.",
            "demand",
        ),
        _sign(
            3,
            "sign-unchecked-assumptions",
            "The plan rested on assumptions nobody checked.",
            "demand",
        ),
        _sign(
            4,
            "sign-replanning",
            "Production was replanned or resequenced at short notice.",
            "capacity",
        ),
        _sign(
            5,
            "sign-hidden-bottleneck",
            "A bottleneck we already knew about was missing from the plan.",
            "capacity",
        ),
        _sign(
            6,
            "sign-overtime",
            "We held service levels only through overtime or expediting.",
            "capacity",
        ),
        _sign(
            7,
            "sign-expediting",
            "Procurement had to rush orders to keep supply going.",
            "procurement",
        ),
        _sign(8, "sign-safety-stock", 'Safety stock was raised "just in case".', "procurement"),
        _sign(
            9,
            "sign-short-and-long",
            "Some items ran out while others piled up in stock.",
            "procurement",
        ),
        _sign(
            10,
            "sign-own-plans",
            'Teams worked from their own "real" plan instead of the shared one.',
            "credibility",
        ),
        _comment(
            "compensation-cost",
            "Where did we pay most to make up for the plan this quarter?",
            help="For example rush freight, overtime, or buying outside the usual window.",
        ),
    ),
)

# --------------------------------------------------------------------------------------------
# Leadership and operations alignment: is the direction clear, do the people who deliver
# shape the goals, does feedback travel back up?
# --------------------------------------------------------------------------------------------

LEADERSHIP_OPERATIONS = CatalogInstrument(
    key="leadership-operations",
    name="Leadership and operations alignment",
    description=(
        f"Checks whether the direction set for our partnership with {P} is clear to the "
        "people doing the work, whether they shape the goals, and whether their feedback "
        "reaches the leaders. Think about the last quarter."
    ),
    when="On demand",
    audience="Leaders, managers and frontline staff in both organizations",
    minutes=5,
    dimensions=("direction", "operational_input", "feedback_loops"),
    items=(
        _a("dir-purpose", "We can say in one sentence what this partnership is for.", "direction"),
        _a(
            "dir-same-story",
            f"Leaders at {P} describe the partnership's goals the way ours do.",
            "direction",
        ),
        _r(
            "dir-shifting",
            "The priorities for our joint work change from one month to the next.",
            "direction",
        ),
        _r(
            "dir-last-to-know",
            "Teams doing the daily work hear about new priorities last.",
            "direction",
        ),
        _a(
            "ops-asked",
            "People who must deliver joint goals are asked for input before they are set.",
            "operational_input",
        ),
        _a(
            "ops-realistic",
            "Joint targets reflect what both organizations can actually deliver.",
            "operational_input",
        ),
        _a(
            "ops-partner-checks",
            f"{P}'s leaders check with their own operations before committing.",
            "operational_input",
        ),
        _r(
            "ops-launch-unready",
            "Joint launches start before the teams who must deliver them are ready.",
            "operational_input",
        ),
        _a(
            "fb-reaches-leaders",
            "Problems raised by frontline staff reach the leaders who can fix them.",
            "feedback_loops",
        ),
        _a(
            "fb-hear-back",
            "When we raise a problem, we hear back what was done about it.",
            "feedback_loops",
        ),
        _a(
            "fb-partner-shares",
            f"{P} passes feedback from its frontline teams on to us.",
            "feedback_loops",
        ),
        _r(
            "fb-disappears",
            "Feedback about the partnership disappears without a visible result.",
            "feedback_loops",
        ),
        _comment("gap-example", "Where do the goals set at the top clash with daily reality?"),
    ),
)

# --------------------------------------------------------------------------------------------
# KPI alignment check: do local targets pull against the goals of the whole system?
# --------------------------------------------------------------------------------------------

KPI_ALIGNMENT = CatalogInstrument(
    key="kpi-alignment",
    name="KPI alignment check",
    description=(
        f"Checks whether the targets each team works to support the results we share with "
        f"{P}, or pull against them. Think about the last quarter."
    ),
    when="On demand",
    audience="People in both organizations who own, set or report targets",
    minutes=5,
    dimensions=("shared_metrics", "local_kpis", "trade_offs"),
    items=(
        _a(
            "kpi-known",
            "We know which shared measures show whether the partnership is working.",
            "shared_metrics",
        ),
        _a(
            "kpi-same-figures",
            f"{P} works from the same figures as we do when reviewing results.",
            "shared_metrics",
        ),
        _a(
            "kpi-targets-agreed",
            f"The targets for our shared measures were agreed with {P}.",
            "shared_metrics",
        ),
        _r(
            "kpi-whose-numbers",
            f"Reviews with {P} turn into arguments about whose numbers are right.",
            "shared_metrics",
        ),
        _a(
            "loc-supports-shared",
            f"Our team targets support the goals we share with {P}.",
            "local_kpis",
        ),
        _a(
            "loc-see-effect",
            "We can see how our daily work affects the shared results.",
            "local_kpis",
        ),
        _r(
            "loc-costs-pushed",
            f"{P} meets its own targets in ways that push costs onto us.",
            "local_kpis",
        ),
        _r(
            "loc-stock-piles-up",
            "Stock piles up while every team reports its own targets as met.",
            "local_kpis",
        ),
        _a("trd-what-first", "When targets compete, we know which one comes first.", "trade_offs"),
        _a(
            "trd-service-first",
            "In a clash between targets, service to key customers comes first.",
            "trade_offs",
        ),
        _a(
            "trd-who-approves",
            "It is clear who approves a trade-off that affects both organizations.",
            "trade_offs",
        ),
        _r(
            "trd-loudest-wins",
            "Clashes between targets get settled by whoever pushes hardest.",
            "trade_offs",
        ),
        _comment(
            "kpi-pulls-apart", f"Which target pulls hardest against the results we share with {P}?"
        ),
    ),
)

BUILTIN: tuple[CatalogInstrument, ...] = (
    QUARTERLY_PULSE,
    PARTNERSHIP_AUDIT,
    PLAN_EXECUTION_CHECK,
    LEADERSHIP_OPERATIONS,
    KPI_ALIGNMENT,
)

_BY_KEY = {instrument.key: instrument for instrument in BUILTIN}


def get(key: str) -> CatalogInstrument:
    """The built-in instrument with this key; KeyError if there is none."""
    try:
        return _BY_KEY[key]
    except KeyError:
        raise KeyError(f"no built-in instrument {key!r}; known: {', '.join(_BY_KEY)}") from None


def render_text(text: str, partner_name: str) -> str:
    """Fill in the other organization's name. Nothing else is changed or escaped."""
    return text.replace(PARTNER, partner_name)
