"""Who may do what to a discussion. Views ask these; services enforce them again."""

from datetime import timedelta

from django.utils import timezone

from articles.models import Article
from comments.models import Comment
from comments.threads.readers import Reader

CLOSED = "Comments are closed."
SIGNED_IN_ONLY = "You must be logged in to post a comment."


def why_cannot_post(article: Article, reader: Reader) -> str | None:
    """None when `reader` may comment on `article`, else the sentence to show them."""
    policy = article.effective_comment_policy
    if not article.is_live or policy == Article.CommentPolicy.CLOSED:
        return CLOSED
    if policy == Article.CommentPolicy.SIGNED_IN and not reader.is_signed_in:
        return SIGNED_IN_ONLY
    return None


def can_edit(comment: Comment, reader: Reader, *, edit_minutes: int, now=None) -> bool:
    now = now or timezone.now()
    return (
        reader.wrote(comment)
        and comment.status in (Comment.Status.PENDING, Comment.Status.APPROVED)
        and now - comment.created_at <= timedelta(minutes=edit_minutes)
    )


def can_delete(comment: Comment, reader: Reader) -> bool:
    return reader.wrote(comment) and not comment.is_gone


def can_reply(comment: Comment) -> bool:
    return comment.status == Comment.Status.APPROVED
