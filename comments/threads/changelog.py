"""The article's public change log: the corrections its editors accepted after a reader's note,
each linked to the comment and, when the editor gave it, to the revision that made it."""

from dataclasses import dataclass
from datetime import datetime

from articles.models import Article
from comments.models import Comment, Resolution


def revision_path(article_url: str, number: int) -> str:
    """The page of revision `number` of the article at `article_url`.

    The address of `articles:revision`, built from the article's own (a page renders it per
    accepted correction, without reversing each time); test_corrections.py checks they
    agree."""
    return f"{article_url}revisions/{int(number)}/"


@dataclass(frozen=True)
class Entry:
    comment_id: int
    corrected_at: datetime
    note: str
    revision: int | None
    revision_url: str
    comment_is_public: bool  # the reader's note can still be read (link to it)


def entries_for(article: Article) -> list[Entry]:
    """The accepted corrections of `article`, oldest first: one query."""
    article_url = article.get_absolute_url()
    rows = (
        Resolution.objects.filter(
            state=Resolution.State.ACCEPTED,
            comment__article=article,
            comment__kind=Comment.Kind.CORRECTION,
        )
        .order_by("decided_at", "id")
        .values_list("comment_id", "decided_at", "note", "revision", "comment__status")
    )
    return [
        Entry(
            comment_id=comment_id,
            corrected_at=decided_at,
            note=note,
            revision=revision,
            revision_url=revision_path(article_url, revision) if revision else "",
            comment_is_public=status == Comment.Status.APPROVED,
        )
        for comment_id, decided_at, note, revision, status in rows
    ]
