"""The article page's response: the threads written into the body give the bytes the
template gives with them rendered in place."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.shortcuts import render
from django.test import RequestFactory

from comments.models import Comment
from comments.threads.context import discussion_context
from comments.threads.response import DeferredThreads, page_response
from tests.factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def article():
    article = ArticleFactory(title="Café — «society»", body="Naïve text · with marks.")
    first = CommentFactory(article=article, author_name="Zoë Ångström", body="Ça va — très bien.")
    reply = CommentFactory(parent=first, author_name="Łukasz", body="Ja, 日本語 too.")
    CommentFactory(parent=reply, author_name="Ana", body="Deeper, plain.")
    removed = CommentFactory(article=article, status=Comment.Status.REMOVED)
    CommentFactory(parent=removed, author_name="Émile", body="Under a tombstone.")
    CommentFactory(article=article, author_name="Plain", body="ASCII only.")
    return article


def _unmasked(body: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="\w+"', b"TOKEN", body)


def _request():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    request.session = SessionStore()
    return request


def _context(request, article) -> dict:
    return {"article": article, "is_preview": False, **discussion_context(request, article)}


def test_the_body_is_what_the_template_gives_with_the_threads_in_place(article):
    request = _request()
    context = _context(request, article)
    assert isinstance(context["threads_html"], DeferredThreads)

    expected = render(request, "articles/article.html", context)
    written = page_response(request, "articles/article.html", context)

    assert written.status_code == expected.status_code == 200
    assert written["Content-Type"] == expected["Content-Type"]
    # The CSRF token is masked afresh each time a template asks for it.
    assert _unmasked(written.content) == _unmasked(expected.content)
    page = written.content.decode()
    for name in ("Zoë Ångström", "Łukasz", "Ana", "Émile", "Plain"):
        assert name in page
    assert page.count('<li class="comment depth-') == 6
    assert "<!-- threads " not in page


def test_the_status_asked_for_is_kept(article):
    request = _request()
    response = page_response(request, "articles/article.html", _context(request, article), 400)
    assert response.status_code == 400


def test_a_context_without_deferred_threads_renders_as_render_does(article):
    request = _request()
    context = {**_context(request, article), "threads_html": ""}
    response = page_response(request, "articles/article.html", context)
    assert response.status_code == 200
    assert '<li class="comment depth-' not in response.content.decode()


def test_the_article_page_shows_every_comment_and_no_marker(client, article):
    response = client.get(article.get_absolute_url())
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('<li class="comment depth-') == 6
    assert "Zoë Ångström" in page
    assert "<!-- threads " not in page
