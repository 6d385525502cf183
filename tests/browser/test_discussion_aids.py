"""What helps readers argue well, in a real browser: previewing a comment (with and without
JavaScript), jumping to the form past a long discussion and back, and folding threads.
"""

import re

import pytest
from playwright.sync_api import expect

from articles.models import Article
from comments.models import Comment, ModerationSettings
from comments.threads.seeding import seed_discussion
from tests.browser.conftest import PHONE, axe_check
from tests.browser.test_discussion import field, fill_comment_form, submit
from tests.factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.browser

MARKDOWN = "Two *reasons*:\n\n1. cost\n2. [time](https://example.org/)"


@pytest.fixture
def site(transactional_db, live_server):
    """The live server's base URL, with the bot traps relaxed for a test's fast typing."""
    settings_row = ModerationSettings.current()
    settings_row.min_seconds_to_submit = 0
    settings_row.save()
    return live_server.url


@pytest.fixture
def article(site):
    return ArticleFactory(title="Ports and power", comment_policy=Article.CommentPolicy.OPEN)


@pytest.fixture
def article_url(site, article):
    return site + article.get_absolute_url()


# --- Preview -----------------------------------------------------------------------------------


def test_preview_without_javascript_shows_the_comment_and_keeps_the_form(new_context, article_url):
    page = new_context(java_script_enabled=False).new_page()
    page.goto(article_url)
    fill_comment_form(page, body=MARKDOWN, name="Ada Reader", email="ada@example.com")

    response = submit(page, "Preview")

    assert response is not None and response.status == 200
    preview = page.locator("#comment-preview")
    expect(preview.locator(".comment__content em")).to_have_text("reasons")
    expect(preview.locator(".comment__content ol li")).to_have_count(2)
    expect(preview.locator(".comment__author")).to_have_text("Ada Reader")
    form = page.locator("#commentform")
    expect(field(form, "Comment")).to_have_value(MARKDOWN)
    expect(field(form, "Name")).to_have_value("Ada Reader")
    expect(field(form, "Email")).to_have_value("ada@example.com")
    assert not Comment.objects.exists()

    submit(page)  # and then posts it, as it is
    assert Comment.objects.get().body.replace("\r\n", "\n") == MARKDOWN  # forms send CRLF


def test_live_preview_follows_the_text_and_is_announced_politely(new_context, article_url):
    page = new_context().new_page()
    page.goto(article_url)
    preview = page.locator("#comment-preview")
    expect(preview).to_have_attribute("aria-live", "polite")
    expect(preview).to_be_empty()

    field(page.locator("#commentform"), "Name").fill("Ada Reader")
    field(page.locator("#commentform"), "Comment").fill(MARKDOWN)

    expect(preview.locator(".comment__content em")).to_have_text("reasons")
    expect(preview.locator(".comment__content a")).to_have_attribute("href", "https://example.org/")
    expect(preview.locator(".comment__author")).to_have_text("Ada Reader")

    field(page.locator("#commentform"), "Comment").fill("<script>window.bad = 1</script> plain")
    expect(preview.locator(".comment__content")).to_have_text(
        "<script>window.bad = 1</script> plain"
    )
    assert page.evaluate("window.bad") is None

    field(page.locator("#commentform"), "Comment").fill("")
    expect(preview).to_be_empty()
    assert not Comment.objects.exists()


def test_live_preview_of_a_too_long_comment_gives_the_forms_message(new_context, site, article_url):
    limits = ModerationSettings.current()
    limits.max_length = 30
    limits.save()
    page = new_context().new_page()
    page.goto(article_url)
    textarea = field(page.locator("#commentform"), "Comment")
    textarea.evaluate("el => el.removeAttribute('maxlength')")  # as an old browser would
    textarea.fill("x" * 31)
    expect(page.locator("#comment-preview .comment-preview__error")).to_contain_text(
        "at most 30 characters"
    )
    assert not Comment.objects.exists()


def test_article_showing_a_preview_has_no_axe_violations(new_context, article_url):
    page = new_context().new_page()
    page.goto(article_url)
    fill_comment_form(page, body=MARKDOWN, name="Ada Reader", email="ada@example.com")
    expect(page.locator("#comment-preview .comment__content em")).to_be_visible()
    axe_check(page, "an article with a live comment preview")
    submit(page, "Preview")
    expect(page.locator("#comment-preview .comment__content em")).to_be_visible()
    axe_check(page, "an article showing a comment preview")


# --- Latest comments --------------------------------------------------------------------------


def test_latest_comments_lead_into_their_threads_and_have_no_axe_violations(
    new_context, site, article
):
    first = CommentFactory(article=article, author_name="Ann Reader", body="An early point.")
    CommentFactory(parent=first, author_name="Ben Writer", body="A *later* reply.")
    page = new_context().new_page()
    page.goto(site + "/")
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Comments").click()
    page.wait_for_url("**/comments/latest/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Latest comments")
    axe_check(page, "the latest comments")

    page.get_by_role("link", name=re.compile(r"^Read in its thread\W+Ann Reader on Ports")).click()
    page.wait_for_url(f"**{article.get_absolute_url()}#comment-{first.pk}")
    expect(page.locator(f"#comment-{first.pk} > article")).to_contain_text("An early point.")


# --- Reaching the form ------------------------------------------------------------------------


def _focused(page) -> dict:
    return page.evaluate(
        "() => { const el = document.activeElement;"
        " return {tag: el.tagName, id: el.id, text: el.textContent.trim()}; }"
    )


def _presses_to(page, element_id: str, limit: int) -> int:
    """Tab presses until `element_id` has focus (or `limit` + 1 if it never does)."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if _focused(page)["id"] == element_id:
            return presses
    return limit + 1


@pytest.fixture
def long_discussion(article):
    seed_discussion(article, 47)
    return article


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_keyboard_reader_jumps_from_the_discussion_heading_to_the_form_and_back(
    new_context, article_url, long_discussion, javascript
):
    page = new_context(java_script_enabled=javascript).new_page()
    # At the discussion's heading, as after following "47 comments" under the title (a
    # click there would focus <main>, the page's own skip target, not the heading).
    page.goto(article_url + "#discussion")
    expect(page.locator("#discussion-heading")).to_have_text("47 comments")
    expect(page.locator("#discussion-heading")).to_be_in_viewport()

    page.keyboard.press("Tab")
    assert _focused(page) == {"tag": "A", "id": "", "text": "Leave a Reply"}
    page.keyboard.press("Enter")
    presses = 2 + _presses_to(page, "id_body", limit=5)  # Tab, Enter, then Tab to the field
    assert presses <= 5, f"{presses} presses from the heading to the Comment field"
    assert page.url.endswith("#respond")

    # and back up: after the form's own fields and buttons, a link to the discussion's top
    for _ in range(12):
        page.keyboard.press("Tab")
        if _focused(page)["text"] == "Back to the top of the discussion":
            break
    else:
        pytest.fail(f"no way back up after the form; at {_focused(page)}")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert _focused(page)["text"] == "Leave a Reply"
    assert page.url.endswith("#discussion")


def test_leave_a_reply_while_replying_brings_the_form_home(
    new_context, article_url, long_discussion
):
    page = new_context().new_page()
    page.goto(article_url)
    page.locator("a.comment-reply-link").first.click()
    expect(page.locator("#respond .respond__replying")).to_be_visible()

    page.get_by_role("link", name="Leave a Reply").click()

    expect(page.locator("#respond .respond__heading")).to_be_visible()
    assert page.evaluate("document.getElementById('comment_parent').value") == ""
    assert page.evaluate("!document.getElementById('respond').closest('li.comment')")
    page.keyboard.press("Tab")
    assert _focused(page)["id"] == "id_body"


# --- Folding threads --------------------------------------------------------------------------


@pytest.fixture
def thread(article):
    """Ann's comment with three replies below it (Ben's, Cy's answer to Ben, and Di's)."""
    ann = CommentFactory(article=article, author_name="Ann Reader", body="The root.")
    ben = CommentFactory(parent=ann, author_name="Ben Writer", body="First reply.")
    cy = CommentFactory(parent=ben, author_name="Cy Critic", body="Reply to Ben.")
    di = CommentFactory(parent=ann, author_name="Di Analyst", body="Second reply.")
    return {"ann": ann, "ben": ben, "cy": cy, "di": di}


def _toggle(page, comment):
    return page.locator(f"#comment-{comment.pk} > button.thread-toggle")


def test_a_thread_folds_and_unfolds_by_keyboard(new_context, article_url, thread):
    page = new_context().new_page()
    page.goto(article_url)
    toggle = _toggle(page, thread["ann"])
    replies = page.locator(f"#comment-{thread['ann'].pk} > ol.children")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(toggle).to_have_attribute("aria-controls", f"comment-{thread['ann'].pk}-replies")
    expect(page.get_by_role("button", name="3 replies to Ann Reader")).to_have_count(1)
    expect(page.get_by_role("button", name="1 reply to Ben Writer")).to_have_count(1)
    expect(_toggle(page, thread["cy"])).to_have_count(0)  # no replies, nothing to fold
    expect(_toggle(page, thread["di"])).to_have_count(0)

    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(replies).to_be_hidden()
    for name in ("ben", "cy", "di"):
        expect(page.locator(f"#comment-{thread[name].pk}")).to_be_hidden()
    expect(toggle).to_have_text("3 replies to Ann Reader")  # the hidden part included
    expect(toggle.locator("span").first).to_have_text("3 replies")
    expect(toggle).to_be_focused()

    page.keyboard.press("Space")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(replies).to_be_visible()
    expect(page.locator(f"#comment-{thread['cy'].pk} > article")).to_contain_text("Reply to Ben.")


def test_without_javascript_every_reply_shows_and_nothing_folds(new_context, article_url, thread):
    page = new_context(java_script_enabled=False, viewport=PHONE).new_page()
    page.goto(article_url)
    expect(page.locator("button.thread-toggle")).to_have_count(0)
    for comment in thread.values():
        expect(page.locator(f"#comment-{comment.pk} > article")).to_be_visible()


@pytest.fixture
def five_deep(article):
    parent, chain = None, []
    for depth in range(5):
        parent = CommentFactory(
            article=article, parent=parent, author_name=f"Level {depth + 1}", body=f"Depth {depth}."
        )
        chain.append(parent)
    return chain


def test_deep_threads_start_folded_below_the_third_level_on_narrow_screens(
    new_context, article_url, five_deep
):
    page = new_context(viewport=PHONE).new_page()
    page.goto(article_url)
    for level in (0, 1):
        expect(_toggle(page, five_deep[level])).to_have_attribute("aria-expanded", "true")
    third = _toggle(page, five_deep[2])
    expect(third).to_have_attribute("aria-expanded", "false")
    expect(third.locator("span").first).to_have_text("2 replies")
    expect(page.locator(f"#comment-{five_deep[2].pk} > article")).to_be_visible()
    expect(page.locator(f"#comment-{five_deep[3].pk}")).to_be_hidden()
    axe_check(page, "a folded five-deep discussion on a phone")

    wide = new_context().new_page()
    wide.goto(article_url)
    expect(wide.locator("button.thread-toggle[aria-expanded=false]")).to_have_count(0)
    expect(wide.locator(f"#comment-{five_deep[4].pk} > article")).to_be_visible()


def test_a_permalink_into_a_folded_thread_unfolds_it(new_context, site, five_deep):
    page = new_context(viewport=PHONE).new_page()
    page.goto(site + five_deep[4].get_absolute_url())
    deepest = page.locator(f"#comment-{five_deep[4].pk} > article")
    expect(deepest).to_be_visible()
    expect(deepest).to_be_in_viewport()
    expect(_toggle(page, five_deep[2])).to_have_attribute("aria-expanded", "true")


def test_replying_to_a_comment_in_a_folded_thread_unfolds_it(new_context, article_url, five_deep):
    page = new_context(viewport=PHONE).new_page()
    # where "Reply" leads without JavaScript, and a reply form sent back with an error
    page.goto(f"{article_url}?replytocom={five_deep[3].pk}#respond")
    expect(page.locator(f"#comment-{five_deep[3].pk} > article")).to_be_visible()
    expect(page.locator(f"#comment-{five_deep[3].pk} #commentform")).to_be_visible()


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_a_long_discussion_with_every_aid_in_use_has_no_axe_violations(
    new_context, article_url, long_discussion, viewport
):
    page = new_context(**({"viewport": viewport} if viewport else {})).new_page()
    page.goto(article_url)
    expect(page.locator(".discussion__jump-link")).to_be_visible()
    first_toggle = page.locator("button.thread-toggle").first
    first_toggle.click()
    expect(first_toggle).to_have_attribute("aria-expanded", "false")
    fill_comment_form(page, body=MARKDOWN, name="Ada Reader", email="ada@example.com")
    expect(page.locator("#comment-preview .comment__content em")).to_be_visible()
    axe_check(page, "a long discussion with a folded thread and a live preview")
