"""Import a Disqus export: its threads are matched to articles, its posts become comments.

Disqus writes every <thread> and then every <post> (a post names its thread and its parent
by `dsq:id`), so the file is read as a stream and the posts are kept, grouped per thread, as
plain values until the end; only then are they stored, one article at a time, through
`store_thread`. A thread is matched to an article by a URL pattern with `{slug}` in it, or by a
mapping from the thread's identifier or link to an article's slug. Posts whose thread matches
no article, or is not in the file at all, are counted and named in the summary.

Nothing is downloaded: a message's links and images stay links.
"""

import re
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit
from xml.parsers.expat import ErrorString

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from django.db import transaction
from django.utils import timezone

from articles.models import Article
from comments.portability.importers.common import (
    ImportFailed,
    IncomingComment,
    Records,
    Summary,
    store_thread,
)

DSQ = "{http://disqus.com/disqus-internals}"
PROGRESS_EVERY = 100
# How many unmatched threads the summary names one by one; the rest are counted together.
NAMED_THREADS = 20


@dataclass
class _Thread:
    dsq_id: str
    identifier: str
    link: str
    title: str
    forum: str


def _local(tag: str) -> str:
    """'{http://disqus.com}post' -> 'post'."""
    return tag.rpartition("}")[2]


def _text(element, name: str) -> str:
    for child in element:
        if _local(child.tag) == name:
            return (child.text or "").strip()
    return ""


def _child(element, name: str):
    for child in element:
        if _local(child.tag) == name:
            return child
    return None


def _dsq_id(element) -> str:
    if element is None:
        return ""
    return (element.get(f"{DSQ}id") or "").strip()


def _flag(value: str) -> bool:
    return value.strip().lower() in {"true", "1"}


def _when(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=UTC)


def url_pattern(pattern: str) -> re.Pattern:
    """`https://example.com/articles/{slug}/` as a regex over a link's scheme-less address.

    http and https are the same page, and so are an address with and without its trailing
    slash; a query string or fragment is ignored (see `_address`).
    """
    if pattern.count("{slug}") != 1:
        raise ImportFailed(f"--map-url needs {{slug}} exactly once: {pattern!r}")
    before, after = _address(pattern.replace("{slug}", "\0")).split("\0")
    return re.compile(
        rf"{re.escape(before)}(?P<slug>[-\w]+){re.escape(after.rstrip('/'))}/?", re.IGNORECASE
    )


def _address(link: str) -> str:
    """A link without its scheme, query and fragment: 'example.com/articles/x/'."""
    parts = urlsplit(link.strip())
    return f"{parts.netloc}{parts.path}" if parts.netloc else parts.path


def _post(element, summary: Summary) -> tuple[str, IncomingComment] | None:
    source_id = _dsq_id(element)
    thread_id = _dsq_id(_child(element, "thread"))
    if not source_id:
        summary.skipped["posts without a dsq:id"] += 1
        return None
    if not thread_id:
        summary.skipped["posts without a thread"] += 1
        return None
    created = _when(_text(element, "createdAt"))
    if created is None:
        # Kept, with the time of the import, rather than lost; the summary says how many.
        summary.skipped["post dates (unreadable)"] += 1
        created = timezone.now()
    author = _child(element, "author")
    if _flag(_text(element, "isSpam")):
        status = "spam"
    elif _flag(_text(element, "isDeleted")):
        status = "deleted"
    else:
        status = "approved"
    parent_id = _dsq_id(_child(element, "parent"))
    message = _child(element, "message")
    return thread_id, IncomingComment(
        source_id=source_id,
        parent_source_id=parent_id or None,
        author_name=_text(author, "name") if author is not None else "",
        author_email=_text(author, "email") if author is not None else "",
        author_url="",
        ip_address=_text(element, "ipAddress") or None,
        created_at=created,
        html=(message.text or "").strip() if message is not None else "",
        status=status,
    )


class _Reader:
    """One pass over the file: the threads by dsq:id and the posts grouped per thread."""

    def __init__(self, path, summary: Summary, out):
        self.path, self.summary, self.out = path, summary, out
        self.threads: dict[str, _Thread] = {}
        self.posts: dict[str, list[IncomingComment]] = defaultdict(list)
        self.seen: set[str] = set()
        self.count = 0

    def read(self) -> None:
        depth = 0
        root = None
        # The export comes from elsewhere. Expat (2.4+) caps entity expansion and ElementTree
        # never fetches an external entity, so nothing is downloaded or blown up.
        events = iterparse(self.path, events=("start", "end"))
        try:
            for event, element in events:
                if event == "start":
                    root = element if root is None else root
                    depth += 1
                    continue
                depth -= 1
                if depth != 1:  # only <disqus>'s own children: a post's <thread> is a reference
                    continue
                name = _local(element.tag)
                if name == "thread":
                    self._thread(element)
                elif name == "post":
                    self._post(element)
                root.clear()  # what was read is not kept
        except ET.ParseError as error:
            line, column = error.position
            raise ImportFailed(
                f"{self.path}: not well-formed XML at line {line}, column {column + 1}: "
                f"{ErrorString(error.code)}"
            ) from None
        except DefusedXmlException as error:
            raise ImportFailed(f"{self.path}: refused, unsafe XML ({error})") from None

    def _thread(self, element) -> None:
        dsq_id = _dsq_id(element)
        if not dsq_id:
            self.summary.skipped["threads without a dsq:id"] += 1
            return
        self.threads.setdefault(
            dsq_id,
            _Thread(
                dsq_id=dsq_id,
                identifier=_text(element, "id"),
                link=_text(element, "link"),
                title=_text(element, "title"),
                forum=_text(element, "forum"),
            ),
        )

    def _post(self, element) -> None:
        self.count += 1
        if self.out is not None and self.count % PROGRESS_EVERY == 0:
            self.out.write(f"  {self.count} posts read\n")
        read = _post(element, self.summary)
        if read is None:
            return
        thread_id, comment = read
        if comment.source_id in self.seen:
            self.summary.skipped["posts (id twice in the file)"] += 1
            return
        self.seen.add(comment.source_id)
        self.posts[thread_id].append(comment)


class _Matcher:
    """Which article a thread's comments belong to."""

    def __init__(self, map_url: str | None, mapping: dict[str, str] | None):
        if not map_url and not mapping:
            raise ImportFailed("Say how threads match articles: a URL pattern or a mapping.")
        self.pattern = url_pattern(map_url) if map_url else None
        self.mapping = {
            key.strip(): slug.strip() for key, slug in (mapping or {}).items() if key.strip()
        }

    def slug_for(self, thread: _Thread) -> str | None:
        for key in (thread.identifier, thread.link):
            if key and key in self.mapping:
                return self.mapping[key]
        if self.pattern is not None and thread.link:
            found = self.pattern.fullmatch(_address(thread.link))
            if found:
                return found["slug"]
        return None


def _label(thread: _Thread) -> str:
    return thread.link or thread.identifier or f"dsq:id {thread.dsq_id}"


def import_disqus(
    path, *, map_url: str | None, mapping: dict[str, str] | None, dry_run: bool, out
) -> Summary:
    """Import the Disqus export at `path`; `out` (a text stream, or None) gets progress lines.

    All or nothing: a file that is not well-formed raises ImportFailed and keeps nothing, and
    `dry_run` reads, stores and counts, then rolls everything back.
    """
    summary = Summary()
    matcher = _Matcher(map_url, mapping)
    with transaction.atomic():
        reader = _Reader(path, summary, out)
        try:
            reader.read()
        except OSError as error:
            raise ImportFailed(f"{path}: {error.strerror or error}") from None
        first = next(iter(reader.threads.values()), None)
        records = Records(f"disqus:{(first.forum if first else '') or 'disqus'}")

        slugs = {tid: matcher.slug_for(thread) for tid, thread in reader.threads.items()}
        articles = Article.objects.in_bulk({s for s in slugs.values() if s}, field_name="slug")
        per_article: dict[int, list[IncomingComment]] = defaultdict(list)
        unmatched: Counter = Counter()
        for thread_id, comments in reader.posts.items():
            thread = reader.threads.get(thread_id)
            if thread is None:
                summary.skipped["posts in missing threads"] += len(comments)
                unmatched[f"thread dsq:id {thread_id} (not in the file)"] += len(comments)
                continue
            slug = slugs[thread_id]
            article = articles.get(slug) if slug else None
            if article is None:
                summary.skipped["posts in unmatched threads"] += len(comments)
                why = f" (no article {slug!r})" if slug else ""
                unmatched[f"thread {_label(thread)}{why}"] += len(comments)
                continue
            per_article[article.pk].extend(comments)
        for name, posts in unmatched.most_common(NAMED_THREADS):
            summary.skipped[f"posts in {name}"] += posts
        if len(unmatched) > NAMED_THREADS:
            rest = unmatched.most_common()[NAMED_THREADS:]
            summary.skipped[f"posts in {len(rest)} more threads"] += sum(n for _, n in rest)
        summary.skipped["threads (no article)"] += sum(
            1 for tid in reader.threads if articles.get(slugs[tid] or "") is None
        )

        by_pk = {article.pk: article for article in articles.values()}
        total = sum(len(comments) for comments in per_article.values())
        done = 0
        for pk, comments in per_article.items():
            store_thread(by_pk[pk], comments, records, summary)
            before, done = done, done + len(comments)
            if out is not None and done // PROGRESS_EVERY > before // PROGRESS_EVERY:
                out.write(f"  {done}/{total} posts stored\n")
        if dry_run:
            transaction.set_rollback(True)
    return summary
