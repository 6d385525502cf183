from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article
from tests.factories import ArticleFactory, CommentFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_lists_published_articles_with_counts_and_links(anonymous):
    energy = TopicFactory(name="Energy")
    live = ArticleFactory(
        title="Grid", topics=[energy], authors=[UserFactory(first_name="Jo", last_name="W")]
    )
    CommentFactory.create_batch(2, article=live)
    CommentFactory(article=live, status="pending")
    ArticleFactory(status=Article.Status.DRAFT, published_at=None)

    body = anonymous.get("/api/v1/articles/").json()

    assert [a["slug"] for a in body["results"]] == [live.slug]
    item = body["results"][0]
    assert item["comment_count"] == 2
    assert item["authors"] == ["Jo W"]
    assert item["topics"] == [{"name": "Energy", "slug": "energy"}]
    assert item["links"]["comments"].endswith(f"/api/v1/articles/{live.slug}/comments/")


def test_filters_by_topic_date_and_title(anonymous):
    energy = TopicFactory(name="Energy")
    ArticleFactory(
        title="Old grid story", topics=[energy], published_at=timezone.now() - timedelta(days=30)
    )
    recent = ArticleFactory(title="New grid story", topics=[energy])
    ArticleFactory(title="Chips", published_at=timezone.now() - timedelta(hours=2))
    since = (timezone.now() - timedelta(days=7)).isoformat()

    def slugs(**params):
        return [a["slug"] for a in anonymous.get("/api/v1/articles/", params).json()["results"]]

    assert slugs(topic="energy", published_after=since) == [recent.slug]
    lower_case = since.replace("+00:00", "z").replace("T", "t")  # RFC 3339 allows it
    assert slugs(topic="energy", published_after=lower_case) == [recent.slug]
    assert slugs(search="grid new") == [recent.slug]


def test_cursor_pagination_walks_every_article_once(anonymous):
    made = {ArticleFactory().slug for _ in range(7)}
    seen, url = [], "/api/v1/articles/?page_size=3"
    while url:
        page = anonymous.get(url).json()
        seen += [a["slug"] for a in page["results"]]
        url = page["next"]
    assert sorted(seen) == sorted(made)


def test_article_detail_has_the_rendered_body(anonymous, article):
    body = anonymous.get(f"/api/v1/articles/{article.slug}/").json()
    assert '<h2 id="the-argument">' in body["body_html"]
    assert body["comment_policy"] == "open"
    assert body["toc"][0]["id"] == "the-argument"


@pytest.mark.parametrize(
    "query",
    [
        "page_size=1000",
        "page_size=0",
        "page_size=-5",
        "page_size=abc",
        "page_size=%C2%B2",  # a digit to str.isdigit, not a number to int: was a 500
        "published_after=yesterday",
        "published_after=",
        "published_after=2026-01-31T12:00:00",  # no offset: which noon?
        "published_after=2026-02-31T12:00:00Z",
    ],
)
def test_bad_list_parameters_are_400_with_the_error_shape(anonymous, query):
    response = anonymous.get(f"/api/v1/articles/?{query}")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == 400 and error["code"] == "invalid" and error["fields"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/articles/nope/",
        "/api/v1/articles/nope/comments/",
        "/api/v1/nothing/",
        "/api/v1/articles/a%0Ab/comments/",  # a newline: was the site's HTML 404
    ],
)
def test_unknown_things_are_404_json(anonymous, path):
    response = anonymous.get(path)
    assert response.status_code == 404
    assert response.json() == {
        "error": {"status": 404, "code": "not_found", "message": "Not found."}
    }


def test_drafts_are_not_in_the_api(anonymous):
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    assert anonymous.get(f"/api/v1/articles/{draft.slug}/").status_code == 404
    assert anonymous.get(f"/api/v1/articles/{draft.slug}/comments/").status_code == 404


def test_list_query_count_is_fixed(anonymous, django_assert_max_num_queries):
    topics = TopicFactory.create_batch(2)
    for _ in range(15):
        ArticleFactory(topics=topics)
    # page of articles with counts, their authors, their topics
    with django_assert_max_num_queries(3):
        assert anonymous.get("/api/v1/articles/").status_code == 200


def test_schema_and_docs_are_served(anonymous):
    schema = anonymous.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert b"/api/v1/articles/{slug}/comments/" in schema.content
    assert anonymous.get("/api/v1/docs/").status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "published_after=0077-07-19T17:06:18%2B16:19",
        "search=%00",
        "topic=a%00b",
    ],
)
def test_inputs_a_database_would_refuse_are_400(anonymous, query):
    response = anonymous.get(f"/api/v1/articles/?{query}")
    assert response.status_code == 400


def test_the_docs_page_uses_the_sites_own_swagger_files(anonymous):
    html = anonymous.get("/api/v1/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()


def test_article_detail_query_count_is_fixed(anonymous, django_assert_max_num_queries):
    article = ArticleFactory(topics=TopicFactory.create_batch(3))
    CommentFactory.create_batch(4, article=article)
    # the article with its comment count, its authors, its topics
    with django_assert_max_num_queries(3):
        body = anonymous.get(f"/api/v1/articles/{article.slug}/").json()
    assert body["comment_count"] == 4
