"""The rule for reader text (articles.text) is wired into every way text comes in, and every
XML output survives a row stored before the rule."""

import io

import pytest
from defusedxml import ElementTree
from django.core.management import call_command

from articles.models import Article
from comments.models import Comment
from comments.portability.importers.common import IncomingComment
from tests.api.conftest import client_for
from tests.factories import ArticleFactory, CommentFactory, UserFactory, comment_form

pytestmark = pytest.mark.django_db
ANSI = "Roses are \x1b[0;31mred\x1b[0m, violets\x0b are\x08 blue\x00"
CLEAN = "Roses are [0;31mred[0m, violets are blue"


def test_the_form_drops_what_xml_cannot_carry_from_every_field(client, article):
    response = client.post(
        f"/articles/{article.slug}/comments/",
        comment_form(name="Ann\x1b[1m Reader", body=ANSI, url="https://ann.example.org/\x07"),
    )

    assert response.status_code == 302
    comment = Comment.objects.get()
    assert (comment.author_name, comment.body) == ("Ann[1m Reader", CLEAN)
    assert comment.author_url == "https://ann.example.org/"


def test_a_body_of_control_characters_alone_is_a_form_error(client, article):
    response = client.post(f"/articles/{article.slug}/comments/", comment_form(body="\x1b\x08\x00"))

    assert response.status_code == 400
    assert "Please write a comment." in response.content.decode()
    assert not Comment.objects.exists()


def test_the_api_drops_what_xml_cannot_carry(article):
    api = client_for(UserFactory(username="writer"))

    response = api.post(
        f"/api/v1/articles/{article.slug}/comments/", {"body": ANSI, "parent": None}, format="json"
    )

    assert response.status_code == 201, response.content
    assert Comment.objects.get().body == CLEAN


def test_importers_drop_what_xml_cannot_carry():
    incoming = IncomingComment(
        source_id="1", parent_source_id=None, author_name="Bo\x1b", author_email="bo@x.org\x00",
        author_url="", ip_address=None, created_at=None, html=ANSI, status="approved",
    )  # fmt: skip

    assert (incoming.author_name, incoming.author_email, incoming.html) == (
        "Bo",
        "bo@x.org",
        CLEAN,
    )


@pytest.fixture
def stored_before_the_rule(db):
    """A comment and an article that reached the database with control characters."""
    # No NUL: PostgreSQL never stores one, so no row can hold it.
    stored = ANSI.replace("\x00", "")
    article = ArticleFactory(title="Grid \x1b[0mfirst", standfirst="A\x0bB")
    CommentFactory(article=article, author_name="Cy\x08", body=stored, body_html=f"<p>{stored}</p>")
    return Article.objects.get(pk=article.pk)


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_comment_feeds_survive_a_stored_control_character(client, stored_before_the_rule, kind):
    response = client.get(f"/articles/{stored_before_the_rule.slug}/comments/feed/{kind}/")

    assert response.status_code == 200
    feed = response.content.decode()
    ElementTree.fromstring(response.content)  # well-formed
    assert "\x1b" not in feed and "Roses are [0;31mred" in feed


@pytest.mark.parametrize("path", ["/feeds/rss/", "/feeds/atom/"])
def test_article_feeds_survive_a_stored_control_character(client, stored_before_the_rule, path):
    response = client.get(path)

    assert response.status_code == 200
    ElementTree.fromstring(response.content)
    assert "Grid [0mfirst" in response.content.decode()


def test_the_wxr_export_survives_a_stored_control_character(stored_before_the_rule):
    out = io.StringIO()
    call_command("export_discussions", "--format", "wxr", stdout=out)

    ElementTree.fromstring(out.getvalue().encode())
    assert "Roses are [0;31mred" in out.getvalue()
