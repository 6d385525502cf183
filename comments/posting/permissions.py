"""Who may do what to a discussion, and the sentence that says why not.

Views ask these to show the right page; the services enforce them again, with the same words,
for every entry point (form, API).
"""

from datetime import timedelta

from django.utils import timezone

from articles.models import Article
from comments.models import Comment
from comments.threads.readers import Reader

CLOSED = "Comments are closed."
SIGNED_IN_ONLY = "You must be logged in to post a comment."
NOT_IN_DISCUSSION = "The comment you are replying to is not in this discussion."
CANNOT_REPLY = "That comment cannot be replied to."
ONLY_THE_AUTHOR_EDITS = "Only the author of a comment can edit it."
ONLY_THE_AUTHOR_DELETES = "Only the author of a comment can delete it."
DELETED_ALREADY = "This comment is deleted already."
SIGN_IN_TO_VOTE = "Sign in to mark comments useful."
NOT_ONES_OWN = "You cannot mark your own comment useful."
ONLY_PUBLISHED_VOTES = "Only published comments can be marked useful."
UNKNOWN_LABEL = "Choose one of the labels offered, or none."
CORRECTION_NEEDS_AUTHORS = (
    "A correction goes to the article's authors, and this article has none. "
    "Post it without the Correction label, or write to the editors."
)


def why_cannot_post(article: Article, reader: Reader) -> str | None:
    """None when `reader` may comment on `article`, else the sentence to show them."""
    policy = article.effective_comment_policy
    if not article.is_live or policy == Article.CommentPolicy.CLOSED:
        return CLOSED
    if policy == Article.CommentPolicy.SIGNED_IN and not reader.is_signed_in:
        return SIGNED_IN_ONLY
    return None


def why_cannot_label(article: Article, kind: str) -> str | None:
    """None when a comment on `article` may carry the label `kind`, else why not. A
    correction needs someone to correct the article: one of its authors."""
    if kind not in Comment.Kind.values:
        return UNKNOWN_LABEL
    if kind == Comment.Kind.CORRECTION and not article.authors.all():
        return CORRECTION_NEEDS_AUTHORS
    return None


def can_edit(comment: Comment, reader: Reader, *, edit_minutes: int, now=None) -> bool:
    now = now or timezone.now()
    return (
        reader.wrote(comment)
        and comment.status in (Comment.Status.PENDING, Comment.Status.APPROVED)
        and now - comment.created_at <= timedelta(minutes=edit_minutes)
    )


def why_cannot_edit(comment: Comment, reader: Reader, *, edit_minutes: int) -> str | None:
    """None when `reader` may edit `comment` now, else the sentence to show them."""
    if not reader.wrote(comment):
        return ONLY_THE_AUTHOR_EDITS
    if not can_edit(comment, reader, edit_minutes=edit_minutes):
        return (
            "This comment can no longer be edited: comments can be edited for "
            f"{edit_minutes} minutes after posting, by their author."
        )
    return None


def why_cannot_delete(comment: Comment, reader: Reader) -> str | None:
    if not reader.wrote(comment):
        return ONLY_THE_AUTHOR_DELETES
    if comment.is_gone:
        return DELETED_ALREADY
    return None


def can_delete(comment: Comment, reader: Reader) -> bool:
    return reader.wrote(comment) and not comment.is_gone


def can_reply(comment: Comment) -> bool:
    return comment.status == Comment.Status.APPROVED


def why_cannot_vote(comment: Comment, reader: Reader) -> str | None:
    """None when `reader` may mark `comment` Useful (or take that back), else why not."""
    if not reader.is_signed_in:
        return SIGN_IN_TO_VOTE
    if reader.wrote(comment):
        return NOT_ONES_OWN
    if comment.status != Comment.Status.APPROVED:
        return ONLY_PUBLISHED_VOTES
    return None
