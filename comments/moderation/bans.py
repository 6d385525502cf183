"""Banning the authors of comments, from the moderation queue."""

from django.db import IntegrityError, transaction
from django.db.models import Q

from comments.models import Ban, Comment, normalise_ban_value
from comments.moderation import queue, transitions


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


def ban_authors(comments: list[Comment], *, actor, reason: str) -> tuple[int, int]:
    """Ban the authors of `comments` and mark every held comment of theirs spam.

    Returns (bans added, comments marked spam). Bans that exist already are kept as they are.
    """
    wanted = {ban for comment in comments for ban in bans_for(comment)}
    added = 0
    with transaction.atomic():
        for kind, value in sorted(wanted):
            try:
                with transaction.atomic():
                    Ban.objects.create(
                        kind=kind, value=value, reason=reason, created_by=actor,
                        outcome=Ban.Outcome.SPAM,
                    )  # fmt: skip
                added += 1
            except IntegrityError:
                pass  # already banned
        users = [int(value) for kind, value in wanted if kind == Ban.Kind.USER]
        emails = [value for kind, value in wanted if kind == Ban.Kind.EMAIL]
        held = queue.pending().filter(_authored_by(users, emails))
        moved = transitions.change_statuses(
            list(held), Comment.Status.SPAM, actor=actor, reason=f"author banned: {reason}"
        )
    return added, len(moved)


def _authored_by(user_ids: list[int], emails: list[str]) -> Q:
    query = Q(pk__in=[])
    if user_ids:
        query |= Q(user_id__in=user_ids)
    for email in emails:
        query |= Q(user__isnull=True, author_email__iexact=email)
    return query
