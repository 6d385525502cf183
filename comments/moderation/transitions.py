"""How a comment's status may change, and the record every change leaves.

A moderator's decision, the author's deletion and the pipeline's verdict all go through here,
so each writes one ModerationEvent (who, when, from, to, why) and the rules cannot drift.
Each change that restricts a comment (removed, rejected, spam, held) also writes its
statement of reasons (`statements`) in the same transaction, and mails it to the author.
"""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from comments.models import Comment, ModerationEvent, Report
from comments.moderation import answers, roles, statements
from comments.outbound import recipients, webhooks
from comments.threads import quoting
from config import pagecache

S = Comment.Status
ALLOWED: dict[str, set[str]] = {
    S.PENDING: {S.APPROVED, S.REJECTED, S.SPAM, S.DELETED},
    S.APPROVED: {S.REMOVED, S.SPAM, S.REJECTED, S.DELETED, S.PENDING},
    S.SPAM: {S.APPROVED, S.REJECTED},
    S.REJECTED: {S.APPROVED, S.SPAM},
    S.REMOVED: {S.APPROVED},
    S.DELETED: set(),
}
# Leaving these needs a reason a reader of the history will understand.
NEEDS_REASON = {S.REMOVED}

DEFAULT_REASONS = {
    S.APPROVED: "approved by a moderator",
    S.REJECTED: "rejected by a moderator",
    S.SPAM: "marked spam by a moderator",
    S.REMOVED: "removed by a moderator",
    S.PENDING: "held for review",
    S.DELETED: "deleted by its author",
}


class TransitionRefused(Exception):
    pass


def can_move(from_status: str, to_status: str) -> bool:
    return to_status in ALLOWED.get(from_status, set())


def _reason(from_status: str, to_status: str, reason: str) -> str:
    if reason:
        return reason
    if from_status == S.SPAM and to_status == S.APPROVED:
        return "not spam"
    if to_status in NEEDS_REASON:
        raise TransitionRefused(
            f"Say why the comment is {Comment.Status(to_status).label.lower()}."
        )
    return DEFAULT_REASONS[to_status]


def record_new(comment: Comment, reason: str) -> ModerationEvent:
    """The pipeline's verdict on a comment just written, and the mail it causes."""
    event = ModerationEvent.objects.create(
        comment=comment, actor=None, from_status="", to_status=comment.status, reason=reason
    )
    made = statements.for_events([event], actor=None)
    if made and comment.status != S.PENDING:
        # A new comment held is not told by mail: the page said it awaits a moderator.
        recipients.queue_for_statements(made)
    if made:
        comment.statement_id = made[0].pk
    if comment.status == S.PENDING:
        recipients.queue_for_held(comment, f"event-{event.pk}")
    elif comment.status == S.APPROVED:
        recipients.queue_for_approved([comment])
    occurrence = f"event-{event.pk}"
    webhooks.queue("comment.created", [comment], occurrence)
    if comment.status == S.APPROVED:
        webhooks.queue("comment.approved", [comment], occurrence)
        pagecache.comments_changed(comment.article_id)  # a held one shows to its author only
    return event


def _notify(
    movable: list[Comment], from_statuses: dict[int, str], to_status: str, occurrence: str
) -> None:
    """The mail and webhooks a change of status causes (in the same transaction).
    `occurrence` names this change once: mail and deliveries are unique per occurrence."""
    if to_status == S.APPROVED:
        webhooks.queue("comment.approved", movable, occurrence)
    elif to_status == S.DELETED:
        webhooks.queue("comment.deleted", movable, occurrence)
    elif to_status in (S.REMOVED, S.SPAM, S.REJECTED, S.PENDING):
        # No longer public, held again included: a receiver takes down what it showed.
        # One it never saw published (pending until now) is not its to take down.
        was_public = [c for c in movable if from_statuses[c.pk] == S.APPROVED]
        webhooks.queue("comment.removed", was_public, occurrence)
    ids = [c.pk for c in movable]
    left_pending = [pk for pk in ids if from_statuses[pk] == S.PENDING]
    if left_pending:
        recipients.cancel_held(left_pending)
    if to_status == S.APPROVED:
        recipients.queue_for_approved(movable, were_held=set(ids))
    elif to_status in (S.REMOVED, S.SPAM, S.REJECTED, S.DELETED):
        recipients.cancel_for(ids)
    elif to_status == S.PENDING:
        recipients.cancel_for(ids)  # held again: what was written about it waits too
        for comment in movable:
            recipients.queue_for_held(comment, occurrence)


def change_status(
    comment: Comment,
    to_status: str,
    *,
    actor=None,
    reason: str = "",
    grounds: statements.Grounds | None = None,
) -> Comment:
    moved = change_statuses([comment], to_status, actor=actor, reason=reason, grounds=grounds)
    if not moved:
        raise TransitionRefused(
            f"A comment that is {comment.get_status_display().lower()} cannot become "
            f"{Comment.Status(to_status).label.lower()}."
        )
    return moved[0]


def change_statuses(
    comments: Iterable[Comment],
    to_status: str,
    *,
    actor=None,
    reason: str = "",
    grounds: statements.Grounds | None = None,
) -> list[Comment]:
    """Move every comment that may move to `to_status`; skip the others. Fixed queries:
    one update per starting status, one insert of events, one update of reports, and for a
    restriction an insert and an update for the statements and their mail.
    `grounds`: what the statements cite; without them, see `statements`."""
    movable = [c for c in comments if can_move(c.status, to_status)]
    if not movable:
        return []
    now = timezone.now()
    events = []
    with transaction.atomic():
        by_status: dict[str, list[int]] = {}
        for comment in movable:
            by_status.setdefault(comment.status, []).append(comment.pk)
        for from_status, ids in by_status.items():
            text = _reason(from_status, to_status, reason)
            Comment.objects.filter(pk__in=ids, status=from_status).update(
                status=to_status, status_reason=text, updated_at=now, statement=None
            )
            events += [
                ModerationEvent(
                    comment_id=pk,
                    actor=actor,
                    from_status=from_status,
                    to_status=to_status,
                    reason=text,
                    created_at=now,
                )
                for pk in ids
            ]
        ModerationEvent.objects.bulk_create(events)
        stated = statements.for_events(events, actor=actor, grounds=grounds)
        made = {row.comment_id: row.pk for row in stated}
        from_statuses = {c.pk: c.status for c in movable}
        if roles.is_moderator(actor):
            # A moderator's decision answers the reports on the comment.
            Report.objects.filter(
                comment_id__in=[c.pk for c in movable], resolved_at__isnull=True
            ).update(resolved_at=now)
        reasons = {event.comment_id: event.reason for event in events}
        for comment in movable:
            comment.status, comment.status_reason = to_status, reasons[comment.pk]
            comment.statement_id = made.get(comment.pk)
        # The batch's first event id names it: unique, where two changes in one instant
        # (a frozen or stepped clock) would share a timestamp and lose the second's mail.
        _notify(movable, from_statuses, to_status, f"events-{min(e.pk for e in events)}")
        for article_id in {comment.article_id for comment in movable}:
            pagecache.comments_changed(article_id)
        if stated:
            recipients.queue_for_statements(stated)
        quoting.refresh_quoters([c.pk for c in movable])  # their quotes follow them
        if to_status != S.APPROVED:
            # An answer that is no longer public leaves its question open again.
            answers.reopen_answered_by([c.pk for c in movable if from_statuses[c.pk] == S.APPROVED])
    return movable
