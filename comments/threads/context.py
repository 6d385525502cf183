"""What an article page needs to show its discussion: threads, form, policy, counts."""

from contextlib import suppress

from django.conf import settings
from django.http import Http404, HttpRequest
from django.middleware.csrf import get_token
from django.urls import reverse

from articles.models import Article
from comments.forms import CommentForm
from comments.models import Comment, ModerationSettings
from comments.moderation import answers
from comments.passages import page as passage_page
from comments.passages import placing
from comments.posting import permissions
from comments.sources import citing
from comments.threads import badges, changelog, changes, kinds, muting, queries, quoting, visits
from comments.threads.html import ThreadRenderer
from comments.threads.readers import reader_from, saved_details
from comments.threads.response import DeferredThreads


def discussion_context(
    request: HttpRequest, article: Article, form: CommentForm | None = None
) -> dict:
    reader = reader_from(request)
    # This visit's moment: before the threads are read, and a few seconds back, so that a
    # comment still committing (not on this page) is marked new on the next visit.
    moment = changes.settled()
    refusal = permissions.why_cannot_post(article, reader)
    only = _filter(request)
    discussion = queries.discussion_for(
        article, reader, page=request.GET.get("cpage"), order=_order(request), only=only
    )
    labels = discussion.labels
    reply_mode = (
        "reply" if refusal is None else "login" if refusal == permissions.SIGNED_IN_ONLY else "none"
    )
    limits = ModerationSettings.current()
    muted_ids = muting.muted_ids_of(reader)
    since = visits.last_visit_for(request, reader, article, now=moment)
    new_comments = visits.new_comments(discussion.threads, reader, since=since, muted_ids=muted_ids)
    renderer = ThreadRenderer(
        reader=reader,
        edit_minutes=limits.edit_minutes,
        article_url=article.get_absolute_url(),
        reply_mode=reply_mode,
        page_query=_page_query(discussion),
        useful_ids=discussion.useful_ids,
        muted_ids=muted_ids,
        new_ids=new_comments.ids,
        csrf_token=get_token(request) if reader.is_signed_in else "",
        order=discussion.order,
        # An empty discussion asks for neither badges nor picks.
        badges=badges.badges_for(article) if discussion.shown_count else {},
        sources=citing.shown_in(article.pk) if discussion.shown_count else {},
        revision=article.revision,
        compare_url=reverse("articles:revision_compare", args=[article.slug]),
        answer_ids=labels.answer_ids,
        # Only a discussion with questions asks who may mark their answers.
        can_mark_answers=bool(labels.counts.of(Comment.Kind.QUESTION))
        and answers.may_mark(reader.user, article),
        flat=discussion.is_filtered,
    )
    reply_to = _reply_target(request, form, discussion)
    if form is None and refusal is None:
        initial = saved_details(request)
        if reply_to is not None and request.GET.get("quote"):
            initial["body"] = quoting.quote_of(
                Comment.objects.only("pk", "author_name", "body").get(pk=reply_to.pk)
            )
        initial["revision"] = placing.revision_token(article)
        if request.GET.get("passage"):
            # A paragraph no longer there: the form is for the whole article.
            with suppress(placing.PassageRefused):
                _, initial["anchor"] = placing.choose(article, request.GET["passage"][:80])
        form = CommentForm(
            initial=initial,
            signed_in=reader.is_signed_in,
            max_length=limits.max_length,
        )
    picks = (
        queries.picks_for(article, limit=queries.PICKS_SHOWN + 1)
        if discussion.shown_count and not discussion.is_filtered
        else []
    )
    return {
        "discussion": discussion,
        # Rendered where the page shows it (comments.threads.response writes it as bytes).
        "threads_html": DeferredThreads(renderer, discussion.threads),
        # A filtered view lists no picks (it is a list of its own); one more than the strip
        # shows says whether there are more.
        "picks": picks[: queries.PICKS_SHOWN],
        "more_picks": len(picks) > queries.PICKS_SHOWN,
        "kind_links": kinds.filter_links(labels.counts, only, discussion.approved_count),
        "filter_query": only.query if only else "",
        # The article's change log: asked for only when a correction was accepted.
        "changelog": changelog.entries_for(article) if labels.has_accepted_corrections else [],
        "comment_form": form if refusal is None else None,
        "comment_refusal": refusal,
        "reply_to": reply_to,
        "passage_words": placing.words_of(_anchor_of(form), article) if form else "",
        "passages": passage_page.for_page(
            article, can_comment=refusal is None, has_comments=bool(discussion.approved_count)
        ),
        "reader": reader,
        # What the page's script polls for comments that become public while it is open.
        "changes_url": reverse("api:article-comments", args=[article.slug])
        if article.is_live
        else "",
        "changes_cursor": changes.from_now(),
        "poll_seconds": settings.COMMENTS_POLL_SECONDS,
        "new_comments": new_comments,
        # An anonymous reader's browser keeps this, as the moment of its last visit.
        "visit_moment": "" if reader.is_signed_in else moment.isoformat(),
    }


def _anchor_of(form: CommentForm) -> str:
    return (form.data.get("anchor") if form.is_bound else form.initial.get("anchor")) or ""


def _order(request: HttpRequest) -> str:
    """The order asked for: `order`, or `corder` (the name links had before)."""
    return request.GET.get("order") or request.GET.get("corder") or "oldest"


def _filter(request: HttpRequest) -> kinds.KindFilter | None:
    """The filter asked for (`?kind=`, `?unanswered=1`); one the discussion has not is a 404,
    like an unknown order."""
    try:
        return kinds.filter_from(request.GET.get("kind"), request.GET.get("unanswered"))
    except kinds.BadFilter:
        raise Http404("No such filter of the discussion.") from None


def _page_query(discussion: queries.Discussion) -> str:
    """Keeps the reader on this page (and filter) of the discussion when they follow a Reply
    link."""
    parts = [discussion.only.query] if discussion.only else []
    if discussion.page > 1:
        parts.append(f"cpage={discussion.page}")
    if discussion.order != "oldest":
        parts.append(f"order={discussion.order}")
    return "".join(f"{part}&" for part in parts)


def _reply_target(request: HttpRequest, form: CommentForm | None, discussion) -> Comment | None:
    """The comment being answered without JavaScript (?replytocom=ID) or after an error."""
    raw = request.GET.get("replytocom") or (
        form.data.get("parent") if form and form.is_bound else None
    )
    try:
        target_id = int(raw)
    except (TypeError, ValueError):
        return None
    stack = list(discussion.threads)
    while stack:
        node = stack.pop()
        if node.comment.pk == target_id:
            return node.comment if node.comment.status == Comment.Status.APPROVED else None
        stack.extend(node.children)
    return None
