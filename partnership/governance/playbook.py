"""The playbook: suggested interventions per rule and dimension.

The built-in suggestions below are written for this product from partnership practice. Each
partnership may edit or hide any of them and add its own (``PlaybookEntry`` rows: an edit or
hiding of a built-in carries its ``builtin_key``; one of its own has none). On an issue, the
suggestions that suit its rule and dimension are offered; one POST turns a suggestion into a
pre-filled action (partnership.governance.services.action_from_suggestion).

A suggestion suits an issue when its rules are empty or name the issue's rule, and, for an
issue on a dimension, its dimensions are empty or name that dimension.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select

from partnership.db import utcnow
from partnership.errors import NotFound, Refused
from partnership.extensions import db
from partnership.governance.models import MULTIPLE_AMBER, Issue, PlaybookEntry
from partnership.governance.records import actor_id
from partnership.partnerships.models import Partnership

log = logging.getLogger(__name__)

RULES = (
    "LEVEL",
    "GAP",
    "TREND",
    "DIVERGENCE",
    "CONSENSUS",
    "PARTICIPATION",
    "EARLY_WARNING_SIGNS",
    "KPI",
    MULTIPLE_AMBER,
)
TITLE_MAX = 200
DESCRIPTION_MAX = 4000


@dataclass(frozen=True)
class Suggestion:
    """One suggested intervention as a partnership sees it.

    ``key``: "b-<builtin key>" for a built-in (edited or not), "c-<id>" for the partnership's
    own."""

    key: str
    title: str
    description: str
    rules: tuple[str, ...] = ()
    dimensions: tuple[str, ...] = ()
    due_days: int = 30
    builtin_key: str | None = None
    entry_id: int | None = None
    is_hidden: bool = False
    is_edited: bool = False
    #: Who last changed the partnership's version, and when (None for a built-in as shipped).
    updated_by_id: int | None = None
    updated_at: dt.datetime | None = None

    def suits(self, rule: str | None, dimension: str | None) -> bool:
        if self.rules and rule is not None and rule not in self.rules:
            return False
        return not (self.dimensions and dimension and dimension not in self.dimensions)


def _b(
    key: str,
    title: str,
    description: str,
    rules: tuple[str, ...],
    dimensions: tuple[str, ...] = (),
    due_days: int = 30,
) -> Suggestion:
    return Suggestion(
        key=f"b-{key}",
        title=title,
        description=description,
        rules=rules,
        dimensions=dimensions,
        due_days=due_days,
        builtin_key=key,
    )


BUILTIN: tuple[Suggestion, ...] = (
    _b(
        "quarterly-sync",
        "Quarterly synchronization session",
        "Half a day with leaders and planners of both organizations: review progress against "
        "the shared objectives, look at what changed in the market, and reset priorities and "
        "resources for the coming quarter. Leave with one page listing what changes and who "
        "owns each change.",
        ("LEVEL", "GAP", "TREND", "DIVERGENCE", MULTIPLE_AMBER),
        ("market", "execution"),
        21,
    ),
    _b(
        "joint-team",
        "Joint team with shared objectives",
        "Put people of both organizations on one team for the work where the gap shows, with "
        "one set of objectives and one backlog. Measure the team on the shared result, not on "
        "each side's local target, and give it a sponsor on each side.",
        ("GAP", "LEVEL", "DIVERGENCE", MULTIPLE_AMBER),
        ("execution", "market"),
        45,
    ),
    _b(
        "decision-framework",
        "One decision framework with clear decision rights",
        "Write down, for the trade-offs that keep coming back, who proposes, who validates and "
        "who approves, and the order in which priorities win (critical service first, then "
        "margin, then efficiency). Share it with both organizations and use it at the next "
        "steering meeting.",
        ("GAP", "LEVEL", "CONSENSUS", "TREND", MULTIPLE_AMBER),
        ("governance", "execution"),
        30,
    ),
    _b(
        "executive-alignment",
        "Bi-weekly executive alignment",
        "A short call every two weeks between one executive of each organization: what "
        "changed, what is stuck, which decision is needed and by when. A few lines of notes "
        "reach both leadership teams the same day.",
        ("LEVEL", "GAP", "TREND", "DIVERGENCE", MULTIPLE_AMBER),
        ("governance", "market", "communication"),
        14,
    ),
    _b(
        "cultural-integration",
        "Cultural integration activities",
        "Joint workshops on how each organization decides, takes risks and handles "
        "disagreement; pairs of people across the two sides for a quarter; a handful of "
        "working agreements both sides can keep, revisited at the next pulse.",
        ("GAP", "LEVEL", "CONSENSUS", "TREND", MULTIPLE_AMBER),
        ("cultural", "communication"),
        60,
    ),
    _b(
        "escalation-path",
        "An escalation path that works",
        "Agree the steps a disagreement takes: the working level for a few days, then the two "
        "responsible managers, then the steering committee, each step with a deadline. Bad "
        "news travels early, and nobody waits for the next scheduled meeting to raise it.",
        ("LEVEL", "TREND", "GAP", "CONSENSUS", MULTIPLE_AMBER),
        ("governance", "communication"),
        21,
    ),
    _b(
        "kpi-redesign",
        "KPI redesign that links local KPIs to shared ones",
        "Review each local KPI that pulls against a shared result (unit cost against on-time "
        "delivery, sales volume against pipeline value). Link it to the shared KPI it should "
        "serve, or change its target, so that doing well locally can no longer hurt the "
        "partnership as a whole.",
        ("KPI", "EARLY_WARNING_SIGNS"),
        (),
        45,
    ),
    _b(
        "joint-plan-review",
        "One plan, reviewed jointly every month",
        "A monthly planning review where demand, capacity and procurement of both "
        "organizations agree one plan, with rules for late changes. Track forecast stability, "
        "plan stability and the cost of compensation (expediting, overtime, urgent freight) "
        "from one review to the next.",
        ("EARLY_WARNING_SIGNS", "KPI"),
        (),
        30,
    ),
    _b(
        "participation-drive",
        "Show what the last pulse changed, then ask again",
        "A sponsor in each organization tells people what was done with the last results and "
        "why the next pulse matters; managers give ten minutes of a team meeting to answer "
        "it. People answer when they see that answering leads somewhere.",
        ("PARTICIPATION",),
        (),
        21,
    ),
    _b(
        "listening-sessions",
        "Listening sessions where an organization is divided",
        "When one organization is split on a dimension, hold small listening sessions inside "
        "it to learn which groups see it differently and why, before acting on the average.",
        ("CONSENSUS",),
        (),
        30,
    ),
)
BUILTIN_BY_KEY: dict[str | None, Suggestion] = {s.builtin_key: s for s in BUILTIN}


@dataclass
class SuggestionData:
    title: str
    description: str
    rules: list[str] = field(default_factory=list)
    dimensions: list[str] = field(default_factory=list)
    due_days: int = 30


def _from_entry(entry: PlaybookEntry, builtin: Suggestion | None) -> Suggestion:
    return Suggestion(
        key=builtin.key if builtin is not None else f"c-{entry.id}",
        title=entry.title,
        description=entry.description,
        rules=tuple(entry.rules or ()),
        dimensions=tuple(entry.dimensions or ()),
        due_days=entry.due_days,
        builtin_key=entry.builtin_key,
        entry_id=entry.id,
        is_hidden=entry.is_hidden,
        is_edited=builtin is not None,
        updated_by_id=entry.updated_by_id,
        updated_at=entry.updated_at,
    )


def playbook(partnership: Partnership, *, include_hidden: bool = False) -> list[Suggestion]:
    """The partnership's suggestions: the built-ins (as it edited them), then its own."""
    entries = list(
        db.session.scalars(
            select(PlaybookEntry)
            .where(PlaybookEntry.partnership_id == partnership.id)
            .order_by(PlaybookEntry.id)
        )
    )
    edited: dict[str | None, PlaybookEntry] = {
        e.builtin_key: e for e in entries if e.builtin_key is not None
    }
    out = []
    for builtin in BUILTIN:
        entry = edited.get(builtin.builtin_key)
        out.append(_from_entry(entry, builtin) if entry is not None else builtin)
    out.extend(_from_entry(e, None) for e in entries if e.builtin_key is None)
    return [s for s in out if include_hidden or not s.is_hidden]


def suggestion(partnership: Partnership, key: str) -> Suggestion:
    """One of the partnership's suggestions by key (hidden ones included), else NotFound."""
    for s in playbook(partnership, include_hidden=True):
        if s.key == key:
            return s
    raise NotFound("There is no such suggestion in this partnership's playbook.")


def suggestions_for(partnership: Partnership, issue: Issue) -> list[Suggestion]:
    """The visible suggestions that suit the issue's rule and dimension."""
    return [s for s in playbook(partnership) if s.suits(issue.rule, issue.dimension)]


def _check(data: SuggestionData) -> SuggestionData:
    title = " ".join((data.title or "").split())
    if not title:
        raise Refused("Give the suggestion a title.", field="title")
    if len(title) > TITLE_MAX:
        raise Refused(f"A title may have at most {TITLE_MAX} characters.", field="title")
    description = (data.description or "").strip()
    if len(description) > DESCRIPTION_MAX:
        raise Refused(
            f"A description may have at most {DESCRIPTION_MAX} characters.", field="description"
        )
    unknown = [r for r in data.rules if r not in RULES]
    if unknown:
        raise Refused("Unknown rule: " + ", ".join(unknown) + ".", field="rules")
    if not 1 <= int(data.due_days) <= 365:
        raise Refused("Due in: between 1 and 365 days.", field="due_days")
    dimensions = sorted({d.strip().lower() for d in data.dimensions if d.strip()})
    return SuggestionData(
        title, description, list(dict.fromkeys(data.rules)), dimensions, int(data.due_days)
    )


def _own_entry(partnership: Partnership, key: str | None) -> PlaybookEntry:
    """The partnership's row for a suggestion: a new row of its own (``key`` None), its row
    of an own or edited suggestion, or a new row holding its version of a built-in (a copy of
    the built-in, flush only)."""
    if key is not None:
        current = suggestion(partnership, key)
        if current.entry_id is not None:
            found = db.session.get(PlaybookEntry, current.entry_id)
            assert found is not None
            return found
        entry = PlaybookEntry(
            partnership_id=partnership.id,
            builtin_key=current.builtin_key,
            title=current.title,
            description=current.description,
            rules=list(current.rules),
            dimensions=list(current.dimensions),
            due_days=current.due_days,
            is_hidden=False,
        )
    else:
        entry = PlaybookEntry(partnership_id=partnership.id, is_hidden=False)
    db.session.add(entry)
    return entry


@db.writes
def save_suggestion(
    partnership: Partnership, key: str | None, data: SuggestionData, by: Any
) -> Suggestion:
    """Add a suggestion of the partnership's own (``key`` None), or change one: editing a
    built-in stores the partnership's version of it. Commits."""
    data = _check(data)
    entry = _own_entry(partnership, key)
    entry.title, entry.description = data.title, data.description
    entry.rules, entry.dimensions, entry.due_days = data.rules, data.dimensions, data.due_days
    entry.updated_by_id, entry.updated_at = actor_id(by), utcnow()
    db.session.commit()
    log.info("partnership %s: playbook entry %s saved", partnership.id, entry.id)
    builtin = BUILTIN_BY_KEY.get(entry.builtin_key) if entry.builtin_key is not None else None
    return _from_entry(entry, builtin)


@db.writes
def set_hidden(partnership: Partnership, key: str, hidden: bool, by: Any) -> None:
    """Hide a suggestion from issues (or show it again); a built-in is hidden through the
    partnership's version of it. Commits."""
    entry = _own_entry(partnership, key)
    entry.is_hidden = hidden
    entry.updated_by_id, entry.updated_at = actor_id(by), utcnow()
    db.session.commit()


@db.writes
def restore_builtin(partnership: Partnership, key: str) -> None:
    """Drop the partnership's version of a built-in suggestion: the built-in shows again as
    shipped. Commits."""
    current = suggestion(partnership, key)
    if current.builtin_key is None:
        raise Refused("Only a built-in suggestion can be restored.")
    db.session.execute(
        delete(PlaybookEntry).where(
            PlaybookEntry.partnership_id == partnership.id,
            PlaybookEntry.builtin_key == current.builtin_key,
        )
    )
    db.session.commit()
