"""The read side of discussions.

A page of a discussion is two queries whatever its size: the thread *structure* of the whole
article (ids, parents, statuses: small columns), from which Python works out what this reader
may see and which top-level threads fall on the page; then the *content* of those threads.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.http import Http404

from articles.models import Article
from comments.models import Comment
from comments.readers import Reader

ORDERS = ("oldest", "newest")
# Columns a page shows. Email, IP and user agent are never read for display.
_CONTENT_FIELDS = (
    "id", "parent_id", "root_id", "depth", "user_id", "author_name", "author_url",
    "body_html", "status", "created_at", "edited_at", "article_id",
)  # fmt: skip


@dataclass
class Node:
    comment: Comment
    children: list["Node"] = field(default_factory=list)

    @property
    def is_tombstone(self) -> bool:
        return self.comment.status not in (Comment.Status.APPROVED, Comment.Status.PENDING)


@dataclass
class Discussion:
    threads: list[Node]
    page: int
    num_pages: int
    order: str
    approved_count: int
    shown_count: int

    @property
    def is_paginated(self) -> bool:
        return self.num_pages > 1


def _visible_to(reader: Reader, status: str, user_id: int | None, comment_id: int) -> bool:
    if status == Comment.Status.APPROVED:
        return True
    if status != Comment.Status.PENDING:
        return False
    if reader.user is not None:
        return user_id == reader.user.pk
    return user_id is None and comment_id in reader.own_ids


def _structure(article: Article, reader: Reader) -> tuple[dict[int, tuple], set[int], int]:
    """All comments' (parent, created, status) and the ids this reader is shown.

    Shown: what the reader may see, plus any hidden comment with a shown reply, which stays
    as a tombstone so the thread keeps its shape.
    """
    rows = Comment.objects.filter(article=article).values_list(
        "id", "parent_id", "status", "user_id", "created_at"
    )
    parents: dict[int, tuple] = {}
    shown: set[int] = set()
    approved = 0
    visible = []
    for comment_id, parent_id, status, user_id, created_at in rows:
        parents[comment_id] = (parent_id, created_at)
        approved += status == Comment.Status.APPROVED
        if _visible_to(reader, status, user_id, comment_id):
            visible.append(comment_id)
    for comment_id in visible:
        while comment_id is not None and comment_id not in shown:
            shown.add(comment_id)
            comment_id = parents[comment_id][0]
    return parents, shown, approved


def _page_number(raw: str | None, num_pages: int) -> int:
    if raw in (None, ""):
        return 1
    try:
        number = int(raw)
    except (TypeError, ValueError):
        raise Http404("No such page of comments.") from None
    if not 1 <= number <= num_pages:
        raise Http404("No such page of comments.")
    return number


def _page_count(root_count: int) -> int:
    per_page = settings.COMMENTS_PER_PAGE
    return max(1, -(-root_count // per_page)) if per_page > 0 else 1


def _ordered_roots(parents: dict[int, tuple], shown: set[int], order: str) -> list[int]:
    roots = [cid for cid in shown if parents[cid][0] is None]
    roots.sort(key=lambda cid: (parents[cid][1], cid), reverse=order == "newest")
    return roots


def discussion_for(
    article: Article, reader: Reader, *, page: str | None = None, order: str = "oldest"
) -> Discussion:
    if order not in ORDERS:
        raise Http404("Unknown comment order.")
    parents, shown, approved = _structure(article, reader)
    roots = _ordered_roots(parents, shown, order)
    num_pages = _page_count(len(roots))
    number = _page_number(page, num_pages)
    per_page = settings.COMMENTS_PER_PAGE
    page_roots = roots[(number - 1) * per_page : number * per_page] if per_page > 0 else roots

    content = Comment.objects.only(*_CONTENT_FIELDS).order_by("created_at", "id")
    if per_page > 0 and num_pages > 1:
        content = content.filter(root_id__in=page_roots)
    else:
        content = content.filter(article=article)
    nodes: dict[int, Node] = {}
    for comment in content:
        if comment.pk in shown:
            nodes[comment.pk] = Node(comment)
    for node in nodes.values():
        parent = nodes.get(node.comment.parent_id)
        if parent is not None:
            parent.children.append(node)
    return Discussion(
        threads=[nodes[cid] for cid in page_roots if cid in nodes],
        page=number,
        num_pages=num_pages,
        order=order,
        approved_count=approved,
        shown_count=len(shown),
    )


def page_of(comment: Comment, reader: Reader, order: str = "oldest") -> int:
    """The page of the discussion (in `order`) on which `comment`'s thread appears."""
    per_page = settings.COMMENTS_PER_PAGE
    if per_page <= 0:
        return 1
    parents, shown, _ = _structure(comment.article, reader)
    roots = _ordered_roots(parents, shown, order)
    try:
        return roots.index(comment.root_id) // per_page + 1
    except ValueError:
        return 1


def approved_comments(article: Article):
    """Approved comments of an article, newest first, for feeds."""
    return (
        Comment.objects.filter(article=article, status=Comment.Status.APPROVED)
        .only(*_CONTENT_FIELDS, "body")
        .order_by("-created_at", "-id")
    )
