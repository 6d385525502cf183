"""Useful votes in a real browser: with JavaScript the count changes in place, without it the
button's form does the same; "Most useful" then puts the voted thread first; axe is clean."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from playwright.sync_api import expect

from comments.models import Comment, ModerationSettings
from tests.browser.conftest import axe_check
from tests.browser.test_discussion import sign_in
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def discussion(transactional_db, live_server):
    """An article with two threads, the older one first; and a verified reader, Ada."""
    ModerationSettings.current()
    article = ArticleFactory(title="Grain corridors")
    earlier = timezone.now() - timedelta(hours=3)
    older = CommentFactory(article=article, author_name="Olive Older", created_at=earlier)
    later = CommentFactory(article=article, author_name="Lena Later")
    ada = UserFactory(username="ada", first_name="Ada", last_name="Lovelace")
    EmailAddress.objects.create(user=ada, email=ada.email, verified=True, primary=True)
    return live_server.url, article, older, later, ada


def _useful_button(page, name: str):
    return page.get_by_role("button", name=f"Useful comment by {name}")


def _thread_authors(page) -> list[str]:
    return page.locator(".comment-list > li > article .comment__author").all_inner_texts()


def test_a_reader_marks_a_comment_useful_and_it_rises(new_context, discussion):
    site, article, older, _later, ada = discussion
    page = sign_in(new_context(), site, ada)
    page.goto(f"{site}{article.get_absolute_url()}?order=useful")
    # No votes yet: the later thread comes first.
    assert _thread_authors(page) == ["Lena Later", "Olive Older"]
    button = _useful_button(page, "Olive Older")
    expect(button).to_have_attribute("aria-pressed", "false")
    axe_check(page, "a discussion with Useful buttons")

    button.focus()
    page.keyboard.press("Enter")

    expect(button).to_have_attribute("aria-pressed", "true")
    expect(page.locator(f"#comment-{older.pk}-useful")).to_have_text("1 useful")
    expect(button).to_be_focused()
    older.refresh_from_db()
    assert older.useful_count == 1

    page.get_by_role("link", name="Oldest first").click()
    page.get_by_role("link", name="Most useful").click()
    expect(page.get_by_role("link", name="Most useful")).to_have_attribute("aria-current", "true")
    assert _thread_authors(page) == ["Olive Older", "Lena Later"]
    axe_check(page, "the discussion, most useful first, with a vote pressed")

    button = _useful_button(page, "Olive Older")
    button.click()
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(page.locator(f"#comment-{older.pk}-useful")).to_have_text("0 useful")


def test_without_javascript_the_button_posts_and_comes_back(new_context, discussion):
    site, article, older, _later, ada = discussion
    page = sign_in(new_context(java_script_enabled=False), site, ada)
    page.goto(f"{site}{article.get_absolute_url()}?order=useful")

    with page.expect_navigation():
        _useful_button(page, "Olive Older").click()

    assert page.url.endswith(f"?order=useful#comment-{older.pk}")
    expect(_useful_button(page, "Olive Older")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(f"#comment-{older.pk}-useful")).to_have_text("1 useful")


def test_anonymous_readers_see_counts_and_are_asked_to_sign_in(page, discussion):
    site, article, older, later, _ada = discussion
    Comment.objects.filter(pk=older.pk).update(picked_at=timezone.now(), pick_note="Sharp.")
    CommentFactory(article=article, user=article.authors.first(), author_name="Wren Writer")
    page.goto(site + article.get_absolute_url())
    picks = page.get_by_role("complementary", name="Editor\u2019s picks")
    expect(picks.get_by_role("link", name="Olive Older")).to_be_visible()
    expect(page.locator(".comment__badge--author")).to_have_text("Author")
    axe_check(page, "a discussion with picks and badges, to an anonymous reader")
    expect(page.locator(f"#comment-{later.pk}-useful")).to_have_text("0 useful")
    expect(
        page.get_by_role("link", name="Sign in to vote on the comment by Lena Later")
    ).to_be_visible()
    expect(page.get_by_role("button", name="Useful comment by Lena Later")).to_have_count(0)
