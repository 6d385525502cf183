"""The links that take a reader past a long discussion to its form, and back."""

import pytest

from articles.models import Article
from tests.factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db

JUMP = '<a class="discussion__jump-link" href="#respond">Leave a Reply</a>'
BACK = '<a href="#discussion">Back to the top of the discussion</a>'


def test_an_open_discussion_jumps_to_the_form_before_its_threads_and_back(client, article):
    CommentFactory(article=article)
    html = client.get(article.get_absolute_url()).content.decode()
    assert html.index(JUMP) < html.index('class="comment-list"') < html.index('id="respond"')
    assert html.index('id="commentform"') < html.index(BACK)


def test_an_empty_discussion_needs_no_jump(client, article):
    html = client.get(article.get_absolute_url()).content.decode()
    assert JUMP not in html and BACK not in html


def test_a_closed_discussion_offers_no_form_to_jump_to(client):
    article = ArticleFactory(comment_policy=Article.CommentPolicy.CLOSED)
    CommentFactory(article=article)
    html = client.get(article.get_absolute_url()).content.decode()
    assert JUMP not in html and BACK not in html


def test_signed_in_only_discussion_jumps_to_the_invitation_to_log_in(client):
    article = ArticleFactory(comment_policy=Article.CommentPolicy.SIGNED_IN)
    CommentFactory(article=article)
    html = client.get(article.get_absolute_url()).content.decode()
    assert JUMP in html
