"""New since your last visit: when a signed-in reader last saw a discussion, and which of its
comments arrived after.

A visit is a GET of any page of an article by a signed-in reader. It records its moment and
hands back the moment of the visit before; the page marks as new the public comments of
others created after that. A first visit marks nothing: with no visit before it there is
nothing to measure from, and a whole discussion marked new would say nothing. HEAD,
conditional requests and forms sent back (an error, a preview) record nothing and show the
markers of the last visit again. Anonymous readers keep their last visit in their browser
(static/js/visits.js): the server knows nothing of it and stores nothing.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection
from django.http import HttpRequest
from django.utils.dateparse import parse_datetime

from articles.models import Article
from comments.models import ArticleVisit, Comment
from comments.threads.queries import Node
from comments.threads.readers import Reader

_APPROVED = str(Comment.Status.APPROVED.value)


@dataclass(frozen=True)
class NewComments:
    """The comments a page marks new, in reading order (the order of its markup)."""

    ids: tuple[int, ...] = ()

    @property
    def count(self) -> int:
        return len(self.ids)

    @property
    def first_id(self) -> int | None:
        return self.ids[0] if self.ids else None


def counts_as_visit(request: HttpRequest) -> bool:
    """Only a plain GET is a reader looking at the page; a HEAD or a cache revalidating is not."""
    return request.method == "GET" and not (
        "if-none-match" in request.headers or "if-modified-since" in request.headers
    )


def last_visit_for(
    request: HttpRequest, reader: Reader, article: Article, *, now: datetime
) -> datetime | None:
    """The moment new comments on this page are counted from: one query for a signed-in
    reader (which also records this visit at `now`, if the request is one), none otherwise."""
    if reader.user is None:
        return None
    if counts_as_visit(request):
        return record_visit(reader.user, article, now=now)
    row = ArticleVisit.objects.filter(reader=reader.user, article=article)
    return row.values_list("previous_seen_at", flat=True).first()


# The ORM's upsert cannot set a column from the row's old value, so this one is written out;
# it reads the same on PostgreSQL and on SQLite (3.35 or later, for RETURNING).
_RECORD_VISIT = """
    INSERT INTO comments_articlevisit (reader_id, article_id, seen_at, previous_seen_at)
    VALUES (%s, %s, %s, NULL)
    ON CONFLICT (reader_id, article_id) DO UPDATE
    SET previous_seen_at = comments_articlevisit.seen_at, seen_at = excluded.seen_at
    RETURNING previous_seen_at
"""


def record_visit(user, article: Article, *, now: datetime) -> datetime | None:
    """Record that `user` saw `article` at `now`; return when they saw it before (None the
    first time). One statement, which moves `seen_at` into `previous_seen_at` and returns it,
    so that two views at once each count from a visit of their own."""
    moment = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(_RECORD_VISIT, [user.pk, article.pk, moment])
        (before,) = cursor.fetchone()
    return _aware(before)


def _aware(value: datetime | str | None) -> datetime | None:
    """A timestamp as the database hands it back: an aware datetime from PostgreSQL; from
    SQLite, what Django stored there (UTC without its offset), as text or a naive datetime."""
    if value is None:
        return None
    moment = parse_datetime(value) if isinstance(value, str) else value
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def new_comments(
    threads: Iterable[Node], reader: Reader, *, since: datetime | None, muted_ids: frozenset[int]
) -> NewComments:
    """The comments of `threads` that are new to `reader`: public, created after `since`, not
    their own, not by an account they muted. Nothing when there is no visit to count from."""
    if since is None:
        return NewComments()
    found: list[int] = []
    stack = list(reversed(list(threads)))
    while stack:  # depth first, replies after their comment: the order of the page
        node = stack.pop()
        comment = node.comment
        if (
            comment.created_at > since
            and comment.status == _APPROVED
            and comment.user_id not in muted_ids
            and not reader.wrote(comment)
        ):
            found.append(comment.pk)
        stack.extend(reversed(node.children))
    return NewComments(tuple(found))
