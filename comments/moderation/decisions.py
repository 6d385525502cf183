"""The decisions a moderator may take on a comment: one list, from which the admin's bulk
actions, the admin's decide page and the API's choices are all derived.

A decision moves a comment to one of TARGETS, through the allowed transitions
(`transitions.can_move`). Pending is the pipeline's status and deleted the author's: neither
is a moderator's decision.
"""

from dataclasses import dataclass

from comments.models import Comment
from comments.moderation import statements, transitions

S = Comment.Status


@dataclass(frozen=True)
class Decision:
    name: str  # the admin action's name
    to: str
    label: str


DECISIONS = (
    Decision("approve", S.APPROVED, "Approve"),
    Decision("reject", S.REJECTED, "Reject"),
    Decision("mark_spam", S.SPAM, "Mark as spam"),
    Decision("not_spam", S.APPROVED, "Not spam (approve)"),
    Decision("remove", S.REMOVED, "Remove (give a reason)"),
)
TARGETS = tuple(dict.fromkeys(decision.to for decision in DECISIONS))


class NotADecision(transitions.TransitionRefused):
    """A status no moderator's decision may give."""


class GroundsMissing(transitions.TransitionRefused):
    """A removal that cites neither a guideline clause nor a category of illegal content."""

    def __init__(self):
        super().__init__(
            "Cite the guideline clause the comment breaks, or the category of illegal "
            "content it is."
        )


def targets_from(status: str) -> list[tuple[str, str]]:
    """(status, label) of every decision open for a comment that is `status` now."""
    return [(to, S(to).label) for to in TARGETS if transitions.can_move(status, to)]


def _check(to_status: str) -> None:
    if to_status not in TARGETS:
        raise NotADecision(f"“{to_status}” is not a decision a moderator can take.")


def _check_grounds(to_status: str, grounds: statements.Grounds | None) -> None:
    """A removal cites its grounds: the clause broken, or the category of illegal content.
    Rejecting and marking spam may go without (the statement then says no clause was cited)."""
    if to_status == S.REMOVED and (grounds is None or not grounds.is_cited):
        raise GroundsMissing


def decide(
    comment: Comment,
    to_status: str,
    *,
    moderator,
    reason: str = "",
    grounds: statements.Grounds | None = None,
) -> Comment:
    """A moderator's decision on one comment; TransitionRefused when it may not be taken,
    GroundsMissing when a removal cites no grounds. The grounds cited are reason enough."""
    _check(to_status)
    if transitions.can_move(comment.status, to_status):  # else: refused for that, below
        _check_grounds(to_status, grounds)
    reason = reason or (grounds.public_reason if grounds else "")
    return transitions.change_status(
        comment, to_status, actor=moderator, reason=reason, grounds=grounds
    )


def decide_many(
    comments: list[Comment],
    to_status: str,
    *,
    moderator,
    reason: str = "",
    grounds: statements.Grounds | None = None,
):
    """The bulk form: every comment that may move does; returns those that moved."""
    _check(to_status)
    if any(transitions.can_move(comment.status, to_status) for comment in comments):
        _check_grounds(to_status, grounds)
    reason = reason or (grounds.public_reason if grounds else "")
    return transitions.change_statuses(
        comments, to_status, actor=moderator, reason=reason, grounds=grounds
    )
