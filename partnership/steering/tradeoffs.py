"""Trade-off priorities: what the partnership protects first when goals collide (critical
service, then margin, then efficiency, unless it says otherwise), and the tags that say what
an issue or a decision trades off. The agenda sorts each of its groups by them."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select

from partnership.errors import Refused
from partnership.extensions import db
from partnership.governance.models import Issue
from partnership.governance.records import record
from partnership.partnerships.models import Partnership
from partnership.steering.models import TradeOff, TradeOffTag

NAME_MAX = 100
MAX_TRADE_OFFS = 12


@dataclass(frozen=True)
class Priority:
    """One trade-off priority: its stable key, its name, its rank (1 first)."""

    key: str
    name: str
    rank: int


#: The seed material's order: critical service first, then margin, then efficiency.
DEFAULT_TRADE_OFFS = ("Critical service", "Margin", "Efficiency")


def slug(name: str) -> str:
    """A stable key of a name: "Critical service" -> "critical-service"."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:60] or "trade-off"


def priorities(partnership: Partnership) -> list[Priority]:
    """The partnership's trade-off priorities, first first (the defaults until it saves its
    own)."""
    rows = list(
        db.session.scalars(
            select(TradeOff)
            .where(TradeOff.partnership_id == partnership.id)
            .order_by(TradeOff.position)
        )
    )
    if not rows:
        return [Priority(slug(n), n, i) for i, n in enumerate(DEFAULT_TRADE_OFFS, 1)]
    return [Priority(r.key, r.name, i) for i, r in enumerate(rows, 1)]


def parse_names(text: str) -> list[str]:
    """Names from a text with one per line, in order, blanks dropped."""
    return [" ".join(line.split()) for line in (text or "").splitlines() if line.strip()]


@db.writes
def set_priorities(partnership: Partnership, names: Sequence[str], by: Any) -> None:
    """Save the ordered trade-off priorities (one name per entry). Tags keep following the
    names that stay; a name that goes leaves its tags unranked. Commits."""
    names = [" ".join(n.split()) for n in names if n and n.strip()]
    if not names:
        raise Refused("Name at least one trade-off.", field="names")
    if len(names) > MAX_TRADE_OFFS:
        raise Refused(f"At most {MAX_TRADE_OFFS} trade-offs.", field="names")
    if any(len(n) > NAME_MAX for n in names):
        raise Refused(f"A name may have at most {NAME_MAX} characters.", field="names")
    keys = [slug(n) for n in names]
    if len(set(keys)) != len(keys):
        raise Refused("Each trade-off needs a different name.", field="names")
    before = [p.name for p in priorities(partnership)]
    db.session.execute(delete(TradeOff).where(TradeOff.partnership_id == partnership.id))
    db.session.flush()
    db.session.add_all(
        TradeOff(partnership_id=partnership.id, position=i, key=k, name=n)
        for i, (k, n) in enumerate(zip(keys, names, strict=True), 1)
    )
    if before != names:
        record(
            partnership.id,
            "changed",
            by,
            body="Trade-off priorities changed.",
            changes={"trade-off priorities": [" > ".join(before), " > ".join(names)]},
        )


def tags_of_issues(issue_ids: Iterable[int]) -> dict[int, list[str]]:
    """The trade-off keys each issue is tagged with."""
    ids = list(issue_ids)
    out: dict[int, list[str]] = {i: [] for i in ids}
    if not ids:
        return out
    for issue_id, key in db.session.execute(
        select(TradeOffTag.issue_id, TradeOffTag.key)
        .where(TradeOffTag.issue_id.in_(ids))
        .order_by(TradeOffTag.id)
    ):
        if issue_id is not None:
            out[issue_id].append(key)
    return out


def tags_of_decisions(decision_ids: Iterable[int]) -> dict[int, list[str]]:
    ids = list(decision_ids)
    out: dict[int, list[str]] = {i: [] for i in ids}
    if not ids:
        return out
    for decision_id, key in db.session.execute(
        select(TradeOffTag.decision_id, TradeOffTag.key)
        .where(TradeOffTag.decision_id.in_(ids))
        .order_by(TradeOffTag.id)
    ):
        if decision_id is not None:
            out[decision_id].append(key)
    return out


def rank_of(keys: Iterable[str], ranked: Sequence[Priority]) -> int:
    """The best (lowest) rank among the keys; untagged or unknown keys rank after all."""
    ranks = {p.key: p.rank for p in ranked}
    return min((ranks[k] for k in keys if k in ranks), default=len(ranked) + 1)


def names_of(keys: Iterable[str], ranked: Sequence[Priority]) -> list[str]:
    """The names of the known keys, in priority order."""
    by_key = {p.key: p for p in ranked}
    return [
        by_key[k].name
        for k in sorted({k for k in keys if k in by_key}, key=lambda k: by_key[k].rank)
    ]


def check_keys(partnership: Partnership, keys: Iterable[str]) -> list[str]:
    known = {p.key for p in priorities(partnership)}
    chosen = list(dict.fromkeys(keys))
    if any(k not in known for k in chosen):
        raise Refused("Choose among the partnership's trade-offs.", field="trade_offs")
    return chosen


def replace_tags(
    partnership: Partnership,
    keys: Sequence[str],
    *,
    issue_id: int | None = None,
    decision_id: int | None = None,
) -> None:
    """Set the tags of one issue or decision (flush only)."""
    column = TradeOffTag.issue_id if issue_id is not None else TradeOffTag.decision_id
    db.session.execute(delete(TradeOffTag).where(column == (issue_id or decision_id)))
    db.session.add_all(
        TradeOffTag(
            partnership_id=partnership.id, issue_id=issue_id, decision_id=decision_id, key=k
        )
        for k in keys
    )
    db.session.flush()


@db.writes
def tag_issue(issue: Issue, keys: Sequence[str], by: Any) -> None:
    """Say what the issue trades off (empty: nothing). Recorded on the issue. Commits."""
    partnership = db.session.get(Partnership, issue.partnership_id)
    assert partnership is not None
    chosen = check_keys(partnership, keys)
    ranked = priorities(partnership)
    before = names_of(tags_of_issues([issue.id])[issue.id], ranked)
    after = names_of(chosen, ranked)
    if before == after:
        return
    replace_tags(partnership, chosen, issue_id=issue.id)
    record(
        issue.partnership_id,
        "changed",
        by,
        cycle_id=issue.cycle_id,
        issue_id=issue.id,
        changes={"trades off": [", ".join(before) or "–", ", ".join(after) or "–"]},
    )
