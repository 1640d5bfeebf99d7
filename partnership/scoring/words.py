"""The plain words a reader sees for the scoring rules: one wording for pages, CSV, XLSX and
the PDF brief (decisions.md: "Signals carry plain names in pages, CSV, XLSX and PDF; the rule
codes stay in the JSON").

Three kinds of words live here, nowhere else:

- **Titles** of the rules and escalation flags, for headings and table cells:
  "Gap between the organizations", "Red in two surveys running".
- **Short names** of one signal, for lists inside a sentence: "gap on market alignment",
  "low participation", "“On-time deliveries” off target".
- **The health reason**: why the partnership has its health, naming the rule of scoring.md
  section 6 that set it: "Red: 2 red signals (gap on market alignment, gap on execution
  alignment)."

Pure: plain strings in, plain strings out, so the brief's model (which must not import the
web app's results package) and the results presenters use the very same sentences.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from partnership.scoring.format import fmt_number

HEALTH_WORDS: Mapping[str, str] = {
    "green": "Green",
    "amber": "Amber",
    "red": "Red",
    "not_enough_data": "Not enough data",
}

RULE_TITLES: Mapping[str, str] = {
    "LEVEL": "Low joint score",
    "GAP": "Gap between the organizations",
    "TREND": "Falling score",
    "DIVERGENCE": "Widening gap",
    "CONSENSUS": "Weak agreement inside an organization",
    "PARTICIPATION": "Participation",
    "EARLY_WARNING_SIGNS": "Plan and execution warning signs",
    "KPI": "Shared KPI",
}

ESCALATION_TITLES: Mapping[str, str] = {
    "repeated_red": "Red in two surveys running",
    "multiple_amber": "Several amber signals in one dimension",
}

# Short names: "{s}" is the subject (a dimension's label in running text, or a KPI's name).
# "<what> on <dimension>" reads the same for "Market alignment" and "Demand trusts the plan".
_SHORT: Mapping[str, str] = {
    "LEVEL": "low score on {s}",
    "GAP": "gap on {s}",
    "TREND": "falling score on {s}",
    "DIVERGENCE": "widening gap on {s}",
    "CONSENSUS": "divided views on {s}",
    "PARTICIPATION": "low participation",
    "EARLY_WARNING_SIGNS": "plan and execution warning signs",
    "KPI": "“{s}” off target",
}


def rule_title(rule: str) -> str:
    """The plain title of a rule; an unknown code reads as itself in lower case."""
    return RULE_TITLES.get(rule, rule.replace("_", " ").capitalize())


def escalation_title(kind: str) -> str:
    return ESCALATION_TITLES.get(kind, kind.replace("_", " ").capitalize())


def health_word(health: str) -> str:
    return HEALTH_WORDS.get(health, health.replace("_", " ").capitalize())


def in_text(label: str) -> str:
    """A dimension label inside a sentence: "Market alignment" -> "market alignment"; a label
    that starts with an acronym ("KPI alignment") keeps its capitals."""
    if len(label) > 1 and label[:2].isupper():
        return label
    return label[:1].lower() + label[1:]


def signal_name(rule: str, subject: str | None) -> str:
    """One signal in a few words: "gap on market alignment", "low participation". ``subject`` is
    the dimension's label or the KPI's name (None for partnership-wide rules)."""
    template = _SHORT.get(rule)
    if template is None:
        base = rule_title(rule).lower()
        return f"{base} on {in_text(subject)}" if subject else base
    if "{s}" in template and not subject:
        return rule_title(rule).lower()
    subject_text = subject if rule == "KPI" else in_text(subject or "")
    return template.format(s=subject_text)


def join_words(words: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def repeated_red_text(name: str) -> str:
    """The escalation of a signal red in two surveys running (``name`` from signal_name)."""
    return f"{_capital(name)}: red in the previous survey and red again."


def multiple_amber_text(label: str, rules: Sequence[str]) -> str:
    """The escalation of two or more amber signals (their ``rules``) on one dimension:
    "Market alignment has 2 amber signals: low joint score and widening gap." """
    titles = [rule_title(r).lower() for r in rules]
    return f"{label} has {len(titles)} amber signals: {join_words(titles)}."


#: Up to this many signals are named one by one; more are summed up by what they are about.
NAMED_SIGNALS = 3


def _counted(severity: str, found: list[tuple[str | None, str]]) -> str:
    """ "2 red signals (gap on market alignment, low participation)", or for many signals
    "9 red signals, on cultural alignment, market alignment and governance"."""
    count = len(found)
    head = f"{count} {severity} signal{'s' if count != 1 else ''}"
    if count <= NAMED_SIGNALS:
        return f"{head} ({', '.join(name for _subject, name in found)})"
    about: list[str] = []
    for subject, name in found:
        text = in_text(subject) if subject else name
        if text not in about:
            about.append(text)
    return f"{head}, on {join_words(about)}"


def health_reason(
    health: str,
    signals: Iterable[tuple[str, str | None, str]],
    dimensions: Iterable[tuple[str, str | None]],
    *,
    amber_below: float = 70,
) -> str:
    """Why the partnership has its health, naming the rule of scoring.md section 6 that set it.

    ``signals``: (severity, subject, short name) of each signal, where subject is the
    dimension label it names (None for PARTICIPATION, EARLY_WARNING_SIGNS and KPI signals);
    ``dimensions``: (label, health) of each dimension; ``amber_below``: the partnership's
    "at least amber when J is below" setting.

    - Red: the red signals ("Red: 2 red signals (gap on market alignment, low participation)."),
      named one by one up to ``NAMED_SIGNALS``, else by what they are about.
    - Amber: the amber signals, and the dimensions amber only because J < ``amber_below``.
    - Green: no signal, and every joint score at least ``amber_below``.
    - Not enough data: no dimension could be scored for both organizations.
    """
    signals = list(signals)
    dimensions = list(dimensions)
    threshold = fmt_number(amber_below)
    if health == "not_enough_data":
        return (
            "Not enough data: no dimension has a joint score that both organizations can "
            "report, and no signal was raised."
        )
    if health == "green":
        return f"Green: no early-warning signal, and every joint score is at least {threshold}."
    if health not in ("red", "amber"):
        return health_word(health)
    found: list[tuple[str | None, str]] = []
    for severity, subject, name in signals:
        if severity == health and (subject, name) not in found:
            found.append((subject, name))
    parts = []
    if found:
        parts.append(_counted(health, found))
    if health == "amber":
        named = {subject for _sev, subject, _name in signals if subject}
        low = [label for label, h in dimensions if h == "amber" and label not in named]
        if low:
            parts.append(
                f"joint score below {threshold} in {join_words([in_text(x) for x in low])}"
            )
    if not parts:
        return f"{health_word(health)}."
    return f"{health_word(health)}: {'; '.join(parts)}."
