"""Who may do what with governance records: named actions, decided in one place.

Coaches do everything on their partnership. Steering members (decisions.md) read every
governance record, comment on issues and agenda items, record decisions, add lessons, and
update what is theirs: the issues assigned to them, the escalations that reached their level,
the actions they own, the lessons they wrote. Another
partnership's records answer 404; an archived partnership is read-only (403 on changes).

Until roles per partnership land (issue 13), a steering member is an account whose role is
"steering"; the partnership's access check is ``partnerships.services.get_partnership_or_404``.
When the one access function lands, these actions join its table and this module goes.
"""

from __future__ import annotations

import enum

from partnership.accounts.models import User
from partnership.errors import Forbidden
from partnership.partnerships.models import Partnership
from partnership.partnerships.services import get_partnership_or_404

NOT_ALLOWED = "Your account may not do this."
READ_ONLY = "This partnership is archived: it is read-only."


class GovernanceAction(enum.StrEnum):
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
    # the steering committee (partnership.steering)
    EDIT_STEERING = "edit_steering"  # the escalation path and the trade-off priorities
    ESCALATE_ISSUE = "escalate_issue"  # up one level by hand (steering: at their level)
    TAG_TRADE_OFFS = "tag_trade_offs"  # what an issue trades off
    RECORD_DECISION = "record_decision"  # a decision in the register, made or requested
    EDIT_DECISION = "edit_decision"
    PLAN_MEETING = "plan_meeting"  # meetings: create, agenda items and order, minutes
    COMMENT_AGENDA = "comment_agenda"


G = GovernanceAction
#: What a steering member may do on any record, and on their own only.
STEERING_ANY = {
    G.VIEW_GOVERNANCE,
    G.COMMENT_ISSUE,
    G.DECIDE_ISSUE,
    G.ADD_LESSON,
    G.RECORD_DECISION,
    G.COMMENT_AGENDA,
}
#: "Own" for an escalation: the steering member is one of its current level's people.
STEERING_OWN = {G.UPDATE_ISSUE, G.UPDATE_ACTION, G.EDIT_LESSON, G.ESCALATE_ISSUE}
READS = {G.VIEW_GOVERNANCE}


def refusal(
    user: User, partnership: Partnership, action: str, *, owner_id: int | None = None
) -> Forbidden | None:
    """Why the user may not take the action on the partnership (they can see it), or None."""
    action = G(action)
    if user.role == "steering" and not user.is_admin:
        if action in STEERING_OWN:
            if owner_id is None or owner_id != user.id:
                return Forbidden(NOT_ALLOWED)
        elif action not in STEERING_ANY:
            return Forbidden(NOT_ALLOWED)
    if action not in READS and partnership.is_archived:
        return Forbidden(READ_ONLY)
    return None


def authorize(
    user: User, partnership_id: int, action: str, *, owner_id: int | None = None
) -> Partnership:
    """The partnership when the user may take the action; else NotFound (no access: 404) or
    Forbidden (403)."""
    partnership = get_partnership_or_404(user, partnership_id)
    refused = refusal(user, partnership, action, owner_id=owner_id)
    if refused is not None:
        raise refused
    return partnership


def may(user: User, partnership: Partnership, action: str, *, owner_id: int | None = None) -> bool:
    """Whether to offer the action (a link, a button) on a partnership the user can see."""
    return refusal(user, partnership, action, owner_id=owner_id) is None
