from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article
from articles.services import save_article
from tests.factories import ArticleFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_home_lists_published_articles_newest_first(client):
    older = ArticleFactory(title="Older piece", published_at=timezone.now() - timedelta(days=5))
    newer = ArticleFactory(title="Newer piece", published_at=timezone.now() - timedelta(days=1))
    ArticleFactory(title="Secret draft", status=Article.Status.DRAFT, published_at=None)
    ArticleFactory(
        title="Tomorrow's piece",
        status=Article.Status.SCHEDULED,
        published_at=timezone.now() + timedelta(days=1),
    )

    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert html.index(newer.title) < html.index(older.title)
    assert "Secret draft" not in html
    assert "Tomorrow&#x27;s piece" not in html


def test_scheduled_article_appears_once_its_time_has_come(client):
    article = ArticleFactory(
        status=Article.Status.SCHEDULED, published_at=timezone.now() - timedelta(minutes=1)
    )
    assert client.get(article.get_absolute_url()).status_code == 200


def test_home_filters_by_topic(client):
    energy = TopicFactory(name="Energy")
    ArticleFactory(title="Grid piece", topics=[energy])
    ArticleFactory(title="Chip piece")

    html = client.get("/", {"topic": "energy"}).content.decode()

    assert "Grid piece" in html
    assert "Chip piece" not in html


def test_home_paginates(client, settings):
    settings.ARTICLES_PER_PAGE = 2
    ArticleFactory.create_batch(5)

    first = client.get("/")
    third = client.get("/", {"page": 3})

    assert first.context["page"].paginator.num_pages == 3
    assert 'rel="next"' in first.content.decode()
    assert len(third.context["page"].object_list) == 1


@pytest.mark.parametrize(
    "path",
    [
        "/articles/no-such-article/",
        "/?page=999",
        "/?page=abc",
        "/?page=0",
        "/?page=-1",
        "/?page=1.5",
        "/?topic=no-such-topic",
        "/topics/no-such-topic/",
        "/topics/energy/?page=2",
        "/no/such/page/",
    ],
)
def test_bad_addresses_get_the_sites_own_404(client, path):
    TopicFactory(name="Energy")
    ArticleFactory()

    response = client.get(path)

    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert "Skip to content" in html  # the site's layout, not Django's plain page


def test_a_disallowed_host_gets_the_sites_own_400(client):
    response = client.get("/", HTTP_HOST="attacker.example")

    assert response.status_code == 400
    assert "Bad request" in response.content.decode()


def test_writing_to_a_read_only_page_is_refused(client, article):
    assert client.post(article.get_absolute_url()).status_code == 405


def test_draft_is_404_for_anonymous_and_ordinary_readers(client, reader):
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)

    assert client.get(draft.get_absolute_url()).status_code == 404
    client.force_login(reader)
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_staff_preview_a_draft_with_a_banner(client, editor):
    draft = ArticleFactory(title="Work in progress", status=Article.Status.DRAFT, published_at=None)
    client.force_login(editor)

    response = client.get(draft.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert "Preview." in html
    assert '<meta name="robots" content="noindex">' in html


def test_article_page_shows_the_long_form_layout(client):
    energy, markets = TopicFactory(name="Energy"), TopicFactory(name="Markets")
    author = UserFactory(first_name="Amira", last_name="Haddad")
    article = ArticleFactory(
        title="Grid before gigawatts",
        standfirst="Transmission is the bottleneck.",
        topics=[energy, markets],
        authors=[author],
        hero_caption="Illustration: lines converging",
        hero_alt="Abstract converging lines",
    )
    related = ArticleFactory(title="Storage and the grid", topics=[energy])
    ArticleFactory(title="Unrelated piece")

    response = client.get(article.get_absolute_url())

    html = response.content.decode()
    assert "<h1" in html and "Grid before gigawatts</h1>" in html
    assert "Transmission is the bottleneck." in html
    assert "Amira Haddad" in html
    assert 'aria-labelledby="toc-heading"' in html
    assert '<a href="#the-argument">The argument</a>' in html
    assert "min read" in html
    assert "Share your thoughts below." in html
    assert list(response.context["related"]) == [related]
    assert "Unrelated piece" not in html


def test_revised_article_shows_when_it_was_updated(client, article):
    assert "Updated" not in client.get(article.get_absolute_url()).content.decode()

    article.body += "\nA correction.\n"
    save_article(article=article, editor=None)

    assert "Updated" in client.get(article.get_absolute_url()).content.decode()


def test_related_articles_prefer_more_shared_topics(client):
    a, b, c = TopicFactory(name="A"), TopicFactory(name="B"), TopicFactory(name="C")
    article = ArticleFactory(topics=[a, b, c])
    one_shared = ArticleFactory(topics=[a], published_at=timezone.now() - timedelta(hours=1))
    two_shared = ArticleFactory(topics=[a, b], published_at=timezone.now() - timedelta(days=9))

    related = client.get(article.get_absolute_url()).context["related"]

    assert related == [two_shared, one_shared]


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ("open", "Leave a Reply"),
        ("signed_in", "You must be logged in to post a comment."),
        ("closed", "Comments are closed."),
    ],
)
def test_article_page_states_its_comment_policy(client, policy, expected):
    article = ArticleFactory(comment_policy=policy)
    assert expected in client.get(article.get_absolute_url()).content.decode()


def test_topic_pages_list_topics_and_their_articles(client):
    energy = TopicFactory(name="Energy")
    ArticleFactory(title="Grid piece", topics=[energy])
    TopicFactory(name="Unused")

    topics_html = client.get("/topics/").content.decode()
    topic_html = client.get(energy.get_absolute_url()).content.decode()

    assert "Energy" in topics_html and "Unused" not in topics_html
    assert "Grid piece" in topic_html


def test_home_page_query_count_does_not_grow_with_articles(client, django_assert_max_num_queries):
    topics = TopicFactory.create_batch(3)
    for _ in range(10):
        ArticleFactory(topics=topics, authors=UserFactory.create_batch(2))

    # count, page of articles, their authors, their topics, topic filter list
    with django_assert_max_num_queries(5):
        assert client.get("/").status_code == 200


def test_article_page_query_count_is_fixed(client, django_assert_max_num_queries):
    topics = TopicFactory.create_batch(3)
    article = ArticleFactory(topics=topics, authors=UserFactory.create_batch(3))
    ArticleFactory.create_batch(6, topics=topics)

    # article, its authors, its topics, related articles, comment structure, comment content,
    # moderation settings (cached after the first request)
    # and the anchors of the comments on passages
    with django_assert_max_num_queries(8):
        assert client.get(article.get_absolute_url()).status_code == 200
