import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Max, Min
from django.utils import timezone

from articles.models import Article
from comments.models import Comment
from comments.threads.queries import discussion_for
from comments.threads.readers import Reader
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def test_seed_discussion_makes_realistic_threads(article):
    out = io.StringIO()
    call_command("seed_discussion", article.slug, comments=500, stdout=out)

    comments = Comment.objects.filter(article=article)
    depths = dict(comments.values_list("depth").annotate(n=Count("id")))
    assert comments.count() == 500
    assert "Added 500 comments" in out.getvalue()
    assert set(depths) == {0, 1, 2, 3, 4}
    assert depths[0] > depths[4]
    assert comments.filter(user__isnull=False).exists()
    assert comments.filter(user__isnull=True).exists()
    assert not comments.exclude(status=Comment.Status.APPROVED).exists()
    assert not comments.filter(root__isnull=True).exists()
    # every reply sits in its parent's thread, one level deeper
    for reply in comments.exclude(parent=None).select_related("parent")[:100]:
        assert (reply.root_id, reply.depth) == (reply.parent.root_id, reply.parent.depth + 1)
        assert reply.created_at > reply.parent.created_at
    shown = discussion_for(article, Reader(user=None, browser="x"), page=None)
    assert shown.approved_count == 500


def _assert_dated_between(comments, earliest, latest) -> None:
    """Every timestamp a seeded comment carries lies in [earliest, latest]."""
    assert comments.exists()
    span = comments.aggregate(
        first=Min("created_at"), last=Max("created_at"), last_update=Max("updated_at")
    )
    assert span["first"] >= earliest, f"a comment predates {earliest}: {span['first']}"
    assert span["last"] <= latest, f"a comment is dated after {latest}: {span['last']}"
    assert span["last_update"] <= latest
    assert not comments.filter(edited_at__isnull=False).exists()


@pytest.mark.parametrize(
    ("count", "published_ago"),
    [(1, timedelta(days=30)), (40, timedelta(days=2)), (2000, timedelta(days=1)), (300, None)],
)
def test_seeded_comments_are_dated_after_publication_and_before_now(count, published_ago):
    published_at = timezone.now() - published_ago if published_ago else None
    status = Article.Status.PUBLISHED if published_at else Article.Status.DRAFT
    article = ArticleFactory(published_at=published_at, status=status)

    call_command("seed_discussion", article.slug, comments=count, stdout=io.StringIO())

    _assert_dated_between(
        Comment.objects.filter(article=article),
        earliest=published_at or timezone.now() - timedelta(days=2),
        latest=timezone.now(),
    )


def test_demo_discussion_is_dated_between_publication_and_now(settings):
    settings.DEBUG = True
    call_command("load_demo", stdout=io.StringIO())

    discussed = Article.objects.filter(comments__isnull=False).distinct().get()
    _assert_dated_between(
        discussed.comments.all(), earliest=discussed.published_at, latest=timezone.now()
    )


def test_seed_discussion_names_a_missing_article():
    with pytest.raises(CommandError, match="No article"):
        call_command("seed_discussion", "nope", comments=5)


@pytest.mark.django_db(transaction=True)  # the fan-out's mail leaves on commit
def test_the_benchmarks_print_their_tables(settings):
    from tests.benchmarks.__main__ import run

    lines = []
    run(sizes=[20], runs=1, subscribers=30, imports=False, write=lines.append)
    table = "\n".join(lines)
    assert "Fan-out of one approval to 30 subscribers" in table
    assert "30 mails received, 30 rows sent, 0 duplicates." in table
    assert "page/floor" in table
    assert "whole" in table and "first" in table and "post" in table
    assert "request log line and counters" in table and "/readyz median" in table
    assert not Comment.objects.filter(article__slug__startswith="bench-discussion").exists()
