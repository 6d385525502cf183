"""Quotes and mentions: what a comment's text refers to in its discussion.

A quote names the comment it quotes; what it shows follows that comment. While the comment
is public, the quote shows its words under "NAME wrote:". Once it is gone, the words stay
only where the reason it went allows it (`words_gone`); otherwise every quote of it shows
that the quoted comment was removed. A mention names a reader with an account; it is
highlighted, and the reader is told once the comment is public (`outbound.recipients`).
"""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.utils import timezone

from comments.models import Comment
from comments.threads.rendering import Quoted, Rendered, render
from config import pagecache

S = Comment.Status
# Removals after which quotes keep the removed words: the comment was out of place, not
# wrong to repeat. Any other reason (abuse, personal data, anything a moderator writes in
# their own words) takes the words out of every quote as well.
QUOTES_KEEP_WORDS = ("Off topic", "Duplicate")
_KEEPING = {reason.lower() for reason in QUOTES_KEEP_WORDS}
_GONE = {
    S.REMOVED: "Quoted comment removed.",
    S.DELETED: "Quoted comment deleted by its author.",
}
NOT_AVAILABLE = "Quoted comment not available."
ELSEWHERE = "You can quote only comments of this discussion."
NOT_QUOTABLE = "A comment you quote is no longer shown; please take that quote out."


def words_gone(status: str, reason: str) -> str:
    """Why a quote of a comment in this state may not show its words ("" when it may)."""
    if status == S.APPROVED:
        return ""
    if status == S.REMOVED and reason.strip().lower() in _KEEPING:
        return ""
    return _GONE.get(status, NOT_AVAILABLE)


class Discussion:
    """The surroundings of a comment in one article's discussion (see `rendering`)."""

    def __init__(self, article_id: int, *, mentions: bool):
        self.article_id = article_id
        self.mentions = mentions  # only readers signed in mention others

    def quoted(self, ids: set[int]) -> dict[int, Quoted]:
        rows = Comment.objects.filter(pk__in=ids, article_id=self.article_id).values_list(
            "pk", "author_name", "status", "status_reason"
        )
        return {pk: Quoted(name, words_gone(status, why)) for pk, name, status, why in rows}

    def readers(self, names: set[str]) -> dict[str, str]:
        if not self.mentions:
            return {}
        return dict(mentionable().filter(lower__in=names).values_list("lower", "username"))


def mentionable():
    """Accounts a mention can name: active, and with a username that is not an address
    (a username is shown in every mention of it; an address never is)."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(username__contains="@")
        .annotate(lower=Lower("username"))
    )


SUGGESTED = 8


def mentionable_in(article, prefix: str) -> list[dict]:
    """Up to SUGGESTED readers of this discussion (its public comments' accounts and the
    article's authors) whose username starts with `prefix`: username and public name."""
    wrote_here = Comment.objects.filter(article=article, status=S.APPROVED, user_id=OuterRef("pk"))
    readers = (
        mentionable()
        .filter(lower__startswith=prefix.lower())
        .filter(Q(Exists(wrote_here)) | Q(articles=article))
        .distinct()
        .order_by("lower")[:SUGGESTED]
    )
    return [
        {"username": user.username, "name": user.get_full_name() or user.username}
        for user in readers
    ]


def render_in(article_id: int, body: str, *, signed_in: bool) -> Rendered:
    return render(body, Discussion(article_id, mentions=signed_in))


def why_cannot_quote(rendered: Rendered, *, quoted_before: Iterable[int] = ()) -> str:
    """Why a text may not be posted as it quotes ("" if it may): it quotes a comment of
    another discussion, or newly quotes one that is no longer shown."""
    if rendered.strangers:
        return ELSEWHERE
    if set(rendered.gone_quotes) - set(quoted_before):
        return NOT_QUOTABLE
    return ""


def refresh_quoters(quoted_ids: Iterable[int]) -> int:
    """Render again every comment quoting these (their state changed); return how many
    changed. A few queries per quoting comment: quotes of one comment are few."""
    quoters = list(
        Comment.objects.filter(quotes__in=list(quoted_ids))
        .distinct()
        .only("pk", "article_id", "user_id", "body", "body_html")
    )
    changed = []
    now = timezone.now()
    for comment in quoters:
        html = render_in(comment.article_id, comment.body, signed_in=comment.user_id is not None)
        if html.html != comment.body_html:
            comment.body_html, comment.updated_at = html.html, now
            changed.append(comment)
    Comment.objects.bulk_update(changed, ["body_html", "updated_at"])
    for article_id in {comment.article_id for comment in changed}:
        pagecache.comments_changed(article_id, listed=False)
    return len(changed)


def quote_of(comment: Comment) -> str:
    """The Markdown a reply starts with to quote the whole of `comment` (its own quotes
    left out: a quote of a quote is noise)."""
    lines = [line for line in comment.body.splitlines() if not line.lstrip().startswith(">")]
    while lines and not lines[0].strip():
        lines.pop(0)
    words = "\n".join(f"> {line}".rstrip() for line in lines).rstrip()
    cite = comment.author_name.replace("[", "(").replace("]", ")")
    return f"> [{cite} wrote:]({comment.get_absolute_url()})\n{words}\n\n"
