"""Muting a reader in a real browser: their comment folds away, "show" opens it from the
keyboard, the account page unmutes them; axe is clean on a page with a folded comment."""

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from comments.models import ModerationSettings
from tests.browser.conftest import axe_check
from tests.browser.test_discussion import sign_in
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def discussion(transactional_db, live_server):
    """An article where Loud Lou wrote a comment and Calm Cal replied; and Ada, who reads."""
    ModerationSettings.current()
    article = ArticleFactory(title="Harbour dues")
    lou = UserFactory(username="lou", first_name="Lou", last_name="Loud")
    loud = CommentFactory(
        article=article, user=lou, author_name="Loud Lou", body="Shouting about harbours."
    )
    calm = CommentFactory(parent=loud, author_name="Calm Cal", body="A quiet answer.")
    ada = UserFactory(username="ada", first_name="Ada", last_name="Lovelace")
    EmailAddress.objects.create(user=ada, email=ada.email, verified=True, primary=True)
    return live_server.url, article, loud, calm, ada


def test_a_reader_mutes_an_author_reveals_by_keyboard_and_unmutes(new_context, discussion):
    site, article, loud, calm, ada = discussion
    page = sign_in(new_context(), site, ada)
    page.goto(f"{site}{article.get_absolute_url()}")
    words = page.get_by_text("Shouting about harbours.")
    expect(words).to_be_visible()

    with page.expect_navigation():
        page.get_by_role("button", name="Mute Loud Lou").click()

    assert page.url.endswith(f"#comment-{loud.pk}")
    summary = page.locator(f"#comment-{loud.pk} > details > summary")
    expect(summary).to_have_text("Comment by a muted reader — show")
    expect(words).to_be_hidden()
    # The reply is not folded away with it.
    expect(page.locator(f"#comment-{calm.pk}").get_by_text("A quiet answer.")).to_be_visible()
    axe_check(page, "a discussion with a muted reader's comment folded away")

    summary.focus()
    page.keyboard.press("Enter")
    expect(words).to_be_visible()
    expect(summary).to_have_text("Comment by a muted reader", use_inner_text=True)
    axe_check(page, "a muted reader's comment, opened")

    page.goto(f"{site}/accounts/notifications/")
    with page.expect_navigation():
        page.get_by_role("link", name="Muted readers").click()
    expect(page.get_by_role("link", name="Muted readers")).to_have_attribute("aria-current", "page")
    axe_check(page, "the muted readers page")
    with page.expect_navigation():
        page.get_by_role("button", name="Unmute Lou Loud").click()
    expect(page.get_by_role("status")).to_contain_text("Unmuted")
    expect(page.get_by_text("You have muted nobody.")).to_be_visible()

    page.goto(f"{site}{article.get_absolute_url()}")
    expect(words).to_be_visible()
    expect(page.locator(".comment__muted")).to_have_count(0)
    expect(page.get_by_role("button", name="Mute Loud Lou")).to_be_visible()


def test_others_never_see_the_mute(new_context, discussion):
    site, article, _loud, _calm, ada = discussion
    mine = sign_in(new_context(), site, ada)
    mine.goto(f"{site}{article.get_absolute_url()}")
    with mine.expect_navigation():
        mine.get_by_role("button", name="Mute Loud Lou").click()

    theirs = new_context().new_page()
    theirs.goto(f"{site}{article.get_absolute_url()}")
    expect(theirs.get_by_text("Shouting about harbours.")).to_be_visible()
    expect(theirs.locator(".comment__muted")).to_have_count(0)
    expect(theirs.locator(".comment__mute")).to_have_count(0)  # signed out: no mute buttons
