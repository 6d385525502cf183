"""The site-wide list of latest comments, `/comments/latest/`, and its feeds."""

from datetime import timedelta

import pytest
from defusedxml import ElementTree
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article
from comments.models import Comment, MutedReader
from comments.threads import placement
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

FEEDS = ["/comments/latest/feed/rss/", "/comments/latest/feed/atom/"]


def _many(count: int, articles: list[Article]) -> list[Comment]:
    """`count` approved comments spread over `articles`, one a minute, the newest first."""
    now = timezone.now()
    rows = Comment.objects.bulk_create(
        Comment(
            article=articles[i % len(articles)],
            author_name=f"Reader {i}",
            author_email=f"reader{i}@example.com",
            ip_address="203.0.113.7",
            user_agent="SecretBrowser/1.0",
            body=f"Point number {i}.",
            body_html=f"<p>Point number {i}.</p>",
            status=Comment.Status.APPROVED,
            created_at=now - timedelta(minutes=i + 1),
        )
        for i in range(count)
    )
    placement.root_new_threads(rows)
    return rows


def test_lists_approved_comments_of_published_articles_newest_first(client):
    live = ArticleFactory(title="Live analysis")
    draft = ArticleFactory(title="Hidden draft", status=Article.Status.DRAFT, published_at=None)
    later = ArticleFactory(title="Not yet", published_at=timezone.now() + timedelta(days=1))
    older = CommentFactory(
        article=live, body="Older point", created_at=timezone.now() - timedelta(hours=2)
    )
    newer = CommentFactory(parent=older, body="Newer point")
    for status in ("pending", "spam", "rejected", "removed", "deleted"):
        CommentFactory(article=live, body=f"A {status} comment", status=status)
    CommentFactory(article=draft, body="On a draft")
    CommentFactory(article=later, body="On a scheduled article")

    response = client.get("/comments/latest/")

    assert response.status_code == 200
    assert [c.pk for c in response.context["page"].object_list] == [newer.pk, older.pk]
    html = response.content.decode()
    assert html.index("Newer point") < html.index("Older point")
    for status in ("pending", "spam", "rejected", "removed", "deleted"):
        assert f"A {status} comment" not in html
    for hidden in ("On a draft", "On a scheduled article", "Hidden draft", "Not yet"):
        assert hidden not in html
    assert f'href="/comments/{newer.pk}/"' in html and f'href="/comments/{older.pk}/"' in html
    assert f'<a href="{live.get_absolute_url()}">Live analysis</a>' in html


def test_a_permalink_from_the_list_leads_into_the_thread(client):
    comment = CommentFactory(body="Find me")
    html = client.get("/comments/latest/").content.decode()
    assert f'href="{comment.get_absolute_url()}"' in html
    response = client.get(comment.get_absolute_url())
    assert response["Location"].endswith(
        f"{comment.article.get_absolute_url()}#comment-{comment.pk}"
    )


def test_no_email_ip_or_user_agent_is_shown_or_fed(client):
    _many(3, [ArticleFactory()])
    for path in ["/comments/latest/", *FEEDS]:
        body = client.get(path).content.decode()
        assert "Point number 2." in body
        assert "@example.com" not in body
        assert "203.0.113.7" not in body
        assert "SecretBrowser" not in body


def test_the_page_does_not_read_email_ip_or_user_agent():
    _many(2, [ArticleFactory()])
    with CaptureQueriesContext(connection) as queries:
        Client().get("/comments/latest/")
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    for column in ("author_email", "ip_address", "user_agent"):
        assert column not in sql


def test_paginates_thirty_a_page(client):
    _many(31, [ArticleFactory()])

    first = client.get("/comments/latest/")
    second = client.get("/comments/latest/?page=2")

    assert len(first.context["page"].object_list) == 30
    assert [c.author_name for c in second.context["page"].object_list] == ["Reader 30"]
    assert 'rel="next" href="?page=2"' in first.content.decode()
    assert "Page 2 of 2" in second.content.decode()


@pytest.mark.parametrize("page", ["3", "0", "-1", "abc", "1.5", "99999999999999999999", "%00"])
def test_bad_page_numbers_get_the_sites_own_404(client, page):
    _many(31, [ArticleFactory()])
    response = client.get(f"/comments/latest/?page={page}")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert "Skip to content" in response.content.decode()


def test_an_empty_site_says_so(client):
    response = client.get("/comments/latest/")
    assert response.status_code == 200
    assert "No comments yet." in response.content.decode()


@pytest.mark.parametrize("count", [10, 200])
def test_the_page_and_feeds_take_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, count
):
    _many(count, ArticleFactory.create_batch(5))

    # the count, the page of comments with their articles
    with django_assert_max_num_queries(2):
        assert client.get("/comments/latest/").status_code == 200
    with django_assert_max_num_queries(2):
        assert client.get("/comments/latest/?page=2").status_code == (200 if count > 30 else 404)
    for path in FEEDS:
        # the comments with their articles
        with django_assert_max_num_queries(1):
            assert client.get(path).status_code == 200


@pytest.mark.parametrize(
    ("path", "content_type"),
    [(FEEDS[0], "application/rss+xml"), (FEEDS[1], "application/atom+xml")],
)
def test_feeds_carry_the_latest_comments_with_their_articles(client, path, content_type):
    article = ArticleFactory(title="Live analysis")
    comment = CommentFactory(article=article, author_name="Ann", body="Public point")
    CommentFactory(article=article, body="Held point", status=Comment.Status.PENDING)

    response = client.get(path)

    assert response["Content-Type"].startswith(content_type)
    body = response.content.decode()
    assert "Public point" in body and "Held point" not in body
    assert "Ann on Live analysis" in body
    assert f"/comments/{comment.pk}/" in body
    assert "/comments/latest/" in body


def test_feeds_survive_characters_xml_cannot_carry(client):
    # A row stored before the text rule: the feed drops what XML cannot hold.
    Comment.objects.filter(pk=CommentFactory().pk).update(
        author_name="Bad\x0bName", body_html="<p>Bad\x1bbody</p>"
    )
    for path in FEEDS:
        response = client.get(path)
        assert response.status_code == 200
        ElementTree.fromstring(response.content)  # well-formed
        assert "BadName" in response.content.decode()


def test_every_page_links_to_the_latest_comments_and_advertises_its_feeds(client):
    html = client.get("/").content.decode()
    assert '<a href="/comments/latest/">Comments</a>' in html
    assert 'rel="alternate" type="application/rss+xml"' in html
    assert 'href="/comments/latest/feed/rss/"' in html
    assert 'href="/comments/latest/feed/atom/"' in html


def test_a_reader_who_muted_an_account_sees_its_comments_folded_here_too(
    client, django_assert_max_num_queries
):
    reader, loud = UserFactory(), UserFactory()
    MutedReader.objects.create(reader=reader, muted=loud)
    CommentFactory(user=loud, body="Shouting again")
    CommentFactory(body="A calm point")
    client.force_login(reader)
    # session, user, the reader's mutes, the count, the page
    with django_assert_max_num_queries(5):
        html = client.get("/comments/latest/").content.decode()
    folded = html.split('<details class="comment__muted">')
    assert len(folded) == 2 and "Shouting again" in folded[1].split("</details>")[0]
    assert "A calm point" not in folded[1]
    others = Client().get("/comments/latest/").content.decode()
    assert "comment__muted" not in others and "Shouting again" in others
