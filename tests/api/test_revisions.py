"""An article's revisions over the API: `revision` on articles, the list and one revision."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article
from articles.services import save_article
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def revised(db):
    """A published article in two revisions, the second by a named editor with a note."""
    article = ArticleFactory(slug="revised", body="First *text*.")
    article = Article.objects.get(pk=article.pk)
    article.body = "Second *text*, longer."
    editor = UserFactory(first_name="Dana", last_name="Desk", email="dana@newsroom.example")
    save_article(article=article, editor=editor, note="Lengthened.")
    return article


def test_article_objects_carry_their_revision_number(anonymous, revised):
    ArticleFactory()
    listed = {a["slug"]: a for a in anonymous.get("/api/v1/articles/").json()["results"]}
    detail = anonymous.get("/api/v1/articles/revised/").json()

    assert listed["revised"]["revision"] == 2 and detail["revision"] == 2
    assert [a["revision"] for slug, a in listed.items() if slug != "revised"] == [1]
    assert detail["links"]["revisions"] == "http://testserver/api/v1/articles/revised/revisions/"


def test_the_list_gives_every_revision_oldest_first_without_addresses(anonymous, revised):
    response = anonymous.get("/api/v1/articles/revised/revisions/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    first, second = body["results"]
    assert set(first) == {"number", "published_at", "editor", "note", "links"}
    assert (first["number"], first["editor"], first["note"]) == (1, None, "")
    assert (second["number"], second["editor"], second["note"]) == (2, "Dana Desk", "Lengthened.")
    assert second["links"] == {
        "html": "http://testserver/articles/revised/revisions/2/",
        "self": "http://testserver/api/v1/articles/revised/revisions/2/",
    }
    assert "dana@newsroom.example" not in response.content.decode()


def test_one_revision_has_its_markdown_html_and_plain_text(anonymous, revised):
    first = anonymous.get("/api/v1/articles/revised/revisions/1/").json()
    second = anonymous.get("/api/v1/articles/revised/revisions/2/").json()

    assert first["body"] == "First *text*." and first["body_format"] == "markdown"
    assert "<em>text</em>" in first["body_html"] and first["plain_text"] == "First text."
    assert second["body"] == "Second *text*, longer." and second["editor"] == "Dana Desk"
    assert second["title"] == revised.title and second["standfirst"] == revised.standfirst


@pytest.mark.parametrize(
    "path",
    [
        "nope/revisions/",
        "nope/revisions/1/",
        "revised/revisions/0/",
        "revised/revisions/3/",
        "revised/revisions/99999999999999999999999/",
        "revised/revisions/one/",
        "revised/revisions/-1/",
    ],
)
def test_unknown_articles_and_revisions_are_json_404(anonymous, revised, path):
    response = anonymous.get(f"/api/v1/articles/{path}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("suffix", ["revisions/", "revisions/1/"])
def test_drafts_and_scheduled_articles_have_no_revisions_here(anonymous, revised, suffix):
    Article.objects.filter(pk=revised.pk).update(
        status=Article.Status.SCHEDULED, published_at=timezone.now() + timedelta(hours=1)
    )
    assert anonymous.get(f"/api/v1/articles/revised/{suffix}").status_code == 404
    Article.objects.filter(pk=revised.pk).update(status=Article.Status.DRAFT)
    assert anonymous.get(f"/api/v1/articles/revised/{suffix}").status_code == 404


@pytest.mark.parametrize("suffix", ["revisions/", "revisions/2/"])
def test_a_client_holding_the_answer_gets_304(
    anonymous, revised, suffix, django_assert_max_num_queries
):
    url = f"/api/v1/articles/revised/{suffix}"
    etag = anonymous.get(url)["ETag"]

    with django_assert_max_num_queries(2):  # the article, its revisions
        again = anonymous.get(url, HTTP_IF_NONE_MATCH=etag)

    assert again.status_code == 304 and again.content == b""


def test_the_list_tag_changes_with_a_new_revision(anonymous, revised):
    url = "/api/v1/articles/revised/revisions/"
    etag = anonymous.get(url)["ETag"]
    revised.body += "\n\nA third go."
    save_article(article=revised, editor=None)

    assert anonymous.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


def _many_revisions() -> None:
    editors = UserFactory.create_batch(4)
    article = Article.objects.get(pk=ArticleFactory(slug="busy").pk)
    for number in range(2, 16):
        article.body += f"\n\nUpdate {number}."
        save_article(article=article, editor=editors[number % 4], note=f"Note {number}.")


def test_the_list_query_count_is_fixed(anonymous, django_assert_max_num_queries):
    _many_revisions()
    # the article, its revisions with their editors
    with django_assert_max_num_queries(2):
        body = anonymous.get("/api/v1/articles/busy/revisions/").json()
    assert body["count"] == 15


def test_one_revision_query_count_is_fixed(anonymous, django_assert_max_num_queries):
    _many_revisions()
    # the article, the revision with its editor
    with django_assert_max_num_queries(2):
        assert anonymous.get("/api/v1/articles/busy/revisions/9/").json()["number"] == 9


def test_the_schema_documents_the_revision_endpoints(anonymous):
    schema = anonymous.get("/api/v1/schema/", {"format": "json"}).json()
    paths = schema["paths"]

    listing = paths["/api/v1/articles/{slug}/revisions/"]["get"]
    one = paths["/api/v1/articles/{slug}/revisions/{n}/"]["get"]
    assert {"200", "304", "404"} <= set(listing["responses"]) and set(one["responses"]) >= {"404"}
    number = next(p for p in one["parameters"] if p["name"] == "n")
    assert number["in"] == "path" and number["schema"]["minimum"] == 1
    components = schema["components"]["schemas"]
    assert "revision" in components["Article"]["required"]
    assert {"body", "body_html", "plain_text"} <= set(components["RevisionDetail"]["properties"])
