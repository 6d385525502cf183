"""The write side of articles: what an editor (or an importer) does to one."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from articles import signals
from articles.models import Article, ArticleRevision
from config import pagecache


def save_article(
    *, article: Article, editor: AbstractBaseUser | None, note: str = ""
) -> ArticleRevision | None:
    """Save `article` and record the text readers get as a revision when it is new to them.

    Returns the revision made (or brought up to date), None when the save left the public
    text alone. The rule, in one place for the admin, the importer and the demo loader:

    - a draft makes no revision: nobody outside the newsroom reads it (and a scheduled
      article taken back to draft before its time loses the revision nobody saw);
    - the first save as scheduled or published makes revision 1, dated `published_at`;
      until that moment passes, saves rewrite revision 1, since no reader has seen it yet;
    - once a revision is public, a save that changes the title, standfirst or body (or the
      body's format) makes the next one, by `editor` with `note`, and sets `updated_at`;
      a save that changes anything else makes none.
    """
    with transaction.atomic():
        if article.pk is not None:
            # Lock the row first, so two editors saving at once get revisions N+1 and N+2
            # rather than an IntegrityError; and take the counters from it, since the
            # instance may predate another editor's save (an admin form open for an hour).
            counters = (
                Article.objects.select_for_update()
                .filter(pk=article.pk)
                .values_list("revision", "updated_at")
                .first()
            )
            if counters is not None:
                article.revision, article.updated_at = counters
        article.save()
        pagecache.site_changed()
        return _record_revision(article, editor=editor, note=note)


def _record_revision(
    article: Article, *, editor: AbstractBaseUser | None, note: str
) -> ArticleRevision | None:
    now = timezone.now()
    if article.status == Article.Status.DRAFT or article.published_at is None:
        _withdraw_unseen(article, now)
        return None
    latest = article.revisions.order_by("-number").first()
    if latest is None or latest.published_at <= now:
        if latest is not None and latest.has_text_of(article):
            return None
        revision = ArticleRevision(article=article, number=latest.number + 1 if latest else 1)
    else:
        revision = latest  # not public yet: still the text readers will first see
    published_at = article.published_at if revision.number == 1 else max(now, article.published_at)
    unchanged = revision.pk and revision.has_text_of(article)
    if unchanged and revision.published_at == published_at and not note:
        return None
    revision.published_at = published_at
    revision.set_text(article)
    revision.editor = editor
    revision.note = note or revision.note
    revision.save()
    changes = {"revision": revision.number}
    if revision.number > 1:
        changes["updated_at"] = revision.published_at
    _set(article, **changes)
    signals.revision_recorded.send(sender=Article, article=article, revision=revision)
    return revision


def _withdraw_unseen(article: Article, now) -> None:
    """Drop the revisions of `article` that no reader has seen: dated after `now`."""
    deleted, _ = article.revisions.filter(published_at__gt=now).delete()
    if not deleted:
        return
    latest = article.revisions.order_by("-number").first()
    _set(
        article,
        revision=latest.number if latest else 0,
        updated_at=latest.published_at if latest and latest.number > 1 else None,
    )


def _set(article: Article, **changes) -> None:
    Article.objects.filter(pk=article.pk).update(**changes)
    for name, value in changes.items():
        setattr(article, name, value)
