"""Notices of illegal content (DSA Art. 16): who may send one, and what deciding one does.

Anyone may notify a public comment, signed in or not, within COMMENT_NOTICES_PER_HOUR per
address and per account. The notifier gets a receipt and, later, the decision with how to
contest it. Deciding a notice decides every open notice of the same comment: the comment is
removed (through `decisions`, so its statement says a notice started it) or left alone.
Nothing here tells the comment's author who notified it.
"""

from dataclasses import replace
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from comments.models import Comment, Notice, Statement
from comments.moderation import decisions, pipeline, refusals, statements
from comments.outbound import recipients

State = Notice.State
_WINDOW = timedelta(hours=1)
NOT_PUBLIC = "Only a published comment can be notified."
TOO_MANY = "You have sent many notices in a short time. Please try again later."
DECIDED = "This notice has been decided already."


def submit(*, comment: Comment, reader, comment_url: str, **fields) -> Notice:
    """Store the notice (`fields`: the form's cleaned data) and queue its receipt; refuse a
    comment that is not public, and a flood from one address or account (TooSoon)."""
    if comment.status != Comment.Status.APPROVED:
        refusals.refused(refusals.Kind.NOTICE, NOT_PUBLIC, user=reader.user, comment_id=comment.pk)
        raise pipeline.Conflict(NOT_PUBLIC)
    now = timezone.now()
    mine = Q(user=reader.user) if reader.user is not None else Q(pk__in=[])
    if reader.ip:
        mine |= Q(ip_address=reader.ip)
    recent = Notice.objects.filter(mine, created_at__gte=now - _WINDOW)
    if recent.count() >= settings.COMMENT_NOTICES_PER_HOUR:
        refusals.refused(refusals.Kind.NOTICE, TOO_MANY, user=reader.user, comment_id=comment.pk)
        oldest = recent.order_by("created_at").values_list("created_at", flat=True).first()
        raise pipeline.TooSoon(
            TOO_MANY, retry_after=max(1, int((oldest + _WINDOW - now).total_seconds()) + 1)
        )
    further = [url for url in fields.pop("urls", []) if url != comment_url]
    with transaction.atomic():
        notice = Notice.objects.create(
            comment=comment,
            urls=[comment_url, *further],
            user=reader.user,
            ip_address=reader.ip,
            created_at=now,
            **fields,
        )
        recipients.queue_for_notifiers([notice], recipients.Kind.RECEIPT)
    return notice


def grounds_for(notice: Notice, grounds: statements.Grounds | None) -> statements.Grounds | None:
    """What a removal on a notice cites: the moderator's grounds, else the notice's own
    category; in both cases the statement says a notice started it."""
    if grounds is None or not grounds.is_cited:
        category = notice.category
        if not category:
            return None  # "another law": the moderator has to name the category
        grounds = statements.Grounds(
            statements.Ground.ILLEGAL, category=category, legal_ground=notice.other_law
        )
    return replace(grounds, source=Statement.Source.NOTICE)


def decide(
    notice: Notice,
    *,
    moderator,
    remove: bool,
    note: str = "",
    grounds: statements.Grounds | None = None,
) -> list[Notice]:
    """Remove the notified comment, or take no action; every open notice of the comment gets
    the same decision, and each notifier who left an address is told. Returns those decided.
    TransitionRefused (GroundsMissing among them) when the removal cannot be made."""
    if notice.state != State.OPEN:
        raise pipeline.Conflict(DECIDED)
    comment = notice.comment
    statement_id = None
    same = Q(pk=notice.pk) | Q(comment=comment) if comment is not None else Q(pk=notice.pk)
    with transaction.atomic():
        # Claimed first: a copy read before another moderator decided cannot decide again.
        decided = list(Notice.objects.select_for_update().filter(same, state=State.OPEN))
        if notice.pk not in {row.pk for row in decided}:
            raise pipeline.Conflict(DECIDED)
        if remove:
            if comment is None:
                raise decisions.transitions.TransitionRefused("The comment no longer exists.")
            cited = grounds_for(notice, grounds)
            if comment.status != Comment.Status.REMOVED:
                decisions.decide(
                    comment, Comment.Status.REMOVED, moderator=moderator, grounds=cited
                )
            statement_id = comment.statement_id
        now = timezone.now()
        Notice.objects.filter(pk__in=[row.pk for row in decided]).update(
            state=State.ACTIONED if remove else State.NO_ACTION,
            decided_at=now,
            decided_by=moderator,
            decision_note=note or _default_note(remove),
            statement_id=statement_id,
        )
        for row in decided:
            row.state = State.ACTIONED if remove else State.NO_ACTION
        recipients.queue_for_notifiers(decided, recipients.Kind.OUTCOME)
    return decided


def _default_note(remove: bool) -> str:
    if remove:
        return "The moderators found the comment to be illegal content and removed it."
    return "The moderators reviewed the comment and found no ground to remove it."
