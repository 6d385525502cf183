"""Previewing a comment: the form's "Preview" button and the live preview's endpoint show
the comment as posting would render it, and store nothing."""

import pytest
from django.test import Client

from comments.models import Comment, ModerationEvent, Notification, Subscription
from comments.threads.rendering import render_comment
from tests.factories import ArticleFactory, CommentFactory, UserFactory, comment_form

pytestmark = pytest.mark.django_db

MARKDOWN = "I *disagree*, see [the data](https://example.org/) and <script>alert(1)</script>"


def _preview(client, article, **data):
    return client.post(f"/articles/{article.slug}/comments/", comment_form(preview="1", **data))


def _live(client, article, **data):
    return client.post(f"/articles/{article.slug}/comments/preview/", data)


def _nothing_stored():
    assert not Comment.objects.exists()
    assert not ModerationEvent.objects.exists()
    assert not Subscription.objects.exists()
    assert not Notification.objects.exists()


def test_the_form_has_a_preview_button_and_a_live_region(client, article):
    html = client.get(article.get_absolute_url()).content.decode()
    assert '<button type="submit" name="preview" value="1"' in html
    assert 'id="comment-preview" aria-live="polite"' in html
    assert f'data-preview-url="/articles/{article.slug}/comments/preview/"' in html


def test_preview_shows_the_comment_as_posted_and_keeps_the_form_filled(client, article):
    response = _preview(client, article, body=MARKDOWN, wants_followups="on")

    assert response.status_code == 200
    html = response.content.decode()
    preview = html.split('id="comment-preview"', 1)[1].split("</article>", 1)[0]
    assert render_comment(MARKDOWN) in preview
    assert "<em>disagree</em>" in preview and "<script>" not in preview
    assert "Ann Reader" in preview
    # the form as the reader left it: the text, the details, the choices
    assert "I *disagree*, see [the data](https://example.org/)" in html
    assert 'value="Ann Reader"' in html and 'value="ann@example.com"' in html
    assert 'name="wants_followups" id="id_wants_followups" checked' in html
    _nothing_stored()


def test_preview_runs_no_moderation_so_posting_straight_after_is_not_a_flood(client, article):
    assert _preview(client, article).status_code == 200
    _nothing_stored()

    response = client.post(f"/articles/{article.slug}/comments/", comment_form())
    assert response.status_code == 302
    assert Comment.objects.count() == 1


def test_preview_of_a_reply_keeps_the_reply_target(client, article):
    parent = CommentFactory(article=article, author_name="Root Author")
    response = _preview(client, article, parent=parent.pk)
    assert response.status_code == 200
    assert f'data-reply-to="{parent.pk}"' in response.content.decode()
    assert Comment.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Please write a comment."),
        ("   \n ", "Please write a comment."),
        ("x" * 10_001, "Ensure this value has at most 10000 characters"),
    ],
)
def test_preview_of_a_bad_comment_gets_the_form_error(client, article, body, message):
    response = _preview(client, article, body=body)

    assert response.status_code == 400
    assert message in str(response.context["comment_form"].errors["body"])
    assert 'role="alert"' in response.content.decode()
    assert 'class="comment__content"' not in response.content.decode().split("comment-preview")[1]
    _nothing_stored()


def test_preview_on_a_closed_article_is_refused(client):
    article = ArticleFactory(comment_policy="closed")
    assert _preview(client, article).status_code == 403
    assert _live(client, article, body="Hello").status_code == 403
    _nothing_stored()


def test_live_preview_returns_the_rendered_comment(client, article):
    response = _live(client, article, body=MARKDOWN, name="  Ann   Reader ")

    assert response.status_code == 200
    html = response.content.decode()
    assert render_comment(MARKDOWN) in html
    assert '<span class="comment__author" id="comment-preview-author">Ann Reader</span>' in html
    assert "<!DOCTYPE" not in html  # a fragment for the region, not a page
    _nothing_stored()


def test_live_preview_names_a_signed_in_reader_by_their_account(client, article):
    client.force_login(UserFactory(first_name="Priya", last_name="Raman"))
    html = _live(client, article, body="Hello", name="Someone Else").content.decode()
    assert "Priya Raman" in html and "Someone Else" not in html


def test_live_preview_escapes_the_name(client, article):
    html = _live(client, article, body="Hi", name="<b>Bold</b>").content.decode()
    assert "&lt;b&gt;Bold&lt;/b&gt;" in html and "<b>" not in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Please write a comment."),
        ({"body": "  "}, "Please write a comment."),
        ({"body": "x" * 10_001}, "Ensure this value has at most 10000 characters"),
    ],
)
def test_live_preview_of_a_bad_comment_is_400_with_the_forms_message(
    client, article, data, message
):
    response = _live(client, article, **data)
    assert response.status_code == 400
    assert message in response.content.decode()
    _nothing_stored()


def test_live_preview_follows_the_moderators_length_limit(client, article, moderation):
    moderation.max_length = 20
    moderation.save()
    assert _live(client, article, body="x" * 20).status_code == 200
    assert _live(client, article, body="x" * 21).status_code == 400


def test_live_preview_needs_the_csrf_token(article):
    strict = Client(enforce_csrf_checks=True)
    assert _live(strict, article, body="Hello").status_code == 403
    strict.get(article.get_absolute_url())
    token = strict.cookies["csrftoken"].value
    response = strict.post(
        f"/articles/{article.slug}/comments/preview/",
        {"body": "Hello", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 200


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_live_preview_takes_only_post(client, article, method):
    response = getattr(client, method)(f"/articles/{article.slug}/comments/preview/")
    assert response.status_code == 405


def test_live_preview_of_an_unknown_or_draft_article_is_404(client):
    draft = ArticleFactory(status="draft")
    assert client.post("/articles/nope/comments/preview/", {"body": "x"}).status_code == 404
    assert _live(client, draft, body="x").status_code == 404
