"""Passages, stored: the anchor a reader's selection makes, the signed values the form carries
(the revision read, the passage chosen), and anchors placed again when the article changes.

Offsets count in a revision's `plain_text` (`articles.rendering.plain_text`): its blocks (a
paragraph, a heading...) joined by a blank line, each block carrying the id of its element,
which the article page shows; so a passage is found on the page by its block's id.
"""

from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass

from django.core import signing
from django.db import connection, transaction

from articles.models import Article, ArticleRevision
from articles.rendering import BLOCK_SEPARATOR, text_blocks
from comments.models import Anchor, Comment
from comments.passages import anchoring
from config import pagecache

_REVISION_SALT = "comments.passages.revision"
_ANCHOR_SALT = "comments.passages.anchor"
NOT_THIS_ARTICLE = "That form belongs to another article; please write your comment again here."
NO_REVISION = "The version of the article you read is not known; please reload the page."
NOT_A_PASSAGE = "That passage is not in the article as you read it; select it again."
ONE_PARAGRAPH = "Select words within one paragraph or heading of the article."


class PassageRefused(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Block:
    id: str
    start: int
    end: int


def blocks_of(revision: ArticleRevision) -> list[Block]:
    """The blocks of a revision's plain text, with their offsets in it."""
    found, at = [], 0
    for block in text_blocks(revision.body_html):
        found.append(Block(block.id, at, at + len(block.text)))
        at += len(block.text) + len(BLOCK_SEPARATOR)
    return found


def block_at(blocks: list[Block], offset: int) -> str:
    index = bisect_right([b.start for b in blocks], offset) - 1
    return blocks[index].id if index >= 0 else ""


# --- What the form carries ------------------------------------------------------------------


def revision_token(article: Article) -> str:
    """The signed revision a page shows, for its form: the comment will say it answered it."""
    return signing.dumps([article.pk, article.revision], salt=_REVISION_SALT, compress=True)


def revision_from(token: str, article: Article) -> int | None:
    """The revision a form says its reader read; None for an article without revisions or a
    form without one; PassageRefused for one not signed here, or of another article."""
    if not token:
        return article.revision or None
    try:
        article_id, number = signing.loads(token, salt=_REVISION_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        raise PassageRefused(NO_REVISION) from None
    if article_id != article.pk:
        raise PassageRefused(NOT_THIS_ARTICLE)
    return checked_revision(article, number)


def checked_revision(article: Article, number) -> int | None:
    if not article.revision:
        return None
    if not isinstance(number, int) or not 1 <= number <= article.revision:
        raise PassageRefused(NO_REVISION)
    return number


def anchor_token(article: Article, revision: int, start: int, end: int) -> str:
    return signing.dumps([article.pk, revision, start, end], salt=_ANCHOR_SALT, compress=True)


def passage_from(token: str, article: Article) -> tuple[int, int, int] | None:
    """(revision, start, end) of a signed passage; None without one."""
    if not token:
        return None
    try:
        article_id, revision, start, end = signing.loads(token, salt=_ANCHOR_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        raise PassageRefused(NOT_A_PASSAGE) from None
    if article_id != article.pk:
        raise PassageRefused(NOT_THIS_ARTICLE)
    return revision, start, end


def words_of(token: str, article: Article) -> str:
    """The words of a signed passage, for a form to show again; "" if there are none."""
    try:
        found = passage_from(token, article)
        if found is None:
            return ""
        number, start, end = found
        return _revision(article, number).plain_text[start:end]
    except PassageRefused:
        return ""


def _revision(article: Article, number: int) -> ArticleRevision:
    found = ArticleRevision.objects.filter(article=article, number=number).first()
    if found is None:
        raise PassageRefused(NO_REVISION)
    return found


def choose(article: Article, block_id: str, exact: str = "", near: int | None = None):
    """The passage a reader chose in the article as it is now: the whole block `block_id`
    (a "comment on this paragraph" link), or the words `exact` in it, the occurrence nearest
    `near` (characters from the block's start). Returns (anchor, signed token)."""
    if not article.revision:
        raise PassageRefused(NO_REVISION)
    revision = _revision(article, article.revision)
    block = next((b for b in blocks_of(revision) if b.id and b.id == block_id), None)
    if block is None:
        raise PassageRefused(ONE_PARAGRAPH)
    # A line break (<br>) is a space in words a browser says were selected; the same length.
    text = revision.plain_text[block.start : block.end].replace("\n", " ")
    words = " ".join(exact.split())
    if not words:
        start, end = block.start, block.end
    else:
        spots = []
        at = text.find(words)
        while at != -1:
            spots.append(at)
            at = text.find(words, at + 1)
        if not spots:
            raise PassageRefused(ONE_PARAGRAPH)
        best = min(spots, key=lambda spot: abs(spot - (near or 0)))
        start, end = block.start + best, block.start + best + len(words)
    anchor = anchoring.anchor_at(revision.plain_text, start, end)
    if refusal := anchoring.why_not_anchorable(revision.plain_text, anchor):
        raise PassageRefused(refusal)
    return anchor, anchor_token(article, revision.number, start, end)


# --- Storing and re-placing -----------------------------------------------------------------


@dataclass(frozen=True)
class Passage:
    """A passage checked against its revision, ready to be attached to a comment."""

    revision: ArticleRevision
    anchor: anchoring.Anchor


def checked_passage(article: Article, passage: tuple[int, int, int]) -> Passage:
    """The passage (revision, start, end) in the article's revision; PassageRefused if it
    is not a passage of it."""
    number, start, end = passage
    revision = _revision(article, number)
    if not (isinstance(start, int) and isinstance(end, int)) or not 0 <= start < end:
        raise PassageRefused(NOT_A_PASSAGE)
    anchor = anchoring.anchor_at(revision.plain_text, start, end)
    if anchoring.why_not_anchorable(revision.plain_text, anchor) or end > len(revision.plain_text):
        raise PassageRefused(NOT_A_PASSAGE)
    return Passage(revision, anchor)


def attach(comment: Comment, passage: Passage) -> Anchor:
    """The anchor of a new comment, placed in the article as it is now when the reader read
    an earlier revision."""
    article, revision, anchor = comment.article, passage.revision, passage.anchor
    row = Anchor(
        comment=comment, article=article, exact=anchor.exact, prefix=anchor.prefix,
        suffix=anchor.suffix, start=anchor.start, end=anchor.end, revision=revision.number,
        written_on=revision.number, block=block_at(blocks_of(revision), anchor.start),
    )  # fmt: skip
    if revision.number < article.revision:
        _place([row], revision, _revision(article, article.revision))
    row.save()
    return row


def _place(rows: list[Anchor], old: ArticleRevision, new: ArticleRevision) -> Counter:
    """Place `rows` (anchors in `old`) in `new`; an anchor not found keeps its place in `old`
    and is orphaned."""
    placed = anchoring.reanchor(
        old.plain_text,
        new.plain_text,
        [anchoring.Anchor(r.exact, r.prefix, r.suffix, r.start, r.end) for r in rows],
    )
    blocks = blocks_of(new)
    states: Counter = Counter()
    for row, spot in zip(rows, placed, strict=True):
        states[spot.state] += 1
        row.state = spot.state
        if spot.state != anchoring.ORPHANED:
            row.start, row.end, row.revision = spot.start, spot.end, new.number
            row.block = block_at(blocks, spot.start)
    return states


_PLACE_FIELDS = ("start", "end", "revision", "state", "block")


def _save_places(rows: list[Anchor]) -> None:
    """One UPDATE statement run for every row (executemany): ten thousand anchors are
    written in a fraction of the time bulk_update's CASE expressions take."""
    quote = connection.ops.quote_name
    table = quote(Anchor._meta.db_table)
    columns = ", ".join(f"{quote(name)} = %s" for name in _PLACE_FIELDS)
    values = [(*(getattr(row, name) for name in _PLACE_FIELDS), row.pk) for row in rows]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET {columns} WHERE {quote('id')} = %s",  # noqa: S608 - names quoted
            values,
        )


def reanchor_article(article_id: int) -> Counter:
    """Place every anchor of the article that counts in an earlier revision in the latest
    one (orphans included: a later revision may bring their words back). Run twice, the
    second run finds nothing new to do for those placed."""
    article = Article.objects.filter(pk=article_id).first()
    states: Counter = Counter()
    if article is None or not article.revision:
        return states
    latest = _revision(article, article.revision)
    stale = Anchor.objects.filter(article_id=article_id, revision__lt=latest.number)
    for number in sorted(set(stale.values_list("revision", flat=True))):
        rows = list(stale.filter(revision=number))
        states += _place(rows, _revision(article, number), latest)
        _save_places(rows)
    if states:
        pagecache.comments_changed(article_id, listed=False)
    return states
