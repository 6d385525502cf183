"""The write side of discussions: one function per thing a reader does.

Views and the API check the input's shape; these functions make the decision and the write,
so every entry point behaves the same.
"""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from articles.models import Article
from comments.models import Comment, ModerationSettings, Report, UsefulVote
from comments.moderation import pipeline, transitions
from comments.outbound import recipients, webhooks
from comments.passages import placing
from comments.posting import permissions
from comments.sources import citing
from comments.threads import placement, queries, quoting
from comments.threads.readers import Reader
from comments.threads.rendering import Rendered, SafeString, mark_safe
from config import pagecache

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


def rendered_body(
    article: Article, reader: Reader, body: str, *, quoted_before: tuple[int, ...] = ()
) -> Rendered:
    """The comment's HTML in its discussion, refused if it quotes what it may not."""
    rendered = quoting.render_in(article.pk, body, signed_in=reader.user is not None)
    if refusal := quoting.why_cannot_quote(rendered, quoted_before=quoted_before):
        raise CommentRefused(refusal, field="body")
    return rendered


def preview_comment(*, article: Article, reader: Reader, body: str) -> SafeString:
    """What posting `body` would show, stored nowhere; refused as posting would refuse it."""
    return mark_safe(rendered_body(article, reader, body).html)


def _reply_target(article: Article, parent_id: int | None) -> Comment | None:
    """The comment a reply answers: one of this discussion that may have replies."""
    if parent_id is None:
        return None
    parent = Comment.objects.filter(pk=parent_id, article=article).first()
    if parent is None:
        raise pipeline.Conflict(permissions.NOT_IN_DISCUSSION, field="parent")
    if not permissions.can_reply(parent):
        raise pipeline.Conflict(permissions.CANNOT_REPLY, field="parent")
    return parent


def post_comment(
    *,
    article: Article,
    reader: Reader,
    parent_id: int | None,
    name: str,
    email: str,
    url: str,
    body: str,
    kind: str = Comment.Kind.COMMENT,
    wants_followups: bool = False,
    followup_scope: str = "thread",
    honeypot: str = "",
    seconds_to_submit: float | None = None,
    sources: list[citing.Cited] = (),
    revision: int | None = None,
    passage: tuple[int, int, int] | None = None,
) -> Comment:
    """Take a new comment (a reply when `parent_id` names one) through the moderation
    pipeline and store it with its verdict. `kind` is the reader's label ("" or "comment":
    none); a label it may not carry is refused before anything is written."""
    if reason := permissions.why_cannot_post(article, reader):
        raise pipeline.NotAllowed(reason)
    kind = kind or Comment.Kind.COMMENT
    if refusal := permissions.why_cannot_label(article, kind):
        raise CommentRefused(refusal, field="kind")
    try:
        revision = placing.checked_revision(article, revision or article.revision or None)
    except placing.PassageRefused as refused:
        # Well formed, but not what this article has: a conflict with its state.
        raise pipeline.Conflict(refused.message, field="revision") from None
    try:
        on = placing.checked_passage(article, passage) if passage is not None else None
    except placing.PassageRefused as refused:
        raise pipeline.Conflict(refused.message, field="anchor") from None
    parent = _reply_target(article, parent_id)
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
    rendered = rendered_body(article, reader, body)
    try:
        cited = citing.cleaned(sources)
    except citing.SourcesRefused as refused:
        raise CommentRefused(refused.message, field="sources") from None
    verdict = pipeline.verdict_for(submission, facts)
    spot = placement.place(parent, max_depth=facts.settings.max_depth)
    with transaction.atomic():
        comment = Comment.objects.create(
            article=article,
            parent=spot.parent,
            root_id=spot.root_id,
            depth=spot.depth,
            user=user,
            author_name=name,
            author_email=email,
            author_url=url,
            body=body,
            body_html=rendered.html,
            mentions=list(rendered.mentions),
            status=verdict.status,
            status_reason=verdict.reason,
            kind=kind,
            article_revision=revision,
            wants_followups=wants_followups,
            ip_address=reader.ip,
            user_agent=reader.user_agent,
        )
        placement.root_new_threads([comment])
        if rendered.quotes:
            comment.quotes.set(rendered.quotes)
        citing.cite(comment, cited)
        if on is not None:
            placing.attach(comment, on)
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
    if refusal := permissions.why_cannot_edit(comment, reader, edit_minutes=edit_minutes):
        raise pipeline.NotAllowed(refusal)
    _check_body(body, limits.max_length)
    quoted_before = tuple(comment.quotes.values_list("pk", flat=True))
    mentioned_before = list(comment.mentions)
    rendered = rendered_body(comment.article, reader, body, quoted_before=quoted_before)
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
        comment.body_html = rendered.html
        comment.mentions = list(rendered.mentions)
        comment.edited_at = timezone.now()
        comment.save(update_fields=["body", "body_html", "mentions", "edited_at", "updated_at"])
        pagecache.comments_changed(comment.article_id)  # the latest comments feed too
        if set(rendered.quotes) != set(quoted_before):
            comment.quotes.set(rendered.quotes)
        status = pipeline.stricter(comment.status, verdict.status)
        if status != comment.status:
            transitions.change_status(comment, status, reason=f"edited: {verdict.reason}")
        elif status == Comment.Status.APPROVED:
            webhooks.queue("comment.edited", [comment], f"edit-{comment.edited_at.timestamp()}")
            if set(comment.mentions) - set(mentioned_before):
                recipients.queue_for_mentions(comment)  # those newly named hear of it now
    return comment


def delete_comment(*, comment: Comment, reader: Reader) -> Comment:
    """The author withdraws a comment: hidden, or a tombstone where it has replies."""
    if refusal := permissions.why_cannot_delete(comment, reader):
        raise pipeline.NotAllowed(refusal)
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


_VOTE_WINDOW = timedelta(hours=1)
ALREADY_USEFUL = "You have marked this comment useful already."
NOT_MARKED_USEFUL = "You have not marked this comment useful."


def _vote_target(comment_id: int, reader: Reader) -> queries.VoteTarget:
    """The comment voted on (404 if the reader may not see it), checked against the rules."""
    target = queries.vote_target(comment_id, reader, since=timezone.now() - _VOTE_WINDOW)
    if refusal := permissions.why_cannot_vote(target.comment, reader):
        error = pipeline.Conflict if refusal == permissions.ONLY_PUBLISHED_VOTES else None
        raise (error or pipeline.NotAllowed)(refusal)
    return target


def _count_changes(comment: Comment, by: int) -> None:
    # updated_at moves too: the API's ETags and change feed show the count.
    Comment.objects.filter(pk=comment.pk).update(
        useful_count=F("useful_count") + by, updated_at=timezone.now()
    )
    pagecache.votes_changed(comment.article_id)


def mark_useful(*, comment_id: int, reader: Reader) -> int:
    """A signed-in reader marks someone else's published comment Useful, once; the answer is
    the comment's count with this vote. Marking again is a Conflict and counts nothing; more
    than COMMENT_VOTES_PER_HOUR votes in an hour is TooSoon. Four queries."""
    target = _vote_target(comment_id, reader)
    if target.voted:
        raise pipeline.Conflict(ALREADY_USEFUL)
    if target.recent_votes >= settings.COMMENT_VOTES_PER_HOUR:
        wait = target.first_recent + _VOTE_WINDOW - timezone.now()
        raise pipeline.TooSoon(
            "You have marked many comments useful in a short time. Please try again later.",
            retry_after=max(1, int(wait.total_seconds()) + 1),
        )
    try:
        # No savepoint: the vote and the count are one transaction with the caller's.
        with transaction.atomic(savepoint=False):
            UsefulVote.objects.create(comment=target.comment, voter=reader.user)
            _count_changes(target.comment, +1)
    except IntegrityError:  # the same vote, sent twice at once: the other one counted
        raise pipeline.Conflict(ALREADY_USEFUL) from None
    return target.comment.useful_count + 1


def unmark_useful(*, comment_id: int, reader: Reader) -> int:
    """The reader takes back their Useful vote; the answer is the count without it. No vote
    to take back is a Conflict and changes nothing. Three queries."""
    target = _vote_target(comment_id, reader)
    if not target.voted:
        raise pipeline.Conflict(NOT_MARKED_USEFUL)
    with transaction.atomic(savepoint=False):
        gone, _ = UsefulVote.objects.filter(comment=target.comment, voter=reader.user).delete()
        if gone:
            _count_changes(target.comment, -gone)
    return max(0, target.comment.useful_count - gone)
