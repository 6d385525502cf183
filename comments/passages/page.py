"""The article page's side of passages: beside each paragraph and heading, a link to comment
on it and, where comments answer it, a marker that leads to them; and the comments whose
passage is no longer in the article, under "Comments on earlier text"."""

import re
from dataclasses import dataclass, field
from html import escape

from django.utils.safestring import SafeString, mark_safe

from articles.models import Article
from comments.models import Anchor, Comment

# Paragraphs and headings as the article's rendering gives them ids (articles.rendering).
_BLOCK = re.compile(r'<(p|h[2-6]) id="([^"]+)">.*?</\1>', re.DOTALL)


@dataclass
class Passages:
    body_html: SafeString
    earlier: list[dict] = field(default_factory=list)


def _plural(n: int) -> str:
    return f"{n} comment{'s' if n != 1 else ''} on this passage"


def for_page(article: Article, *, can_comment: bool, has_comments: bool = True) -> Passages:
    """The article's body with its passage links and markers, and the earlier-text list. One
    query (the anchors of the discussion's public comments), none for an article that has
    no revision to anchor in or no public comment to anchor."""
    if not article.revision:
        return Passages(mark_safe(article.body_html))  # noqa: S308 - sanitised on save
    anchors = (
        Anchor.objects.none()
        if not has_comments
        else Anchor.objects.filter(
            article=article, comment__status=Comment.Status.APPROVED
        ).values_list("block", "state", "comment_id", "exact", "comment__author_name")
    )
    counts: dict[str, list[int]] = {}
    earlier = []
    for block, state, comment_id, exact, author in anchors.order_by("comment_id"):
        # An anchor not yet placed in the latest revision (the worker is on it) stays with
        # its paragraph, as its comment says; only one whose words are gone is "earlier".
        if state == Anchor.State.ORPHANED or not block:
            earlier.append({"comment_id": comment_id, "exact": exact, "author": author})
        else:
            counts.setdefault(block, []).append(comment_id)

    def tools(match: re.Match) -> str:
        tag, block = match.group(1), match.group(2)
        parts = []
        if block in counts:
            first = counts[block][0]
            parts.append(
                f'<a class="passage-tools__count" href="/comments/{first}/">'
                f"{_plural(len(counts[block]))}</a>"
            )
        if can_comment:
            what = "paragraph" if tag == "p" else "heading"
            parts.append(
                f'<a class="passage-tools__comment" href="?passage={escape(block)}#respond" '
                f'rel="nofollow" data-block="{escape(block)}">Comment on this {what}</a>'
            )
        if not parts:
            return match.group(0)
        return f'{match.group(0)}<p class="passage-tools">{" · ".join(parts)}</p>'

    html = _BLOCK.sub(tools, article.body_html)
    return Passages(mark_safe(html), earlier)  # noqa: S308 - our markup around sanitised HTML
