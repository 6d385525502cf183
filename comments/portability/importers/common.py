"""What every importer shares: source ids made repeatable, threads stored level by level with
the site's depth limit, and a summary of what was created and skipped.

An importer reads its file as a stream and calls `store_thread` once per article with plain
dicts, so memory follows the largest discussion, not the file.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from articles.models import Article
from articles.text import carriable_values
from comments.models import Comment, ImportedRecord, ModerationSettings
from comments.threads import placement
from comments.threads.rendering import sanitize_comment_html


class ImportFailed(Exception):
    """The file cannot be imported; the message says where (line) and why."""


@dataclass
class IncomingComment:
    source_id: str
    parent_source_id: str | None
    author_name: str
    author_email: str
    author_url: str
    ip_address: str | None
    created_at: datetime
    html: str
    status: str

    def __post_init__(self):
        # The site's rule for text from outside (articles.text), for every importer.
        for name in ("author_name", "author_email", "author_url", "ip_address", "html"):
            setattr(self, name, carriable_values(getattr(self, name)))


@dataclass
class Summary:
    created: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)

    def lines(self) -> list[str]:
        kinds = sorted(set(self.created) | set(self.skipped))
        return [
            f"  {kind:<28} created {self.created[kind]:>6}   skipped {self.skipped[kind]:>6}"
            for kind in kinds
        ]


class Records:
    """Source ids already imported, so a second run creates nothing new."""

    def __init__(self, source: str):
        self.source = source

    def known(self, kind: str, source_ids: list[str]) -> dict[str, int]:
        return dict(
            ImportedRecord.objects.filter(
                source=self.source, kind=kind, source_id__in=source_ids
            ).values_list("source_id", "object_id")
        )

    def remember(self, kind: str, pairs: list[tuple[str, int]]) -> None:
        ImportedRecord.objects.bulk_create(
            [
                ImportedRecord(source=self.source, kind=kind, source_id=sid, object_id=oid)
                for sid, oid in pairs
            ],
            batch_size=1000,
        )


def _ip(value: str | None) -> str | None:
    import ipaddress

    try:
        return str(ipaddress.ip_address((value or "").strip())) if value else None
    except ValueError:
        return None


def _imported_parent(comment: Comment) -> Comment | None:
    """The parent of a comment stored by this import, without a query."""
    return getattr(comment, "_import_parent", None) or comment.parent


def store_thread(
    article: Article, incoming: list[IncomingComment], records: Records, summary: Summary
) -> int:
    """Store one article's comments with their parents. Replies deeper than the site's limit
    are attached at the deepest level; a reply whose parent is missing becomes top-level."""
    known = records.known("comment", [c.source_id for c in incoming])
    already = sum(c.source_id in known for c in incoming)
    if already:
        summary.skipped["comments (already imported)"] += already
    fresh = [c for c in incoming if c.source_id not in known]
    if not fresh:
        return 0
    by_id = {c.source_id: c for c in fresh}
    max_depth = ModerationSettings.current().max_depth
    depth: dict[str, int] = {}

    def depth_of(c: IncomingComment, seen=()) -> int:
        if c.source_id in depth:
            return depth[c.source_id]
        parent = by_id.get(c.parent_source_id) if c.parent_source_id else None
        value = (
            0
            if parent is None or parent.source_id in seen
            else depth_of(parent, (*seen, c.source_id)) + 1
        )
        depth[c.source_id] = value
        return value

    for c in fresh:
        depth_of(c)
    earlier = Comment.objects.in_bulk(list(known.values()))
    stored: dict[str, Comment] = {sid: earlier[oid] for sid, oid in known.items() if oid in earlier}
    made = 0
    for level in range(max(depth.values(), default=0) + 1):
        batch = [c for c in fresh if depth[c.source_id] == level]
        rows = []
        for c in sorted(batch, key=lambda c: c.created_at or timezone.now()):
            spot = placement.place(
                stored.get(c.parent_source_id) if c.parent_source_id else None,
                max_depth=max_depth,
                parent_of=_imported_parent,
            )
            row = Comment(
                article=article,
                parent=spot.parent,
                root_id=spot.root_id,
                depth=spot.depth,
                author_name=(c.author_name or "Anonymous")[:100],
                author_email=(c.author_email or "").strip()[:254],
                author_url=(c.author_url or "").strip()[:300],
                ip_address=_ip(c.ip_address),
                body=c.html,
                body_html=sanitize_comment_html(c.html),
                status=c.status,
                status_reason="imported",
                created_at=c.created_at or timezone.now(),
            )
            row._import_parent = spot.parent
            rows.append((c.source_id, row))
        Comment.objects.bulk_create([row for _, row in rows], batch_size=1000)
        for sid, row in rows:
            stored[sid] = row
        # A reply to a comment from an earlier import took its parent's root above.
        placement.root_new_threads(row for _, row in rows)
        records.remember("comment", [(sid, row.pk) for sid, row in rows])
        made += len(rows)
    summary.created["comments"] += made
    return made
