"""The moderators' log of what was refused: a notice or an appeal that could not be taken, a
forged, expired or misdirected mail link, a wrong second-factor code. One row each in the
admin (Refusals), and one line on the `moderation.refusals` logger. Never an address."""

import logging

from comments.models import Refusal

logger = logging.getLogger("moderation.refusals")
Kind = Refusal.Kind


def refused(kind: str, reason: str, *, user=None, comment_id: int | None = None) -> Refusal:
    """Record one refusal; `reason` is what the refused party was told, or why."""
    user = user if getattr(user, "is_authenticated", False) else None
    row = Refusal.objects.create(kind=kind, reason=reason[:255], user=user, comment_id=comment_id)
    logger.warning(
        "%s refused: %s",
        Refusal.Kind(kind).label,
        reason,
        extra={"kind": kind, "user_id": user.pk if user else None, "comment_id": comment_id},
    )
    return row
