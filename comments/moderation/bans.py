"""Banning the authors of comments, from the moderation queue."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from comments.models import Ban, Comment, normalise_ban_value
from comments.moderation import queue, statements, transitions
from comments.outbound import recipients


def bans_for(comment: Comment) -> list[tuple[str, str]]:
    """The (kind, value) bans that stop this comment's author: account or email, and IP."""
    wanted = []
    if comment.user_id:
        wanted.append((Ban.Kind.USER, str(comment.user_id)))
    elif comment.author_email:
        wanted.append((Ban.Kind.EMAIL, comment.author_email.lower()))
    if comment.ip_address:
        wanted.append((Ban.Kind.NETWORK, normalise_ban_value(Ban.Kind.NETWORK, comment.ip_address)))
    return wanted


def ban_authors(
    comments: list[Comment],
    *,
    actor,
    reason: str,
    ends_at: datetime | None = None,
    grounds: statements.Grounds | None = None,
) -> tuple[int, int]:
    """Ban the authors of `comments` (until `ends_at`, or until lifted) and mark every held
    comment of theirs spam. Each new ban gets its statement of reasons, about the comment it
    was made from, stating its duration.

    Returns (bans added, comments marked spam). Bans that exist already are kept as they are.
    """
    made_from = {}
    for comment in comments:
        for ban in bans_for(comment):
            made_from.setdefault(ban, comment)
    added = 0
    with transaction.atomic():
        for kind, value in sorted(made_from):
            try:
                with transaction.atomic():
                    ban = Ban.objects.create(
                        kind=kind, value=value, reason=reason, created_by=actor,
                        outcome=Ban.Outcome.SPAM, ends_at=ends_at,
                    )  # fmt: skip
            except IntegrityError:
                continue  # already banned
            added += 1
            made = statements.for_ban(
                ban, comment=made_from[kind, value], actor=actor, grounds=grounds
            )
            recipients.queue_for_statements([made])
        users = [int(value) for kind, value in made_from if kind == Ban.Kind.USER]
        emails = [value for kind, value in made_from if kind == Ban.Kind.EMAIL]
        held = queue.pending().filter(_authored_by(users, emails))
        moved = transitions.change_statuses(
            list(held),
            Comment.Status.SPAM,
            actor=actor,
            reason=f"author banned: {reason}",
            grounds=grounds,
        )
    return added, len(moved)


def _authored_by(user_ids: list[int], emails: list[str]) -> Q:
    query = Q(pk__in=[])
    if user_ids:
        query |= Q(user_id__in=user_ids)
    for email in emails:
        query |= Q(user__isnull=True, author_email__iexact=email)
    return query


def lift(ban: Ban, *, by, reason: str) -> Ban:
    """End a ban now (an appeal granted): it stops applying and stays on record."""
    ban.ends_at = timezone.now()
    ban.reason = f"{ban.reason}; lifted: {reason}"[:255] if ban.reason else f"lifted: {reason}"
    ban.save(update_fields=["ends_at", "reason"])
    return ban


def in_force(ban: Ban) -> bool:
    return ban.ends_at is None or ban.ends_at > timezone.now()
