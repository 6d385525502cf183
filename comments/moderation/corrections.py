"""Corrections: a published comment labelled Correction waits in a queue for the article's
authors, editors and moderators, who accept it (the article was put right: the change log
under the article lists it, with the revision that made it) or decline it, each with a note.
The reader who sent it is mailed the decision (comments.outbound.recipients).

The note of an accepted correction is public (the change log, the comment, the API). The
note of a declined one is for the reader who sent it (their mail, their own view of the
comment) and the admin: the public sees only that it was declined.

Deciding again replaces the decision (a slip of the hand is put right the same way); the
reader hears of each outcome once.
"""

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from articles.models import Article
from articles.text import carriable
from comments.models import Comment, Resolution
from comments.models.discussion import RESOLUTION_NOTE_LENGTH
from comments.moderation import roles
from comments.moderation.pipeline import Conflict, NotAllowed, Refused
from comments.outbound import recipients
from config import pagecache

ACCEPTED, DECLINED = Resolution.State.ACCEPTED, Resolution.State.DECLINED
ONLY_DECIDERS = "Only the article's authors, editors and moderators decide on corrections."
NOT_A_CORRECTION = "Only a published comment labelled Correction can be accepted or declined."
SAY_WHY = "Say why the correction is declined: the reader who sent it is told."
NOT_A_DECISION = "A correction is accepted or declined."
BAD_REVISION = "A revision is a whole number from 1."


def may_decide(user, article: Article) -> bool:
    """The article's authors, the editors and the moderators decide on its corrections."""
    return roles.is_moderator(user) or roles.is_editor(user) or roles.is_author_of(user, article)


def sees_every_article(user) -> bool:
    return roles.is_moderator(user) or roles.is_editor(user)


def queue_for(user, comments: QuerySet | None = None) -> QuerySet:
    """The published corrections `user` may decide on (of every article for editors and
    moderators, of their own articles for authors), oldest first; pass `comments` to narrow
    a queryset of your own (the admin's proxy). Undecided and decided alike: `awaiting`
    keeps the undecided."""
    comments = Comment.objects.all() if comments is None else comments
    comments = comments.filter(kind=Comment.Kind.CORRECTION, status=Comment.Status.APPROVED)
    if not sees_every_article(user):
        comments = comments.filter(article__authors=user) if user.is_authenticated else None
    if comments is None:
        return Comment.objects.none()
    return comments.order_by("created_at", "id")


def awaiting(comments: QuerySet) -> QuerySet:
    return comments.filter(resolution__isnull=True)


def one_line_note(note: str) -> str:
    """A decision's note as stored: one line, of characters every output can carry."""
    line = " ".join(carriable(note).split())
    if len(line) > RESOLUTION_NOTE_LENGTH:
        raise Refused(f"A note has at most {RESOLUTION_NOTE_LENGTH} characters.", field="note")
    return line


def _checked_revision(revision: int | None) -> int | None:
    if revision is not None and (isinstance(revision, bool) or revision < 1):
        raise Refused(BAD_REVISION, field="revision")
    return revision


def decide(
    comment: Comment, state: str, *, decider, note: str = "", revision: int | None = None
) -> Resolution:
    """Accept or decline the correction `comment`, with a note (needed to decline) and, on
    accepting, the number of the article revision that made it; the reader's mail is queued
    in the same transaction."""
    if not may_decide(decider, comment.article):
        raise NotAllowed(ONLY_DECIDERS)
    if comment.kind != Comment.Kind.CORRECTION or comment.status != Comment.Status.APPROVED:
        raise Conflict(NOT_A_CORRECTION)
    if state not in (ACCEPTED, DECLINED):
        raise Refused(NOT_A_DECISION, field="state")
    note = one_line_note(note)
    if state == DECLINED and not note:
        raise Refused(SAY_WHY, field="note")
    revision = _checked_revision(revision) if state == ACCEPTED else None
    now = timezone.now()
    with transaction.atomic():
        resolution, _ = Resolution.objects.update_or_create(
            comment=comment,
            defaults={
                "state": state,
                "note": note,
                "revision": revision,
                "answer": None,
                "decided_by": decider,
                "decided_at": now,
            },
        )
        # The API's ETags and change feed show decisions.
        Comment.objects.filter(pk=comment.pk).update(updated_at=now)
        pagecache.comments_changed(comment.article_id, listed=False)
        recipients.queue_for_correction(comment, resolution)
    return resolution


def decide_many(
    comments, state: str, *, decider, note: str = "", revision: int | None = None
) -> tuple[int, int]:
    """The admin's bulk action: (decided, skipped because this decider may not or the
    comment is no longer a published correction). A refused note or revision refuses all."""
    decided = skipped = 0
    for comment in comments:
        try:
            decide(comment, state, decider=decider, note=note, revision=revision)
        except (NotAllowed, Conflict):
            skipped += 1
        else:
            decided += 1
    return decided, skipped
