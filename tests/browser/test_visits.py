"""New since your last visit, in a real browser: a signed-in reader's markers come from the
server and "Next new comment" takes the keyboard from one to the next, unfolding a folded
thread; an anonymous reader's browser remembers the last visit itself; axe finds nothing."""

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from playwright.sync_api import expect

from comments.models import Comment, ModerationSettings
from tests.browser.conftest import PHONE, axe_check
from tests.browser.test_discussion import post, sign_in
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.browser

NEW = "New"


def _ago(**delta):
    return timezone.now() - timedelta(**delta)


@pytest.fixture
def site(transactional_db, live_server, settings):
    """The live server; a visit's moment is not held back (the unit tests see to that), so
    that a comment made a second after a page was shown is new on the next."""
    settings.API_FEED_LAG_SECONDS = 0
    settings_row = ModerationSettings.current()
    settings_row.min_seconds_to_submit = 0
    settings_row.flood_seconds = 0
    settings_row.save()
    return live_server.url


@pytest.fixture
def article(site):
    return ArticleFactory(title="Harbour dues")


@pytest.fixture
def article_url(site, article):
    return site + article.get_absolute_url()


@pytest.fixture
def ada(site):
    user = UserFactory(username="ada", first_name="Ada", last_name="Lovelace")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture
def seen_before(article):
    """What the discussion held before the reader's first visit: a thread five deep."""
    parent, chain = None, []
    for depth in range(5):
        parent = CommentFactory(
            article=article,
            parent=parent,
            author_name=f"Old {depth + 1}",
            body=f"Seen before, level {depth + 1}.",
            created_at=_ago(hours=5 - depth),
        )
        chain.append(parent)
    return chain


def _focused_comment(page) -> str:
    """The id of the comment whose <article> has the focus ("" if none has)."""
    return page.evaluate(
        "() => { const el = document.activeElement;"
        " return el && el.matches('li.comment > article') ? el.parentNode.id : ''; }"
    )


def _new_on_the_page(page) -> list[str]:
    return page.eval_on_selector_all("li.comment--new", "items => items.map(item => item.id)")


def _tab_to(page, name: str, limit: int = 8) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.textContent.trim()") == name:
            return
    pytest.fail(f"no {name!r} within {limit} presses")


def test_a_signed_in_reader_goes_from_new_comment_to_new_comment_by_keyboard(
    new_context, site, article, article_url, ada, seen_before
):
    page = sign_in(new_context(viewport=PHONE), site, ada)
    page.goto(article_url)
    expect(page.locator(".comment__new")).to_have_count(0)  # a first visit marks nothing
    expect(page.locator("#discussion-new")).to_have_count(0)

    deep = CommentFactory(parent=seen_before[3], author_name="Deep Di", body="Down in the fold.")
    top = CommentFactory(article=article, author_name="Top Tam", body="A new thread.")
    CommentFactory(article=article, user=ada, author_name="Ada", body="Mine, so not new.")
    page.reload()

    expect(page.locator("#discussion-new")).to_have_text(
        "2 new since your last visit Next new comment"
    )
    assert _new_on_the_page(page) == [f"comment-{deep.pk}", f"comment-{top.pk}"]
    expect(page.locator(f"#comment-{top.pk} > article .comment__new")).to_have_text(NEW)
    expect(page.get_by_text("Mine, so not new.")).to_be_visible()
    expect(page.locator(".comment__new")).to_have_count(2)
    # On a phone the deep reply starts folded away.
    expect(page.locator(f"#comment-{deep.pk}")).to_be_hidden()
    assert not page.evaluate(
        "() => Object.keys(localStorage).some(key => key.startsWith('discussion-visit:'))"
    ), "a signed-in reader's visits are the server's to keep"

    page.get_by_role("link", name="Leave a Reply").focus()  # just under the heading
    _tab_to(page, "Next new comment", limit=1)
    page.keyboard.press("Enter")

    assert _focused_comment(page) == f"comment-{deep.pk}"
    expect(page.get_by_text("Down in the fold.")).to_be_visible()
    expect(page.locator(f"#comment-{seen_before[2].pk} > button.thread-toggle")).to_have_attribute(
        "aria-expanded", "true"
    )

    _tab_to(page, "Next new comment")  # the link in the comment, on to the next
    page.keyboard.press("Enter")
    assert _focused_comment(page) == f"comment-{top.pk}"
    expect(page.locator(f"#comment-{top.pk} > article")).to_be_in_viewport()

    _tab_to(page, "Next new comment")
    page.keyboard.press("Enter")
    assert _focused_comment(page) == f"comment-{deep.pk}"  # round to the first again


def test_without_javascript_the_signed_in_markers_are_links(
    new_context, site, article, article_url, ada, seen_before
):
    page = sign_in(new_context(java_script_enabled=False), site, ada)
    page.goto(article_url)
    first = CommentFactory(parent=seen_before[0], body="First new one.")
    second = CommentFactory(article=article, body="Second new one.")
    page.reload()

    expect(page.locator(".comment__new")).to_have_count(2)
    page.locator("#discussion-new").get_by_role("link", name="Next new comment").click()
    page.wait_for_url(f"**#comment-{first.pk}")
    page.locator(f"#comment-{first.pk} > article").get_by_role(
        "link", name="Next new comment"
    ).click()
    page.wait_for_url(f"**#comment-{second.pk}")


def test_an_anonymous_reader_gets_markers_from_their_browser_on_a_second_visit(
    new_context, article, article_url, seen_before
):
    page = new_context().new_page()
    page.goto(article_url)
    expect(page.locator("#discussion-new")).to_be_hidden()
    expect(page.locator(".comment__new")).to_have_count(0)
    assert page.evaluate(f"localStorage.getItem('discussion-visit:{article.pk}')")

    # Ann wrote here before, elsewhere, so her comment is published at once, not held.
    CommentFactory(
        author_name="Ann Reader", author_email="ann@example.com", created_at=_ago(days=30)
    )
    theirs = CommentFactory(parent=seen_before[1], author_name="Ben", body="Posted meanwhile.")
    mine = post(page, "My own point.", name="Ann Reader", email="ann@example.com")
    assert mine.status == Comment.Status.APPROVED

    # The page after posting is the second visit: Ben's comment is new, one's own is not.
    assert _new_on_the_page(page) == [f"comment-{theirs.pk}"]
    expect(page.locator("#discussion-new")).to_be_visible()
    expect(page.locator("#discussion-new")).to_have_text(
        "1 new since your last visit Next new comment"
    )
    expect(page.locator(f"#comment-{theirs.pk} > article .comment__new")).to_have_text(NEW)
    expect(page.locator(f"#comment-{mine.pk} .comment__new")).to_have_count(0)

    later = [
        CommentFactory(article=article, body="Later one."),
        CommentFactory(parent=seen_before[4], body="Later two."),
    ]
    page.reload()

    # Only what came after the last visit; and the page's order, not posting order.
    assert _new_on_the_page(page) == [f"comment-{later[1].pk}", f"comment-{later[0].pk}"]
    expect(page.locator("#discussion-new .discussion__new-number")).to_have_text("2")
    page.locator("#discussion-new").get_by_role("link", name="Next new comment").focus()
    page.keyboard.press("Enter")
    assert _focused_comment(page) == f"comment-{later[1].pk}"
    _tab_to(page, "Next new comment")
    page.keyboard.press("Enter")
    assert _focused_comment(page) == f"comment-{later[0].pk}"
    axe_check(page, "an anonymous reader's page with new comments marked")


def test_without_storage_the_page_works_and_marks_nothing(new_context, article_url, seen_before):
    context = new_context()
    context.add_init_script(
        "Object.defineProperty(window, 'localStorage', { get() {"
        " throw new DOMException('The operation is insecure.', 'SecurityError'); } });"
    )
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    for _ in range(2):
        page.goto(article_url)
        expect(page.locator("button.thread-toggle").first).to_be_visible()  # the scripts ran

    expect(page.locator("#discussion-new")).to_be_hidden()
    expect(page.locator(".comment__new")).to_have_count(0)
    assert errors == []


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_a_page_with_new_comments_has_no_axe_violations(
    new_context, site, article, article_url, ada, seen_before, viewport
):
    options = {"viewport": viewport} if viewport else {}
    page = sign_in(new_context(**options), site, ada)
    page.goto(article_url)
    for n in range(3):
        CommentFactory(parent=seen_before[n], body=f"New reply {n}.")
    CommentFactory(
        article=article, status=Comment.Status.APPROVED, body="A [link](https://example.org/)."
    )
    page.reload()
    expect(page.locator(".comment__new")).to_have_count(4)
    axe_check(page, "a signed-in reader's page with new comments marked")

    page.locator("#discussion-new").get_by_role("link", name="Next new comment").click()
    assert re.fullmatch(r"comment-\d+", _focused_comment(page))
    axe_check(page, "a new comment with the focus")
