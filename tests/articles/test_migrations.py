"""articles/migrations/0004: articles published before revisions were kept get revision 1."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from articles.models import Article

BEFORE = [("articles", "0003_add_revisions")]
AFTER = [("articles", "0004_record_first_revisions")]


@pytest.fixture
def executor(transactional_db):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        yield executor
    finally:
        executor = MigrationExecutor(connection)  # back to the latest, for the other tests
        executor.migrate(executor.loader.graph.leaf_nodes())


def _migrate(executor, target):
    executor.loader.build_graph()
    executor.migrate(target)


def test_published_and_scheduled_articles_get_revision_1_drafts_none(executor):
    OldArticle = executor.loader.project_state(BEFORE).apps.get_model("articles", "Article")
    now = timezone.now()
    html = '<p id="p-1">Text &amp; more.</p><h2 id="s">Section<a class="headerlink">#</a></h2>'

    def old(slug, **fields):
        fields = {"title": slug, "standfirst": "S.", "body": "B.", "body_html": html} | fields
        return OldArticle.objects.create(slug=slug, **fields).pk

    published_at = now - timedelta(days=10)
    plain = old("plain", status="published", published_at=published_at)
    edited = old(
        "edited", status="published", published_at=published_at, updated_at=now - timedelta(1)
    )
    scheduled = old("scheduled", status="scheduled", published_at=now + timedelta(days=1))
    draft = old("draft", status="draft")

    _migrate(executor, AFTER)

    first = Article.objects.get(pk=plain).revisions.get()
    assert (first.number, first.published_at, first.note) == (1, published_at, "")
    assert first.body_html == html and first.plain_text == "Text & more.\n\nSection"
    later = Article.objects.get(pk=edited).revisions.get()
    assert later.published_at == now - timedelta(1) and "earlier versions were not" in later.note
    assert Article.objects.get(pk=scheduled).revisions.get().number == 1
    assert not Article.objects.get(pk=draft).revisions.exists()
    assert dict(Article.objects.values_list("pk", "revision")) == {
        plain: 1,
        edited: 1,
        scheduled: 1,
        draft: 0,
    }

    _migrate(executor, BEFORE)  # and back: no revisions, counters at 0

    apps = executor.loader.project_state(BEFORE).apps
    assert not apps.get_model("articles", "ArticleRevision").objects.exists()
    counters = apps.get_model("articles", "Article").objects.values_list("revision", flat=True)
    assert set(counters) == {0}
