"""The stored side of sources: what a comment cites, what the cited pages say of themselves,
and the daily re-checks. The rules themselves are the package's pure modules: `urls` (what
may be cited), `fetching` (how a page is fetched), `metadata`, `checking` (when a source is
unreachable)."""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from comments.models import MAX_SOURCES, Comment, Source
from comments.sources import checking, metadata
from comments.sources.fetching import fetch
from comments.sources.urls import BadSourceURL, check_url
from config import pagecache

TOO_MANY = f"A comment cites at most {MAX_SOURCES} sources."
TITLE_LENGTH, PUBLISHER_LENGTH = 300, 200
# A source is checked again once its last check is this old (a day, less a margin for a
# periodic task that runs early); `FAILURE_GAP` then counts one failure a day at most.
RECHECK_AFTER = timedelta(hours=20)
RECHECK_BATCH = 200


@dataclass(frozen=True)
class Cited:
    """A source as a reader gives it: the URL, and what they say of it (all optional)."""

    url: str
    title: str = ""
    publisher: str = ""
    published: date | None = None


class SourcesRefused(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def cleaned(given: Iterable[Cited]) -> list[Cited]:
    """The sources to store, each URL in its plain spelling; `SourcesRefused` saying which
    one is wrong and why, or that there are too many. Rows with no URL are skipped."""
    rows = [row for row in given if row.url.strip()]
    if len(rows) > MAX_SOURCES:
        raise SourcesRefused(TOO_MANY)
    out = []
    for number, row in enumerate(rows, start=1):
        try:
            url = check_url(row.url)
        except BadSourceURL as bad:
            raise SourcesRefused(f"Source {number}: {bad.message}") from None
        out.append(
            replace(
                row,
                url=url,
                title=" ".join(row.title.split())[:TITLE_LENGTH],
                publisher=" ".join(row.publisher.split())[:PUBLISHER_LENGTH],
            )
        )
    return out


def cite(comment: Comment, sources: list[Cited]) -> list[Source]:
    """Store a new comment's sources (already `cleaned`); once committed, a worker reads
    what the pages say of themselves. One query; none without sources."""
    if not sources:
        return []
    rows = Source.objects.bulk_create(
        Source(comment=comment, position=n, url=s.url, title=s.title, publisher=s.publisher,
               published=s.published)
        for n, s in enumerate(sources, start=1)
    )  # fmt: skip
    if _filler is not None:  # registered by comments.tasks, its Celery entry point
        transaction.on_commit(lambda: _filler.delay(comment.pk))
    return rows


_filler = None


def register_filler(task) -> None:
    """The task that runs `fill` for a comment (comments.tasks registers it at import)."""
    global _filler
    _filler = task


def _state(source: Source) -> checking.CheckState:
    return checking.CheckState(
        status=source.status,
        checked_at=source.checked_at,
        last_ok_at=source.last_ok_at,
        failures=source.failures,
        first_failed_at=source.first_failed_at,
        last_failed_at=source.last_failed_at,
    )


def check(source: Source, *, now=None, read_page: bool = True) -> Source:
    """Fetch the source once and store what was found: its state, and the title, publisher
    and date the reader left out, from the page's own metadata."""
    now = now or timezone.now()
    fetched = fetch(source.url)
    before = _state(source)
    after = checking.next_state(before, fetched.outcome, now=now)
    for field in ("status", "checked_at", "last_ok_at", "failures"):
        setattr(source, field, getattr(after, field))
    source.first_failed_at, source.last_failed_at = after.first_failed_at, after.last_failed_at
    if read_page and fetched.is_ok and fetched.body:
        found = metadata.extract(fetched.body, charset=fetched.charset)
        source.title = source.title or found.title
        source.publisher = source.publisher or found.publisher
        source.published = source.published or found.published
    if checking.became_unreachable(before, after):
        source.archived_url = checking.archived_copy(source.url) or source.archived_url
    source.save()
    article_id = Comment.objects.filter(pk=source.comment_id).values_list("article_id", flat=True)
    pagecache.comments_changed(article_id.first(), listed=False)  # the page shows what was found
    return source


def fill(comment_id: int) -> int:
    """Check every unchecked source of a comment; how many were checked. Run twice, the
    second run finds nothing to do."""
    sources = list(Source.objects.filter(comment_id=comment_id, checked_at__isnull=True))
    for source in sources:
        check(source)
    return len(sources)


def recheck_due(now=None) -> int:
    """Check again the sources whose last check is a day old (never-checked ones too: a
    fill that never ran); a batch at a time, oldest first. How many were checked."""
    now = now or timezone.now()
    due = Source.objects.filter(checked_at__lt=now - RECHECK_AFTER) | Source.objects.filter(
        checked_at__isnull=True
    )
    batch = list(due.order_by("checked_at", "pk")[:RECHECK_BATCH])
    for source in batch:
        check(source, now=now, read_page=not (source.title and source.publisher))
    return len(batch)


@dataclass(frozen=True)
class ShownSource:
    position: int
    url: str
    title: str
    publisher: str
    published: date | None
    status: str
    checked_at: object
    unreachable_since: object
    archived_url: str


def shown_in(article_id: int, comment_ids: Iterable[int] | None = None) -> dict:
    """comment id -> its sources, for a page or the API: the sources of a discussion (few:
    most comments cite nothing), or of these comments of it. One query."""
    found: dict[int, list[ShownSource]] = {}
    fields = ("comment_id", "position", "url", "title", "publisher", "published", "status",
              "checked_at", "first_failed_at", "archived_url")  # fmt: skip
    rows = Source.objects.filter(comment__article_id=article_id)
    if comment_ids is not None:
        rows = rows.filter(comment_id__in=list(comment_ids))
    rows = rows.order_by("comment_id", "position")
    for row in rows.values(*fields):
        unreachable = row["status"] == Source.Status.UNREACHABLE
        found.setdefault(row.pop("comment_id"), []).append(
            ShownSource(
                **{key: row[key] for key in fields[1:8]},
                unreachable_since=row["first_failed_at"] if unreachable else None,
                archived_url=row["archived_url"],
            )
        )
    return found
