import pytest
from django.conf import settings
from django.db import connection

from articles.models import Article
from tests.factories import ArticleFactory, TopicFactory
from tests.services import unavailable

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def postgresql():
    if not settings.DATABASE_URL.startswith(("postgres://", "postgresql://")):
        unavailable("DATABASE_URL does not point at PostgreSQL (CI sets it)")


def test_the_suite_runs_on_postgresql(postgresql):
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("select version()")
        assert cursor.fetchone()[0].startswith("PostgreSQL")


def test_related_articles_query_runs_on_postgresql(postgresql):
    topic = TopicFactory(name="Energy")
    article = ArticleFactory(topics=[topic])
    other = ArticleFactory(topics=[topic])

    from articles.queries import related_articles

    assert related_articles(article) == [other]
    assert Article.objects.published().count() == 2
