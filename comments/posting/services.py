"""The write side of discussions: one function per thing a reader does.

Views and the API check the input's shape; these functions make the decision and the write,
so every entry point behaves the same.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from articles.models import Article
from comments.models import Comment, ModerationSettings, Report
from comments.moderation import pipeline, transitions
from comments.outbound import recipients, webhooks
from comments.posting import permissions
from comments.threads.readers import Reader
from comments.threads.rendering import render_comment

# One kind of refusal for every entry point: a message for the reader, and the field it is about.
CommentRefused = pipeline.Refused


def _check_body(body: str, max_length: int) -> None:
    if not body.strip():
        raise CommentRefused("Please write a comment.", field="body")
    if len(body) > max_length:
        raise CommentRefused(
            f"A comment has at most {max_length:,} characters (this one has {len(body):,}).",
            field="body",
        )


def _attach_point(parent: Comment | None, max_depth: int) -> Comment | None:
    """Replies nest to `max_depth` levels; deeper ones go beside the deepest comment."""
    if parent is None:
        return None
    max_depth = max(1, max_depth)
    while parent.depth + 1 > max_depth - 1 and parent.parent_id is not None:
        parent = parent.parent
    if parent.depth + 1 > max_depth - 1:
        return None if max_depth == 1 else parent
    return parent


def post_comment(
    *,
    article: Article,
    reader: Reader,
    parent: Comment | None,
    name: str,
    email: str,
    url: str,
    body: str,
    wants_followups: bool = False,
    followup_scope: str = "thread",
    honeypot: str = "",
    seconds_to_submit: float | None = None,
) -> Comment:
    """Take a new comment through the moderation pipeline and store it with its verdict."""
    if reason := permissions.why_cannot_post(article, reader):
        raise pipeline.NotAllowed(reason)
    if parent is not None and (
        parent.article_id != article.pk or not permissions.can_reply(parent)
    ):
        raise pipeline.Conflict("That comment cannot be replied to.", field="parent")
    user = reader.user
    if user is not None:
        name, email = (user.get_full_name() or user.get_username()), user.email
    submission = pipeline.Submission(
        article=article,
        reader=reader,
        name=name,
        email=email,
        url=url,
        body=body,
        honeypot=honeypot,
        seconds_to_submit=seconds_to_submit,
    )
    facts = pipeline.facts_for(submission)
    _check_body(body, facts.settings.max_length)
    verdict = pipeline.verdict_for(submission, facts)
    parent = _attach_point(parent, facts.settings.max_depth)
    with transaction.atomic():
        comment = Comment.objects.create(
            article=article,
            parent=parent,
            root_id=parent.root_id if parent else None,
            depth=parent.depth + 1 if parent else 0,
            user=user,
            author_name=name,
            author_email=email,
            author_url=url,
            body=body,
            body_html=render_comment(body),
            status=verdict.status,
            status_reason=verdict.reason,
            wants_followups=wants_followups,
            ip_address=reader.ip,
            user_agent=reader.user_agent,
        )
        if parent is None:
            Comment.objects.filter(pk=comment.pk).update(root_id=comment.pk)
            comment.root_id = comment.pk
        transitions.record_new(comment, verdict.reason)
        if (
            wants_followups
            and email
            and verdict.status in (Comment.Status.PENDING, Comment.Status.APPROVED)
        ):
            recipients.subscribe(article=article, email=email, user=user, scope=followup_scope)
    return comment


def edit_comment(*, comment: Comment, reader: Reader, body: str) -> Comment:
    """The author rewrites a comment; the pipeline may hold it again, never publish it."""
    limits = ModerationSettings.current()
    edit_minutes = limits.edit_minutes
    _check_body(body, limits.max_length)
    if not permissions.can_edit(comment, reader, edit_minutes=edit_minutes):
        raise pipeline.NotAllowed(
            f"Comments can be edited for {edit_minutes} minutes after posting, by their author."
        )
    submission = pipeline.Submission(
        article=comment.article,
        reader=reader,
        name=comment.author_name,
        email=comment.author_email,
        url=comment.author_url,
        body=body,
        is_edit=True,
    )
    verdict = pipeline.verdict_for(submission, pipeline.facts_for(submission))
    with transaction.atomic():
        comment.body = body
        comment.body_html = render_comment(body)
        comment.edited_at = timezone.now()
        comment.save(update_fields=["body", "body_html", "edited_at", "updated_at"])
        status = pipeline.stricter(comment.status, verdict.status)
        if status != comment.status:
            transitions.change_status(comment, status, reason=f"edited: {verdict.reason}")
        elif status == Comment.Status.APPROVED:
            webhooks.queue("comment.edited", [comment], f"edit-{comment.edited_at.timestamp()}")
    return comment


def delete_comment(*, comment: Comment, reader: Reader) -> Comment:
    """The author withdraws a comment: hidden, or a tombstone where it has replies."""
    if not permissions.can_delete(comment, reader):
        raise pipeline.NotAllowed("Only the author of a comment can delete it.")
    return transitions.change_status(
        comment, Comment.Status.DELETED, actor=reader.user, reason="deleted by its author"
    )


def report_comment(*, comment: Comment, reader: Reader, reason: str, note: str = "") -> Report:
    if comment.status != Comment.Status.APPROVED:
        raise pipeline.Conflict("That comment cannot be reported.")
    window = timedelta(hours=1)
    recent = Report.objects.filter(created_at__gte=timezone.now() - window)
    by_reader = recent.filter(reporter_key=reader.key)
    if reader.ip:
        by_reader = by_reader | recent.filter(ip_address=reader.ip)
    if by_reader.count() >= settings.COMMENT_REPORTS_PER_HOUR:
        oldest = by_reader.order_by("created_at").values_list("created_at", flat=True).first()
        raise pipeline.TooSoon(
            "You have sent many reports in a short time. Please try again later.",
            retry_after=max(1, int((oldest + window - timezone.now()).total_seconds()) + 1),
        )
    report, created = Report.objects.get_or_create(
        comment=comment,
        reporter_key=reader.key,
        defaults={"reason": reason, "note": note, "reporter": reader.user, "ip_address": reader.ip},
    )
    if not created:
        raise pipeline.Conflict("You have already reported this comment. Thank you.")
    return report
