"""Editor's picks: comments the editors and moderators hold up as the discussion at its best.

A pick is shown at the top of its discussion ("Editor's picks") and carries a badge in the
thread, with an optional line saying why. Who picked it and when stay on the comment.
"""

from django.db.models import QuerySet
from django.utils import timezone

from comments.models import Comment
from comments.models.discussion import PICK_NOTE_LENGTH
from comments.moderation import roles
from comments.moderation.pipeline import Conflict, NotAllowed, Refused
from config import pagecache

ONLY_EDITORS = "Only editors and moderators pick comments."
ONLY_PUBLISHED = "Only published comments can be picked."


def _one_line(note: str) -> str:
    line = " ".join(note.split())
    if len(line) > PICK_NOTE_LENGTH:
        raise Refused(f"A pick's note has at most {PICK_NOTE_LENGTH} characters.", field="note")
    return line


def pick(comment: Comment, *, editor, note: str = "") -> Comment:
    """Mark `comment` an editor's pick (again, to change its note)."""
    if not roles.is_moderator(editor):
        raise NotAllowed(ONLY_EDITORS)
    if comment.status != Comment.Status.APPROVED:
        raise Conflict(ONLY_PUBLISHED)
    now = timezone.now()
    comment.picked_at, comment.picked_by, comment.pick_note = now, editor, _one_line(note)
    comment.updated_at = now  # the API's ETags and change feed show picks
    comment.save(update_fields=["picked_at", "picked_by", "pick_note", "updated_at"])
    pagecache.comments_changed(comment.article_id, listed=False)
    return comment


def unpick(comment: Comment, *, editor) -> Comment:
    if not roles.is_moderator(editor):
        raise NotAllowed(ONLY_EDITORS)
    comment.picked_at, comment.picked_by, comment.pick_note = None, None, ""
    comment.save(update_fields=["picked_at", "picked_by", "pick_note", "updated_at"])
    pagecache.comments_changed(comment.article_id, listed=False)
    return comment


def pick_many(comments: QuerySet, *, editor, note: str = "") -> tuple[int, int]:
    """The admin's bulk action: (picked, skipped because not published)."""
    picked = skipped = 0
    for comment in comments:
        try:
            pick(comment, editor=editor, note=note)
        except Conflict:
            skipped += 1
        else:
            picked += 1
    return picked, skipped
