"""Issues from signals: what a closed survey's snapshot asks the steering committee to handle.

``sync_issues`` runs inside the close and the re-score use cases
(``partnership.results.services.close_survey`` and ``rescore``), in their transaction, as their
snapshot hook (``results.services.on_snapshot``; the app factory imports this module), so every caller (the
coach's button, `flask surveys close`, the demo, the scheduler) gets the issues with the
snapshot, or neither.

Which signals: each red signal, and each escalation flag (scoring.md section 6), of the
snapshot. A "red in two surveys running" escalation names the same rule and subject as its red
signal, so both are one issue, marked escalated. A "two or more amber signals in one
dimension" escalation is one issue with the rule ``MULTIPLE_AMBER`` on that dimension.

The key of a signal issue: partnership, cycle, instrument lineage, rule, and subject
("dimension:<key>", "kpi:<id>", or "" for partnership-wide rules), unique in the database
(``uq_issues_signal_key``). The row is claimed with INSERT ... ON CONFLICT DO NOTHING, then
read and updated, so two transactions raising the same issue at once (SQLite serialises
writers; on PostgreSQL the second insert waits for the first and does nothing) end with one
row. A re-score updates the issues of its survey in place: severity, explanation, escalation,
and ``is_firing``; an issue the new snapshot no longer raises is kept, marked as no longer
firing (its status, owner, comments and actions stay), and fires again if a later re-score
raises it again. Each change is recorded (partnership.governance.records).

This module reads only the snapshot it is given.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from partnership.db import utcnow
from partnership.extensions import db
from partnership.governance.models import MULTIPLE_AMBER, Issue
from partnership.governance.records import SCORING_NAME, diff, record
from partnership.results.models import Snapshot
from partnership.results.services import on_snapshot
from partnership.scoring import words
from partnership.surveys.models import Survey

log = logging.getLogger(__name__)

KEY_COLUMNS = ("partnership_id", "cycle_id", "instrument_id", "rule", "subject")
REPEATED_RED = "repeated_red"
ESCALATED_NOTE = "Escalated: red in this survey and the one before it."


def subject_key(dimension: str | None, kpi_id: int | None) -> str:
    """The subject part of an issue's key."""
    if dimension:
        return f"dimension:{dimension}"
    if kpi_id is not None:
        return f"kpi:{kpi_id}"
    return ""


def rule_label(rule: str | None) -> str:
    """A rule in plain words ("Gap between the organizations"), from the one wording of
    partnership.scoring.words."""
    if rule == MULTIPLE_AMBER:
        return words.escalation_title("multiple_amber")
    return words.rule_title(rule) if rule else "Issue"


def issue_title(rule: str | None, subject_label: str | None) -> str:
    """The plain-language title of a signal issue: "Gap between the organizations: Execution
    alignment"; partnership-wide rules stand alone ("Participation")."""
    label = rule_label(rule)
    return (f"{label}: {subject_label}" if subject_label else label)[:200]


@dataclass
class Raised:
    """One issue the snapshot raises, before it is stored."""

    rule: str
    subject: str
    dimension: str | None
    kpi_id: int | None
    severity: str
    is_escalated: bool
    title: str
    explanation: str


def _labels(data: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    dims = {
        str(d.get("dimension")): str(d.get("label") or d.get("dimension"))
        for d in data.get("dimensions") or []
        if isinstance(d, Mapping)
    }
    kpis = {
        str(k.get("id")): str(k.get("name"))
        for k in data.get("kpis") or []
        if isinstance(k, Mapping)
    }
    return dims, kpis


def _subject_label(
    dims: Mapping[str, str], kpis: Mapping[str, str], dimension: Any, kpi_id: Any
) -> str | None:
    if dimension:
        return dims.get(str(dimension), str(dimension))
    if kpi_id is not None:
        return kpis.get(str(kpi_id), f"KPI {kpi_id}")
    return None


def raised_by(data: Mapping[str, Any]) -> list[Raised]:
    """The issues a snapshot's data raises: its red signals and its escalations, one per key,
    in the snapshot's order. Pure: reads only ``data``."""
    dims, kpis = _labels(data)
    out: dict[tuple[str, str], Raised] = {}

    def raise_(rule: str, dim: Any, kpi: Any, severity: str, escalated: bool, text: str) -> Raised:
        key = (rule, subject_key(dim, kpi))
        out[key] = Raised(
            rule=rule,
            subject=key[1],
            dimension=dim,
            kpi_id=kpi,
            severity=severity,
            is_escalated=escalated,
            title=issue_title(rule, _subject_label(dims, kpis, dim, kpi)),
            explanation=text,
        )
        return out[key]

    for s in data.get("signals") or []:
        if s.get("severity") == "red":
            explanation = str(s.get("explanation") or "")
            raise_(
                str(s.get("rule")), s.get("dimension"), s.get("kpi_id"), "red", False, explanation
            )
    for e in data.get("escalations") or []:
        dim, kpi = e.get("dimension"), e.get("kpi_id")
        if e.get("kind") == REPEATED_RED and e.get("rule"):
            rule = str(e["rule"])
            # a well-formed snapshot always has the red signal too
            found = out.get((rule, subject_key(dim, kpi))) or raise_(
                rule, dim, kpi, "red", False, ""
            )
            found.is_escalated = True
            found.explanation = " ".join(x for x in (found.explanation, ESCALATED_NOTE) if x)
        elif dim:
            raise_(MULTIPLE_AMBER, dim, None, "amber", True, str(e.get("explanation") or ""))
    return list(out.values())


def _claim(values: dict[str, Any]) -> bool:
    """Insert the issue's row unless one with its key exists (flush-level; race-safe on both
    databases). True when this call created it."""
    table = Issue.__table__
    assert isinstance(table, Table)
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = (
        insert(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=list(KEY_COLUMNS))
        .returning(table.c.id)
    )
    # RETURNING says whether a row was inserted (rowcount is not reliable here on psycopg)
    return db.session.execute(stmt).first() is not None


def _state(issue: Issue) -> dict[str, Any]:
    return {
        "severity": issue.severity,
        "escalated": issue.is_escalated,
        "firing": issue.is_firing,
        "explanation": issue.explanation,
    }


def sync_issues(
    survey: Survey,
    snapshot: Snapshot,
    *,
    by: Any = SCORING_NAME,
    now: dt.datetime | None = None,
) -> list[Issue]:
    """Raise, update or clear the issues of the survey's snapshot (flush only; the close or
    re-score commits). Returns the issues the snapshot raises, created or updated."""
    now = now or utcnow()
    data = snapshot.data if isinstance(snapshot.data, Mapping) else {}
    raised = raised_by(data)
    how = "close" if snapshot.reason == "close" else "re-score"
    where = f"{how} of survey {survey.id} (results version {snapshot.version})"
    kept: list[Issue] = []
    for r in raised:
        key = {
            "partnership_id": survey.partnership_id,
            "cycle_id": survey.cycle_id,
            "instrument_id": survey.instrument_id,
            "rule": r.rule,
            "subject": r.subject,
        }
        created = _claim(
            {
                **key,
                "source": "signal",
                "dimension": r.dimension,
                "kpi_id": r.kpi_id,
                "severity": r.severity,
                "is_escalated": r.is_escalated,
                "is_firing": True,
                "title": r.title,
                "explanation": r.explanation,
                "survey_id": survey.id,
                "snapshot_version": snapshot.version,
                "created_at": now,
                "updated_at": now,
            }
        )
        issue = db.session.scalars(
            select(Issue)
            .where(*(getattr(Issue, column) == value for column, value in key.items()))
            .execution_options(populate_existing=True)
        ).one()
        if created:
            record(
                issue.partnership_id,
                "created",
                by,
                cycle_id=issue.cycle_id,
                issue_id=issue.id,
                body=f"Raised by the {where}.",
                at=now,
            )
        else:
            before = _state(issue)
            issue.severity, issue.is_escalated = r.severity, r.is_escalated
            issue.explanation, issue.title = r.explanation, r.title
            issue.dimension, issue.kpi_id = r.dimension, r.kpi_id
            issue.is_firing = True
            issue.survey_id, issue.snapshot_version = survey.id, snapshot.version
            issue.updated_at = now
            changes = diff(before, _state(issue))
            if changes:
                record(
                    issue.partnership_id,
                    "fired" if not before["firing"] else "changed",
                    by,
                    cycle_id=issue.cycle_id,
                    issue_id=issue.id,
                    body=f"Updated by the {where}.",
                    changes=changes,
                    at=now,
                )
        kept.append(issue)
    keys = {(r.rule, r.subject) for r in raised}
    for issue in db.session.scalars(
        select(Issue).where(
            Issue.partnership_id == survey.partnership_id,
            Issue.cycle_id == survey.cycle_id,
            Issue.instrument_id == survey.instrument_id,
            Issue.source == "signal",
            Issue.is_firing.is_(True),
        )
    ):
        if (issue.rule, issue.subject) in keys:
            continue
        issue.is_firing = False
        issue.survey_id, issue.snapshot_version = survey.id, snapshot.version
        issue.updated_at = now
        record(
            issue.partnership_id,
            "cleared",
            by,
            cycle_id=issue.cycle_id,
            issue_id=issue.id,
            body=f"No longer raised by the {where}.",
            changes={"firing": ["yes", "no"]},
            at=now,
        )
    db.session.flush()
    log.info("survey %s: %d issues raised (%s)", survey.id, len(kept), how)
    return kept


@on_snapshot
def _on_snapshot(survey: Survey, snapshot: Snapshot, user: Any, now: dt.datetime | None) -> None:
    """Every snapshot the close and re-score use cases freeze raises its issues."""
    sync_issues(survey, snapshot, by=user if user is not None else SCORING_NAME, now=now)
