"""The read side of discussions.

A page of a discussion is two queries whatever its size: the thread *structure* of the whole
article (ids, parents, statuses: small columns), from which Python works out what this reader
may see and which top-level threads fall on the page; then the *content* of those threads.
"""

import json
from collections import namedtuple
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db.models import Count, Exists, Min, OuterRef, Subquery, TextField, Value
from django.db.models.functions import Cast, Coalesce
from django.http import Http404

from articles.models import Article
from comments.models import Comment, UsefulVote
from comments.threads import kinds, ranking
from comments.threads.readers import Reader

ORDERS = ("oldest", "newest", "useful")
STATEMENT_FIELDS = ("measure", "ground", "clause__number", "category", "public_reason")
ANCHOR_FIELDS = ("exact", "prefix", "suffix", "start", "end", "revision", "state", "block")
# Columns a page shows. Email, IP and user agent are never read for display. The label and
# what was decided about it come in the same query, through the LEFT JOIN of the comment's
# resolution (one row at most per comment), so labels cost the page no query.
_STRUCTURE_FIELDS = (
    "id", "parent_id", "status", "user_id", "kind", "resolution__state", "resolution__answer_id",
)  # fmt: skip
_MODEL_FIELDS = (
    "id", "parent_id", "status", "user_id", "kind", "root_id", "depth", "author_name",
    "author_url", "body_html", "created_at", "edited_at", "useful_count", "picked_at",
    "pick_note", "mentions", "article_revision",
)  # fmt: skip
# The mentions come as the column's JSON text, decoded only when asked for (the API asks; the
# page never does): decoding every row's list was a fifth of reading a big thread.
_MENTIONS_TEXT = Cast("mentions", TextField())
_CONTENT_FIELDS = (
    *_STRUCTURE_FIELDS,
    *(
        _MENTIONS_TEXT if name == "mentions" else name
        for name in _MODEL_FIELDS
        if name not in _STRUCTURE_FIELDS
    ),
    "resolution__note", "resolution__revision", "resolution__decided_at",
    # and its passage, when it answers one (a LEFT JOIN too)
    *(f"anchor__{name}" for name in ANCHOR_FIELDS),
    # and why it was restricted, for a tombstone (LEFT JOINs of its statement and clause)
    *(f"statement__{name}" for name in STATEMENT_FIELDS),
)  # fmt: skip
# What the "useful" order ranks top-level comments by (comments.threads.ranking).
_RANK_FIELDS = ("useful_count", "created_at")


def _column_name(field) -> str:
    return "mentions_text" if field is _MENTIONS_TEXT else field.replace("__", "_")


class ShownComment(namedtuple("ShownComment", [_column_name(f) for f in _CONTENT_FIELDS])):
    """A comment as a page shows it: plain values, no model machinery (10,000 of them are
    built per request on a big discussion, and a model instance costs ten times as much)."""

    __slots__ = ()

    @property
    def pk(self) -> int:
        return self.id

    @property
    def mentions(self) -> list[str]:
        """The usernames it mentions, as `Comment.mentions` has them."""
        text = self.mentions_text
        return json.loads(text) if text and text != "[]" else []

    @property
    def is_picked(self) -> bool:
        return self.picked_at is not None


@dataclass(slots=True)
class Node:
    comment: ShownComment
    children: list["Node"] = field(default_factory=list)

    @property
    def is_tombstone(self) -> bool:
        return self.comment.status not in (Comment.Status.APPROVED, Comment.Status.PENDING)


@dataclass
class Discussion:
    threads: list[Node]  # with a filter: the matching comments, flat (no children)
    page: int
    num_pages: int
    order: str
    approved_count: int
    shown_count: int
    # The comments this reader marked Useful (none for an anonymous reader).
    useful_ids: frozenset[int] = frozenset()
    labels: kinds.Labels = field(
        default_factory=lambda: kinds.Labels(kinds.Counts(), frozenset(), False)
    )
    only: kinds.KindFilter | None = None

    @property
    def is_paginated(self) -> bool:
        return self.num_pages > 1

    @property
    def is_filtered(self) -> bool:
        return self.only is not None


def _visible_to(reader: Reader, status: str, user_id: int | None, comment_id: int) -> bool:
    if status == Comment.Status.APPROVED:
        return True
    if status != Comment.Status.PENDING:
        return False
    return reader.wrote_ids(user_id, comment_id)


@dataclass
class _Structure:
    roots: list[int]  # shown top-level comments, oldest first
    shown: set[int]
    approved: int


def _structure(rows, reader: Reader) -> _Structure:
    """Which comments this reader is shown, from rows starting (id, parent, status, user)
    in (created_at, id) order.

    Shown: what the reader may see, plus any hidden comment with a shown reply, which stays
    as a tombstone so the thread keeps its shape.
    """
    parents: dict[int, int | None] = {}
    shown: set[int] = set()
    approved = 0
    visible = []
    for comment_id, parent_id, status, user_id, *_ in rows:
        parents[comment_id] = parent_id
        approved += status == Comment.Status.APPROVED
        if _visible_to(reader, status, user_id, comment_id):
            visible.append(comment_id)
    for comment_id in visible:
        while comment_id is not None and comment_id not in shown:
            shown.add(comment_id)
            comment_id = parents[comment_id]
    roots = [cid for cid, parent in parents.items() if parent is None and cid in shown]
    return _Structure(roots=roots, shown=shown, approved=approved)


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


def _in_thread_order(article: Article):
    return Comment.objects.filter(article=article).order_by("created_at", "id")


def _structure_fields(order: str) -> tuple[str, ...]:
    return (*_STRUCTURE_FIELDS, *_RANK_FIELDS) if order == "useful" else _STRUCTURE_FIELDS


def _ordered_roots(structure: _Structure, rows: list, fields: tuple[str, ...], order: str):
    """The shown top-level comments in `order`, from the rows `structure` was made of."""
    if order == "newest":
        return structure.roots[::-1]
    if order == "useful":
        votes, posted = fields.index("useful_count"), fields.index("created_at")
        roots = set(structure.roots)
        facts = {row[0]: (row[votes], row[posted]) for row in rows if row[0] in roots}
        return ranking.most_useful_first(structure.roots, facts)
    return structure.roots


def useful_ids_of(reader: Reader, article: Article) -> frozenset[int]:
    """The comments of `article` that `reader` marked Useful: one query, whatever the number."""
    if reader.user is None:
        return frozenset()
    votes = UsefulVote.objects.filter(voter=reader.user, comment__article=article)
    return frozenset(votes.values_list("comment_id", flat=True))


def discussion_for(
    article: Article,
    reader: Reader,
    *,
    page: str | None = None,
    order: str = "oldest",
    whole: bool = False,
    only: kinds.KindFilter | None = None,
) -> Discussion:
    """A page of `article`'s discussion as `reader` sees it (`whole`: every thread); with
    `only`, the comments that filter keeps, flat, a page of them at a time."""
    if order not in ORDERS:
        raise Http404("Unknown comment order.")
    per_page = 0 if whole else settings.COMMENTS_PER_PAGE
    comments = _in_thread_order(article)
    if per_page <= 0:
        # The whole discussion: one query serves for both structure and content.
        fields = _CONTENT_FIELDS
        rows = list(comments.values_list(*fields))
    else:
        fields = _structure_fields(order)
        rows = list(comments.values_list(*fields))
    structure = _structure(rows, reader)
    labels = kinds.labels_of(rows)
    if only is not None:
        return _filtered(
            comments, rows, fields, structure, labels, reader, article,
            page=page, order=order, per_page=per_page, only=only,
        )  # fmt: skip
    num_pages = max(1, -(-len(structure.roots) // per_page)) if per_page > 0 else 1
    number = _page_number(page, num_pages)
    roots = _ordered_roots(structure, rows, fields, order)
    if per_page > 0:
        roots = roots[(number - 1) * per_page : number * per_page]
        scope = comments.filter(root_id__in=roots) if num_pages > 1 else comments
        rows = scope.values_list(*_CONTENT_FIELDS)

    nodes: dict[int, Node] = {}
    for row in rows:
        if row[0] in structure.shown:
            nodes[row[0]] = Node(tuple.__new__(ShownComment, row))
    for node in nodes.values():
        parent = nodes.get(node.comment.parent_id)
        if parent is not None:
            parent.children.append(node)
    return Discussion(
        threads=[nodes[cid] for cid in roots if cid in nodes],
        page=number,
        num_pages=num_pages,
        order=order,
        approved_count=structure.approved,
        shown_count=len(structure.shown),
        useful_ids=useful_ids_of(reader, article),
        labels=labels,
    )


def _filtered(
    comments, rows, fields, structure, labels, reader, article, *, page, order, per_page, only
) -> Discussion:
    """The comments `only` keeps, as `discussion_for` gives them: from the rows read for the
    structure, then (paginated) the content of the page's comments, one query."""
    kind, state = fields.index("kind"), fields.index("resolution__state")
    kept = [
        row
        for row in rows
        if only.keeps(row[kind], row[state]) and _visible_to(reader, row[2], row[3], row[0])
    ]
    if order == "newest":
        kept.reverse()
    elif order == "useful":
        votes, posted = fields.index("useful_count"), fields.index("created_at")
        by_id = {row[0]: row for row in kept}
        facts = {cid: (row[votes], row[posted]) for cid, row in by_id.items()}
        kept = [by_id[cid] for cid in ranking.most_useful_first(list(by_id), facts)]
    ids = [row[0] for row in kept]
    num_pages = max(1, -(-len(ids) // per_page)) if per_page > 0 else 1
    number = _page_number(page, num_pages)
    if per_page > 0:
        ids = ids[(number - 1) * per_page : number * per_page]
        content = {row[0]: row for row in comments.filter(pk__in=ids).values_list(*_CONTENT_FIELDS)}
        kept = [content[cid] for cid in ids if cid in content]
    return Discussion(
        threads=[Node(tuple.__new__(ShownComment, row)) for row in kept],
        page=number,
        num_pages=num_pages,
        order=order,
        approved_count=structure.approved,
        shown_count=len(structure.shown),
        useful_ids=useful_ids_of(reader, article),
        labels=labels,
        only=only,
    )


def page_of(comment: Comment, reader: Reader, order: str = "oldest") -> int:
    """The page of the discussion (in `order`) on which `comment`'s thread appears."""
    per_page = settings.COMMENTS_PER_PAGE
    if per_page <= 0:
        return 1
    fields = _structure_fields(order)
    rows = list(_in_thread_order(comment.article).values_list(*fields))
    roots = _ordered_roots(_structure(rows, reader), rows, fields, order)
    try:
        return roots.index(comment.root_id) // per_page + 1
    except ValueError:
        return 1


def _addressable(pk: int):
    # With its resolution and statement (LEFT JOINs), which the API shows.
    related = ("article", "resolution", "anchor", "statement__clause")
    return Comment.objects.select_related(*related).filter(
        pk=pk, article__in=Article.objects.published()
    )


def _addressed(comment: Comment | None, reader: Reader) -> Comment:
    if comment is None or not (
        comment.status == Comment.Status.APPROVED or comment.is_gone or reader.wrote(comment)
    ):
        raise Http404("No such comment.")
    return comment


def comment_for(pk: int, reader: Reader) -> Comment:
    """A comment of a published article that `reader` may address (see, reply to, report,
    edit or delete, as permissions allow): a published one, one gone with its tombstone, or
    one of their own. Anything else, for them, does not exist (404)."""
    return _addressed(_addressable(pk).first(), reader)


@dataclass(frozen=True)
class VoteTarget:
    comment: Comment
    voted: bool  # the reader marked it Useful already
    recent_votes: int  # the reader's Useful votes since the moment asked about
    first_recent: datetime | None  # the oldest of those


def vote_target(pk: int, reader: Reader, *, since: datetime) -> VoteTarget:
    """The comment `comment_for` gives, with what the voting rules need to know about this
    signed-in reader's votes, in one query (a vote is answered in a handful)."""
    comments = _addressable(pk)
    if reader.user is not None:
        mine = UsefulVote.objects.filter(voter=reader.user)
        recent = mine.filter(created_at__gte=since).order_by().values("voter")
        comments = comments.annotate(
            reader_voted=Exists(mine.filter(comment=OuterRef("pk"))),
            reader_recent=Coalesce(
                Subquery(recent.annotate(n=Count("id")).values("n")[:1]), Value(0)
            ),
            reader_first_recent=Subquery(recent.annotate(first=Min("created_at")).values("first")),
        )
    comment = _addressed(comments.first(), reader)
    return VoteTarget(
        comment=comment,
        voted=getattr(comment, "reader_voted", False),
        recent_votes=getattr(comment, "reader_recent", 0),
        first_recent=getattr(comment, "reader_first_recent", None),
    )


@dataclass(frozen=True)
class Pick:
    id: int
    author_name: str
    pick_note: str


# The strip lists this many picks; the others carry their badge in the thread.
PICKS_SHOWN = 12


def picks_for(article: Article, limit: int | None = None) -> list[Pick]:
    """The editors' picks of a discussion, first picked first: one query, for the strip at the
    top of the page (a pick may be on any page of the discussion); at most `limit`."""
    rows = (
        Comment.objects.filter(
            article=article, status=Comment.Status.APPROVED, picked_at__isnull=False
        )
        .order_by("picked_at", "id")
        .values_list("id", "author_name", "pick_note")
    )
    return [Pick(*row) for row in (rows[:limit] if limit is not None else rows)]


def approved_comments(article: Article):
    """Approved comments of an article, newest first, for feeds."""
    return (
        Comment.objects.filter(article=article, status=Comment.Status.APPROVED)
        .only(*_MODEL_FIELDS)
        .order_by("-created_at", "-id")
    )


def latest_comments():
    """Approved comments of published articles, newest first, each with its article's title
    and address: the site-wide list and its feeds. The same columns as a thread page, so no
    email, IP or user agent is read; one query for any slice."""
    return (
        Comment.objects.filter(
            status=Comment.Status.APPROVED, article__in=Article.objects.published()
        )
        .select_related("article")
        .only(*_MODEL_FIELDS, "article", "article__title", "article__slug")
        .order_by("-created_at", "-id")
    )
