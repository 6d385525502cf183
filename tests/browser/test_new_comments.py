"""A comment that becomes public while a reader has the page open is announced, not pushed
in: a notice says how many arrived, and its button loads them."""

import pytest
from playwright.sync_api import expect

from comments.models import Comment
from comments.moderation import transitions
from tests.browser.conftest import axe_check
from tests.factories import ArticleFactory, CommentFactory, moderator_user

pytestmark = pytest.mark.browser


@pytest.fixture
def site(transactional_db, live_server, settings):
    settings.COMMENTS_POLL_SECONDS = 1
    settings.API_FEED_LAG_SECONDS = 0
    return live_server.url


def test_new_comments_are_announced_while_the_page_is_open(site, page):
    article = ArticleFactory(title="Ports and power")
    first = CommentFactory(article=article, body="The first word.")
    page.goto(site + article.get_absolute_url())
    notice = page.locator("#new-comments")
    expect(notice).to_be_hidden()

    held = CommentFactory(article=article, parent=first, status=Comment.Status.PENDING)
    CommentFactory(article=article, body="Arrived while you read.")
    transitions.change_status(held, "approved", actor=moderator_user(username="mod"))

    expect(notice).to_be_visible(timeout=10_000)
    expect(notice.get_by_role("button")).to_have_text("2 new comments — show them")
    assert page.locator("#discussion").get_attribute("aria-labelledby") == "discussion-heading"
    assert notice.get_attribute("role") == "status"
    assert page.get_by_text("Arrived while you read.").count() == 0  # nothing moved in
    axe_check(page, "an article announcing new comments")

    notice.get_by_role("button").click()

    expect(page.get_by_text("Arrived while you read.")).to_be_visible()
    expect(page.locator("#new-comments")).to_be_hidden()


def test_a_held_comment_is_not_announced(site, page):
    article = ArticleFactory(title="Ports and power")
    CommentFactory(article=article)
    page.goto(site + article.get_absolute_url())

    CommentFactory(article=article, status=Comment.Status.PENDING)
    page.wait_for_timeout(3_000)  # three polls

    expect(page.locator("#new-comments")).to_be_hidden()
