import pytest

from articles.models import Article
from tests.factories import ArticleFactory, TopicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles():
    live = ArticleFactory(title="Live analysis", topics=[TopicFactory(name="Energy")])
    draft = ArticleFactory(title="Hidden draft", status=Article.Status.DRAFT, published_at=None)
    return live, draft


@pytest.mark.parametrize(
    ("path", "content_type", "marker"),
    [
        ("/feeds/rss/", "application/rss+xml", "<rss"),
        ("/feeds/atom/", "application/atom+xml", 'xmlns="http://www.w3.org/2005/Atom"'),
    ],
)
def test_feeds_carry_published_articles_only(client, articles, path, content_type, marker):
    response = client.get(path)

    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    body = response.content.decode()
    assert marker in body
    assert "Live analysis" in body
    assert "Energy" in body
    assert "Hidden draft" not in body


def test_sitemap_lists_published_articles_and_topics(client, articles):
    live, draft = articles
    body = client.get("/sitemap.xml").content.decode()

    assert live.get_absolute_url() in body
    assert "/topics/energy/" in body
    assert draft.get_absolute_url() not in body


def test_feed_query_count_is_fixed(client, django_assert_max_num_queries):
    for _ in range(8):
        ArticleFactory(topics=TopicFactory.create_batch(2))
    # articles, their authors, their topics
    with django_assert_max_num_queries(3):
        client.get("/feeds/rss/")
