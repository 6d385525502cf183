"""Every page, loaded in Chromium under the site's Content-Security-Policy, runs without a
single violation: nothing inline is refused, no script, style or request is blocked.

The browser reports a violation twice, as a console error ("Refused to ...") and as a
`securitypolicyviolation` event; the test listens for both, and for uncaught page errors,
while a reader uses the discussion's scripts (live preview, mentions, quoting, marking a
comment useful, the poll for new comments) and an editor goes through the admin.
"""

import re

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from playwright.sync_api import expect

from articles.models import Article
from comments.models import ModerationSettings
from tests.browser.conftest import Watch
from tests.factories import (
    ArticleFactory,
    CommentFactory,
    TopicFactory,
    UserFactory,
    give_totp,
    totp_code,
)

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"


@pytest.fixture
def site(transactional_db, live_server, settings):
    limits = ModerationSettings.current()
    limits.min_seconds_to_submit = 0
    limits.flood_seconds = 0
    limits.save()
    settings.COMMENTS_POLL_SECONDS = 1
    return live_server.url


@pytest.fixture
def discussion(site):
    article = ArticleFactory(
        title="Shipping lanes under strain",
        comment_policy=Article.CommentPolicy.OPEN,
        topics=[TopicFactory(name="Trade")],
    )
    olive = UserFactory(username="olive", first_name="Olive", last_name="Older")
    first = CommentFactory(
        article=article,
        user=olive,
        author_name="Olive Older",
        body="Freight rates *doubled* in a month, and insurers noticed first.",
        created_at=timezone.now() - timezone.timedelta(hours=2),
    )
    CommentFactory(article=article, parent=first, author_name="Cy Reply", body="Not all lanes.")
    return article, first


def _user(username: str, **fields):
    user = UserFactory(username=username, **fields)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    CommentFactory(user=user, created_at=timezone.now() - timezone.timedelta(days=30))
    return user


def test_public_and_entrance_pages_load_without_a_violation(new_context, site, discussion):
    article, _ = discussion
    watch = Watch(new_context())
    for path in (
        "/",
        "/topics/",
        article.get_absolute_url(),
        "/comments/latest/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/admin/login/",
        "/api/v1/docs/",
    ):
        watch.visit(site + path)
    expect(watch.page.locator(".swagger-ui .info")).to_be_visible()  # its script did run
    watch.check()


def test_a_reader_uses_every_script_of_a_discussion_without_a_violation(
    new_context, site, discussion
):
    article, first = discussion
    _user("bram", first_name="Bram", last_name="Baker")
    CommentFactory(article=article, user=UserFactory(username="bram"), author_name="Bram Baker")
    ada = _user("ada", first_name="Ada", last_name="Lovelace")
    watch = Watch(new_context())
    page = watch.page

    watch.visit(site + "/accounts/login/")
    page.locator("input[name=login]").fill(ada.username)
    page.locator("input[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign In").click()
    assert "/accounts/login/" not in page.url

    watch.visit(site + article.get_absolute_url())
    textarea = page.get_by_role("textbox", name="Comment", exact=True)
    textarea.click()
    page.keyboard.type("Over to @br")  # mentions: suggestions fetched as one types
    expect(
        page.get_by_role("listbox", name="Readers to mention").get_by_role("option")
    ).to_have_text(["@bram (Bram Baker)"])
    page.keyboard.press("Enter")
    page.keyboard.type("*quite* so")  # the live preview, markup from the server
    expect(page.locator("#comment-preview .comment__content em")).to_have_text("quite")

    page.locator(f"#comment-{first.pk} > article").get_by_role(
        "link", name="Quote Olive Older"
    ).click()
    expect(textarea).to_have_value(re.compile("Freight rates"))

    useful = page.get_by_role("button", name="Useful comment by Olive Older")
    useful.click()
    expect(useful).to_have_attribute("aria-pressed", "true")

    # A comment published elsewhere: the open page's poll hears of it.
    CommentFactory(article=article, author_name="Newer Voice", body="Late to this.")
    page.locator(".new-comments__button").click()
    expect(page.get_by_text("Late to this.")).to_be_visible()
    watch.check()


def test_an_editor_goes_through_the_admin_without_a_violation(new_context, site, discussion):
    _, first = discussion
    editor = _user("desk", is_staff=True, is_superuser=True)
    watch = Watch(new_context())
    page = watch.page

    secret = give_totp(editor)
    # The admin hands over to the site's sign-in page, which then asks for the code.
    watch.visit(site + "/admin/login/")
    page.locator("input[name=login]").fill(editor.username)
    page.locator("input[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign In").click()
    page.get_by_label("Code").fill(totp_code(secret))
    with page.expect_navigation():
        page.get_by_role("button", name="Sign In").click()
    for path in (
        "/admin/",
        "/admin/comments/comment/?status__exact=pending",
        "/admin/comments/comment/?status__exact=approved",
        f"/admin/comments/comment/{first.pk}/change/",
        "/admin/articles/article/",
        "/admin/articles/article/add/",
    ):
        watch.visit(site + path)
