"""A moderator works the queue in a real browser; the reader's comment goes live.

The queue and a comment's moderation page are checked with axe-core like the reader pages.
"""

import io

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from playwright.sync_api import expect

from comments.models import Comment, ModerationSettings, Report
from tests.browser.conftest import PHONE, VIEWPORT, axe_check
from tests.factories import ArticleFactory, CommentFactory, UserFactory, give_totp, totp_code

pytestmark = pytest.mark.browser


@pytest.fixture
def site(transactional_db, live_server):
    relaxed = ModerationSettings.current()
    relaxed.min_seconds_to_submit = 0  # the test types faster than any person
    relaxed.save()
    return live_server.url


def test_moderator_approves_a_held_comment_and_readers_see_it(site, new_context):
    article = ArticleFactory(title="Grid before gigawatts")
    reader = new_context().new_page()
    reader.goto(site + article.get_absolute_url())
    reader.get_by_role("textbox", name="Comment").fill(
        "Transmission permits are the real bottleneck."
    )
    reader.get_by_role("textbox", name="Name").fill("Ines Duarte")
    reader.get_by_role("textbox", name="Email").fill("ines@example.org")
    reader.get_by_role("button", name="Post Comment").click()
    expect(reader.get_by_text("Your comment is awaiting moderation.")).to_be_visible()
    held = Comment.objects.get()
    assert held.status == "pending"

    moderator = sign_in_to_admin(new_context(), site, "mod")
    moderator.locator("#comments-comment").get_by_role("link", name="Comments").click()
    expect(moderator.get_by_role("cell", name="first comment from this address")).to_be_visible()
    moderator.locator(f'input[name="_selected_action"][value="{held.pk}"]').check()
    moderator.locator('select[name="action"]').select_option("approve")
    moderator.get_by_role("button", name="Go").first.click()
    expect(moderator.get_by_text("Approve: 1 comment(s).")).to_be_visible()

    visitor = new_context().new_page()
    visitor.goto(site + article.get_absolute_url())
    comment = visitor.locator(f"#comment-{held.pk}")
    expect(comment).to_contain_text("Transmission permits are the real bottleneck.")
    expect(comment).to_contain_text("Ines Duarte")
    expect(visitor.get_by_text("Your comment is awaiting moderation.")).to_have_count(0)
    held.refresh_from_db()
    assert held.status == "approved"
    assert held.events.filter(actor__username="mod", to_status="approved").exists()


def sign_in_to_admin(context, site: str, username: str):
    """A moderator with an authenticator app opens the admin: the sign-in page, then the code."""
    user = UserFactory(username=username, password="correct horse battery staple")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    call_command("make_moderator", username, stdout=io.StringIO())
    secret = give_totp(user)
    page = context.new_page()
    page.goto(site + "/admin/")
    page.locator("input[name=login]").fill(username)
    page.locator("input[name=password]").fill("correct horse battery staple")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign In").click()
    page.get_by_label("Code").fill(totp_code(secret))
    with page.expect_navigation():
        page.get_by_role("button", name="Sign In").click()
    assert page.url == site + "/admin/", page.inner_text("body")
    return page


@pytest.mark.parametrize("viewport", [VIEWPORT, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize(
    ("what", "path"),
    [
        ("the moderation queue", "/admin/comments/comment/"),
        ("the pending queue", "/admin/comments/comment/?status__exact=pending"),
        ("a held comment's moderation page", "/admin/comments/comment/{held}/change/"),
    ],
)
def test_moderation_pages_have_no_axe_violations(site, new_context, what, path, viewport):
    """At a phone's width the admin moves its search bar and filters: checked there too."""
    article = ArticleFactory(title="Grid before gigawatts")
    parent = CommentFactory(article=article, body="Permits are the bottleneck.")
    held = CommentFactory(
        parent=parent, status=Comment.Status.PENDING, body="Buy my course on permits."
    )
    CommentFactory(parent=held, body="This looks like spam.")
    Report.objects.create(comment=parent, reason=Report.Reason.ABUSE, note="Rude.")
    CommentFactory.create_batch(3, article=article, status=Comment.Status.PENDING)
    page = sign_in_to_admin(new_context(viewport=viewport), site, "mod")

    page.goto(site + path.format(held=held.pk))
    expect(page.locator("#content h1, #content h2").first).to_be_visible()
    axe_check(page, f"{what}, {viewport['width']}px wide")
