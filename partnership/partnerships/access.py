"""Who may do what on a partnership: one table of named actions, one function that decides.

Roles live on the membership (decisions.md, "Roles, confidentiality, governance records"):
a user is a **coach** or a **steering member** of each partnership they belong to, and nothing
on the others. Admin is global: an admin acts as a coach on every partnership and alone adds
coaches.

- No membership (or no such partnership): ``NotFound`` (404), so that whether a partnership
  exists is never revealed.
- A member whose role does not allow the action: ``Forbidden`` (403).
- An archived partnership is read-only: every action but the reads (and restoring it) is
  ``Forbidden`` there.

Steering members read results, trends, KPIs, cycles with their participation counts,
governance records and briefs. They never see the stakeholder directory or its CSV, raw
answers, API tokens, the access log, thresholds, instruments, the schedule or the outbox. They
may record decisions, comment on issues and agenda items, add lessons, and update what is
theirs: the issues assigned to them, the escalations that reached their level, the actions
they own, the lessons they wrote.

A feature adds its actions to ``Act`` and ``RULES``; views call ``authorize``, templates call
``may`` to offer only what will be allowed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Literal

from flask import has_request_context, request
from sqlalchemy import select

from partnership.accounts.models import User
from partnership.errors import Forbidden, NotFound
from partnership.extensions import db
from partnership.partnerships.models import Membership, Partnership

COACH = "coach"
STEERING = "steering"
ROLES = (COACH, STEERING)
ROLE_LABELS = {COACH: "Coach", STEERING: "Steering member"}

NOT_FOUND = "There is nothing at this address, or you have no access to it."
NOT_ALLOWED = "Your account may not do this."
READ_ONLY = "This partnership is archived: it is read-only."


class Act(enum.StrEnum):
    """The named actions on a partnership."""

    # Read by every member.
    VIEW = "view"  # the overview, cycles and surveys (participation counts only)
    VIEW_RESULTS = "view_results"  # results, trends, their aggregate exports and the API
    VIEW_KPIS = "view_kpis"
    # Read by coaches only.
    VIEW_STAKEHOLDERS = "view_stakeholders"  # the directory and its CSV
    VIEW_THRESHOLDS = "view_thresholds"
    VIEW_INSTRUMENTS = "view_instruments"  # instruments and their previews
    VIEW_SCHEDULE = "view_schedule"  # the scheduler's plan and the outbox
    VIEW_ACCESS_LOG = "view_access_log"
    MANAGE_API_TOKENS = "manage_api_tokens"
    VIEW_MEMBERS = "view_members"  # the members page: coaches and the committee
    # Changes, by coaches.
    CONFIGURE = "configure"  # settings, stakeholders, instruments, cycles, surveys, KPIs,
    #                          thresholds, the schedule, re-scoring, hiding comments
    ARCHIVE = "archive"  # archive or restore (allowed on an archived partnership)
    MANAGE_STEERING = "manage_steering"  # invite, re-invite and remove steering members
    ADD_COACH = "add_coach"  # add or remove a coach: admins only
    # Governance records (issue 11).
    VIEW_GOVERNANCE = "view_governance"  # cycle stages, issues, actions, lessons, playbook
    MOVE_STAGE = "move_stage"
    EDIT_CYCLE = "edit_cycle"  # a cycle's dates, the target days per stage
    RAISE_ISSUE = "raise_issue"
    ASSIGN_ISSUE = "assign_issue"
    UPDATE_ISSUE = "update_issue"  # its status (steering: the issues assigned to them)
    COMMENT_ISSUE = "comment_issue"
    DECIDE_ISSUE = "decide_issue"
    CREATE_ACTION = "create_action"
    EDIT_ACTION = "edit_action"  # title, description, owner, due date
    UPDATE_ACTION = "update_action"  # status and progress notes (steering: their own)
    ADD_LESSON = "add_lesson"
    EDIT_LESSON = "edit_lesson"  # steering: the lessons they wrote
    EDIT_PLAYBOOK = "edit_playbook"
    PUBLISH_PLAYBACK = "publish_playback"
    # The steering committee (partnership.steering, issue 16).
    EDIT_STEERING = "edit_steering"  # the escalation path and the trade-off priorities
    ESCALATE_ISSUE = "escalate_issue"  # up one level by hand (steering: at their level)
    TAG_TRADE_OFFS = "tag_trade_offs"  # what an issue trades off
    RECORD_DECISION = "record_decision"  # a decision in the register, made or requested
    EDIT_DECISION = "edit_decision"
    PLAN_MEETING = "plan_meeting"  # meetings: create, agenda items and order, minutes
    COMMENT_AGENDA = "comment_agenda"


Steering = Literal["yes", "own", "no"]


@dataclass(frozen=True)
class Rule:
    #: What a steering member may: "yes", "own" (only on a record they own), or "no" (403).
    steering: Steering = "no"
    #: Whether the action is allowed on an archived partnership (reads).
    reads: bool = False
    #: Only admins (a coach gets 403).
    admin_only: bool = False


_READ = Rule("yes", reads=True)
_COACH_READ = Rule("no", reads=True)
_COACH = Rule("no")
RULES: dict[Act, Rule] = {
    Act.VIEW: _READ,
    Act.VIEW_RESULTS: _READ,
    Act.VIEW_KPIS: _READ,
    Act.VIEW_STAKEHOLDERS: _COACH_READ,
    Act.VIEW_THRESHOLDS: _COACH_READ,
    Act.VIEW_INSTRUMENTS: _COACH_READ,
    Act.VIEW_SCHEDULE: _COACH_READ,
    Act.VIEW_ACCESS_LOG: _COACH_READ,
    Act.MANAGE_API_TOKENS: _COACH,
    Act.VIEW_MEMBERS: _COACH_READ,
    Act.CONFIGURE: _COACH,
    Act.ARCHIVE: Rule("no", reads=True),
    Act.MANAGE_STEERING: _COACH,
    Act.ADD_COACH: Rule("no", admin_only=True),
    Act.VIEW_GOVERNANCE: _READ,
    Act.MOVE_STAGE: _COACH,
    Act.EDIT_CYCLE: _COACH,
    Act.RAISE_ISSUE: _COACH,
    Act.ASSIGN_ISSUE: _COACH,
    Act.UPDATE_ISSUE: Rule("own"),
    Act.COMMENT_ISSUE: Rule("yes"),
    Act.DECIDE_ISSUE: Rule("yes"),
    Act.CREATE_ACTION: _COACH,
    Act.EDIT_ACTION: _COACH,
    Act.UPDATE_ACTION: Rule("own"),
    Act.ADD_LESSON: Rule("yes"),
    Act.EDIT_LESSON: Rule("own"),
    Act.EDIT_PLAYBOOK: _COACH,
    Act.PUBLISH_PLAYBACK: _COACH,
    Act.EDIT_STEERING: _COACH,
    # "Own" for an escalation: the steering member is one of its current level's people.
    Act.ESCALATE_ISSUE: Rule("own"),
    Act.TAG_TRADE_OFFS: _COACH,
    Act.RECORD_DECISION: Rule("yes"),
    Act.EDIT_DECISION: _COACH,
    Act.PLAN_MEETING: _COACH,
    Act.COMMENT_AGENDA: Rule("yes"),
}


def role_on(user: User, partnership_id: int) -> str | None:
    """The user's role on the partnership: "coach", "steering", or None (no access). An admin
    is a coach everywhere. Looked up once per request."""
    if user.is_admin:
        return COACH
    cache: dict[tuple[int, int], str | None] | None = None
    if has_request_context():
        cache = request.environ.setdefault("partnership.roles", {})
        if (user.id, partnership_id) in cache:
            return cache[(user.id, partnership_id)]
    role = db.session.scalar(
        select(Membership.role).where(
            Membership.partnership_id == partnership_id, Membership.user_id == user.id
        )
    )
    if cache is not None:
        cache[(user.id, partnership_id)] = role
    return role


def refusal(
    user: User, partnership: Partnership, action: str, *, owner_id: int | None = None
) -> NotFound | Forbidden | None:
    """Why the user may not take the action on the partnership, or None when they may."""
    rule = RULES[Act(action)]
    role = role_on(user, partnership.id)
    if role is None:
        return NotFound(NOT_FOUND)
    if rule.admin_only and not user.is_admin:
        return Forbidden(NOT_ALLOWED)
    owns = owner_id is not None and owner_id == user.id
    if role == STEERING and (rule.steering == "no" or (rule.steering == "own" and not owns)):
        return Forbidden(NOT_ALLOWED)
    if partnership.is_archived and not rule.reads:
        return Forbidden(READ_ONLY)
    return None


def authorize(
    user: User, partnership_id: int, action: str, *, owner_id: int | None = None
) -> Partnership:
    """The partnership when the user may take the action on it; else ``NotFound`` (no
    membership: 404) or ``Forbidden`` (403). ``owner_id``: the user a record belongs to, for
    the actions a steering member may take on their own records only."""
    partnership = db.session.get(Partnership, partnership_id)
    if partnership is None:
        raise NotFound(NOT_FOUND)
    refused = refusal(user, partnership, action, owner_id=owner_id)
    if refused is not None:
        raise refused
    return partnership


def may(user: User, partnership: Partnership, action: str, *, owner_id: int | None = None) -> bool:
    """Whether to offer the action (a link, a button) on a partnership."""
    return refusal(user, partnership, action, owner_id=owner_id) is None


def acts_as_coach(user: User) -> bool:
    """Whether the account works as a coach: an admin, a coach of some partnership, or a new
    account with no membership yet. Such accounts may start a partnership and see the
    scheduler's health; an account that only sits on steering committees does not."""
    if user.is_admin:
        return True
    roles = set(db.session.scalars(select(Membership.role).where(Membership.user_id == user.id)))
    return not roles or COACH in roles
