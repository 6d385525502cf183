"""A reader labels a comment when writing it (Question, Evidence, Counterpoint, Correction):
the label is stored, and one the article cannot take is refused before anything is written."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from comments.models import Comment
from comments.posting import permissions
from tests.api.conftest import client_for
from tests.factories import ArticleFactory, CommentFactory, UserFactory, comment_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def member_api(db):
    """A reader with a token, known to the site (their comments publish at once)."""
    user = UserFactory(username="member")
    CommentFactory(user=user, created_at=timezone.now() - timedelta(days=3))
    return client_for(user)


def _post(client, article, **data):
    return client.post(f"/articles/{article.slug}/comments/", comment_form(**data))


@pytest.mark.parametrize(
    ("kind", "has_authors", "refusal"),
    [
        ("comment", True, None),
        ("question", True, None),
        ("evidence", False, None),
        ("counterpoint", False, None),
        ("correction", True, None),
        ("correction", False, permissions.CORRECTION_NEEDS_AUTHORS),
        ("question", False, None),
        ("rant", True, permissions.UNKNOWN_LABEL),
        ("", True, permissions.UNKNOWN_LABEL),
    ],
)
def test_which_labels_an_article_takes(kind, has_authors, refusal):
    article = ArticleFactory(authors=[UserFactory()] if has_authors else [])
    assert permissions.why_cannot_label(article, kind) == refusal


@pytest.mark.parametrize("kind", ["question", "evidence", "counterpoint", "correction"])
def test_the_form_stores_the_label(client, article, kind):
    response = _post(client, article, kind=kind)

    assert response.status_code == 302
    assert Comment.objects.get(article=article).kind == kind


@pytest.mark.parametrize("sent", [{}, {"kind": ""}, {"kind": "comment"}])
def test_no_label_is_a_plain_comment(client, article, sent):
    assert _post(client, article, **sent).status_code == 302
    assert Comment.objects.get(article=article).kind == "comment"


def test_the_form_offers_the_labels_with_none_chosen(client, article):
    html = client.get(article.get_absolute_url()).content.decode()

    assert "<legend>Label (optional)</legend>" in html
    radios = dict(re.findall(r'<input type="radio" name="kind" value="(\w+)"([^>]*)>', html))
    assert list(radios) == ["comment", "question", "evidence", "counterpoint", "correction"]
    assert [value for value, rest in radios.items() if "checked" in rest] == ["comment"]


def test_a_correction_on_an_article_without_authors_is_a_form_error(client):
    article = ArticleFactory(authors=[])

    response = _post(client, article, kind="correction", body="The 2019 figure is 4.1%, not 41%.")

    assert response.status_code == 400
    assert response.context["comment_form"].errors["kind"] == [permissions.CORRECTION_NEEDS_AUTHORS]
    assert not Comment.objects.exists()
    html = response.content.decode()
    assert "The 2019 figure is 4.1%, not 41%." in html  # the reader's text stays in the form
    assert "this article has none" in html
    assert 'name="kind" value="correction"' in html


def test_an_unknown_label_is_a_form_error(client, article):
    response = _post(client, article, kind="rant")

    assert response.status_code == 400
    assert "kind" in response.context["comment_form"].errors
    assert not Comment.objects.exists()


def test_a_reply_may_carry_a_label(client, article):
    parent = CommentFactory(article=article)

    _post(client, article, parent=parent.pk, kind="counterpoint")

    reply = Comment.objects.get(parent=parent)
    assert reply.kind == "counterpoint"


@pytest.mark.parametrize("kind", ["question", "correction"])
def test_the_api_stores_the_label(member_api, article, kind):
    response = member_api.post(
        f"/api/v1/articles/{article.slug}/comments/",
        {"body": "Where does the 2030 estimate come from?", "kind": kind},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["kind"] == kind
    assert response.json()["resolution"] is None
    assert Comment.objects.get(pk=response.json()["id"]).kind == kind


def test_the_api_refuses_a_correction_on_an_article_without_authors(member_api):
    article = ArticleFactory(authors=[])

    response = member_api.post(
        f"/api/v1/articles/{article.slug}/comments/",
        {"body": "The chart's axis is mislabelled.", "kind": "correction"},
        format="json",
    )

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["fields"] == {"kind": [permissions.CORRECTION_NEEDS_AUTHORS]}
    assert not Comment.objects.filter(article=article).exists()


@pytest.mark.parametrize("kind", ["rant", 3, None])
def test_the_api_refuses_an_unknown_label(article, kind):
    api = client_for(UserFactory())

    response = api.post(
        f"/api/v1/articles/{article.slug}/comments/", {"body": "Hm.", "kind": kind}, format="json"
    )

    assert response.status_code == 400
    assert "kind" in response.json()["error"]["fields"]
    assert not Comment.objects.filter(article=article).exists()
