"""The discussion under an article, used in a real browser the way readers use it.

Anonymous and signed-in readers post, reply (with and without JavaScript), edit, delete and
report; a keyboard-only reader posts; form errors are announced; axe-core finds nothing to
fix. Each reader is a browser context of its own, so "another reader" really is one: no
cookies, no session shared with the first.
"""

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from playwright.sync_api import expect

from articles.models import Article
from comments.models import Comment, ModerationSettings, Report
from tests.browser.conftest import axe_check
from tests.factories import ArticleFactory, CommentFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"
AWAITING = "Your comment is awaiting moderation."


# --- Data -----------------------------------------------------------------------------------


@pytest.fixture
def site(transactional_db, live_server):
    """The live server's base URL; the test database is shared with its thread.

    A test types faster than a person and posts several comments in a row, so the bot
    traps and flood control that would catch it are relaxed here (they have tests of their
    own in tests/comments).
    """
    settings_row = ModerationSettings.current()
    settings_row.min_seconds_to_submit = 0
    settings_row.flood_seconds = 0
    settings_row.save()
    return live_server.url


@pytest.fixture
def article(site):
    return ArticleFactory(
        title="Shipping lanes under strain",
        comment_policy=Article.CommentPolicy.OPEN,
        topics=[TopicFactory(name="Trade"), TopicFactory(name="Geopolitics")],
    )


@pytest.fixture
def article_url(site, article):
    return site + article.get_absolute_url()


@pytest.fixture
def make_reader(site):
    """A registered reader whose email address is verified, so they can sign in."""

    def make(username: str, first_name: str, last_name: str):
        user = UserFactory(username=username, first_name=first_name, last_name=last_name)
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        # A comment approved long ago: a known reader, published at once.
        CommentFactory(user=user, created_at=timezone.now() - timedelta(days=30))
        return user

    return make


@pytest.fixture
def grace(make_reader):
    return make_reader("grace", "Grace", "Hopper")


# --- What a reader does ----------------------------------------------------------------------


def sign_in(context, site: str, user):
    """Sign in through the login page, as a reader would; returns the page, signed in."""
    page = context.new_page()
    page.goto(site + "/accounts/login/")
    page.locator("input[name=login]").fill(user.username)
    page.locator("input[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign In").click()
    assert "/accounts/login/" not in page.url, "sign-in failed:\n" + page.inner_text("main")
    return page


def field(scope, label: str):
    """A text field of the comment form by its label (the "*" is aria-hidden)."""
    return scope.get_by_role("textbox", name=label, exact=True)


def fill_comment_form(page, *, body: str, name=None, email=None, website=None):
    form = page.locator("#commentform")
    field(form, "Comment").fill(body)
    for label, value in (("Name", name), ("Email", email), ("Website", website)):
        if value is not None:
            field(form, label).fill(value)
    return form


def submit(page, button: str = "Post Comment"):
    """Press a submit button and wait for the page it leads to; returns that response."""
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name=button).click()
    return navigation.value


def post(page, body: str, **details) -> Comment:
    """Fill in and send the comment form; returns the comment, once the page shows it."""
    fill_comment_form(page, body=body, **details)
    submit(page)
    comment = Comment.objects.get(body=body)
    page.wait_for_url(re.compile(rf"#comment-{comment.pk}$"))
    return comment


def item(page, comment_id: int):
    """A comment's list item (the comment and its replies)."""
    return page.locator(f"#comment-{comment_id}")


def own_body(page, comment_id: int):
    """The comment itself, without its replies."""
    return page.locator(f"#comment-{comment_id} > article")


def form_home_is_restored(page) -> bool:
    return page.evaluate(
        "() => { const r = document.getElementById('respond');"
        " return r.parentElement.id === 'discussion' && !r.closest('li.comment'); }"
    )


# --- Posting --------------------------------------------------------------------------------


def test_anonymous_comment_is_held_for_moderation_and_hidden_from_other_readers(
    new_context, article_url
):
    text = "Insurers price the strait by the week now, not the year."
    page = new_context().new_page()
    page.goto(article_url)
    expect(page.locator("#respond").get_by_role("heading", name="Leave a Reply")).to_be_visible()

    comment = post(
        page,
        text,
        name="Ada Reader",
        email="ada@example.com",
        website="https://ada.example.org",
    )

    assert comment.status == Comment.Status.PENDING
    assert comment.author_name == "Ada Reader"
    assert comment.author_url == "https://ada.example.org"
    assert page.evaluate("location.hash") == f"#comment-{comment.pk}"
    mine = item(page, comment.pk)
    expect(mine).to_contain_text(text)
    expect(mine).to_contain_text(AWAITING)
    expect(mine.get_by_role("link", name="Ada Reader")).to_have_attribute(
        "href", "https://ada.example.org"
    )

    other = new_context().new_page()
    response = other.goto(article_url)
    assert response is not None and response.status == 200
    expect(other.locator("#discussion")).to_be_visible()
    expect(item(other, comment.pk)).to_have_count(0)
    expect(other.locator("#discussion")).not_to_contain_text(text)
    assert text not in other.content()


def test_signed_in_reader_posts_without_name_fields_and_is_published_at_once(
    new_context, site, article_url, grace
):
    text = "The spreadsheet misses how fast reroutings become the new normal."
    page = sign_in(new_context(), site, grace)
    page.goto(article_url)
    form = page.locator("#commentform")
    expect(form.locator(".logged-in-as")).to_contain_text("Logged in as Grace Hopper.")
    for label in ("Name", "Email", "Website"):
        expect(field(form, label)).to_have_count(0)

    comment = post(page, text)

    assert comment.status == Comment.Status.APPROVED
    assert comment.user_id == grace.pk
    expect(item(page, comment.pk)).to_contain_text(text)
    expect(item(page, comment.pk)).not_to_contain_text(AWAITING)

    anonymous = new_context().new_page()
    anonymous.goto(article_url)
    expect(item(anonymous, comment.pk)).to_contain_text(text)
    expect(item(anonymous, comment.pk)).to_contain_text("Grace Hopper")


# --- Replying -------------------------------------------------------------------------------


def test_reply_three_levels_deep_with_javascript_and_cancel_moves_the_form_back(
    new_context, site, article, article_url, grace
):
    root = CommentFactory(
        article=article, author_name="Rosalind Franklin", body="The root of the thread."
    )
    page = sign_in(new_context(), site, grace)
    page.goto(article_url)

    target, target_author = root, "Rosalind Franklin"
    replies = []
    for level in (1, 2, 3):
        page_before = page.url
        item(page, target.pk).locator(":scope > article .comment-reply-link").click()

        # The form moved under the comment, without loading a page.
        respond = page.locator(f"#comment-{target.pk} > #respond")
        expect(respond).to_have_count(1)
        expect(respond.get_by_role("heading", name=f"Reply to {target_author}")).to_be_visible()
        expect(respond.get_by_role("link", name="Cancel reply")).to_be_visible()
        expect(respond.get_by_role("heading", name="Leave a Reply")).to_have_count(0)
        expect(page.locator("#comment_parent")).to_have_value(str(target.pk))
        expect(field(respond, "Comment")).to_be_focused()
        assert page.url == page_before

        reply = post(page, f"A reply at level {level}.")
        assert reply.parent_id == target.pk
        assert reply.depth == level
        replies.append(reply)
        target, target_author = reply, "Grace Hopper"

    deepest = replies[-1]
    nested = page.locator(
        f"#comment-{root.pk} > ol.children > li#comment-{replies[0].pk}"
        f" > ol.children > li#comment-{replies[1].pk}"
        f" > ol.children > li#comment-{deepest.pk}"
    )
    expect(nested).to_contain_text("A reply at level 3.")
    expect(
        page.locator(f"#comment-{root.pk} ol.children li ol.children li ol.children li")
    ).to_contain_text("A reply at level 3.")

    # Start a reply, then change one's mind: the form goes back where it was.
    reply_link = item(page, deepest.pk).locator(":scope > article .comment-reply-link")
    reply_link.click()
    expect(page.locator(f"#comment-{deepest.pk} > #respond")).to_have_count(1)
    page.locator("#respond").get_by_role("link", name="Cancel reply").click()

    expect(page.locator(f"#comment-{deepest.pk} > #respond")).to_have_count(0)
    assert form_home_is_restored(page)
    respond = page.locator("#respond")
    expect(respond.get_by_role("heading", name="Leave a Reply")).to_be_visible()
    expect(respond.get_by_role("link", name="Cancel reply")).to_be_hidden()
    expect(page.locator("#comment_parent")).to_have_value("")
    expect(reply_link).to_be_focused()


def test_reply_three_levels_deep_without_javascript(new_context, site, article, article_url, grace):
    root = CommentFactory(
        article=article, author_name="Rosalind Franklin", body="The root of the thread."
    )
    context = new_context(java_script_enabled=False)
    page = sign_in(context, site, grace)
    page.goto(article_url)
    assert page.evaluate("1 + 1") == 2  # Playwright can still evaluate; the page cannot.

    target, target_author = root, "Rosalind Franklin"
    replies = []
    for level in (1, 2, 3):
        item(page, target.pk).locator(":scope > article .comment-reply-link").click()
        page.wait_for_url(re.compile(rf"\?replytocom={target.pk}#respond$"))

        respond = page.locator("#respond")
        expect(respond.get_by_role("heading", name=f"Reply to {target_author}")).to_be_visible()
        expect(respond.get_by_role("link", name="Cancel reply")).to_be_visible()
        expect(page.locator("#comment_parent")).to_have_value(str(target.pk))

        reply = post(page, f"A reply without scripts at level {level}.")
        assert reply.parent_id == target.pk
        assert reply.depth == level
        assert page.url.endswith(f"#comment-{reply.pk}")
        expect(item(page, reply.pk)).to_contain_text(f"A reply without scripts at level {level}.")
        replies.append(reply)
        target, target_author = reply, "Grace Hopper"

    expect(
        page.locator(
            f"#comment-{root.pk} > ol.children > li#comment-{replies[0].pk}"
            f" > ol.children > li#comment-{replies[1].pk}"
            f" > ol.children > li#comment-{replies[2].pk}"
        )
    ).to_contain_text("A reply without scripts at level 3.")
    # After posting, the form is back to a fresh "Leave a Reply".
    expect(page.locator("#respond").get_by_role("heading", name="Leave a Reply")).to_be_visible()


# --- Editing, deleting, reporting -----------------------------------------------------------


def test_author_edits_within_the_window_and_not_after(new_context, site, article_url):
    page = new_context().new_page()
    page.goto(article_url)
    comment = post(
        page, "Freight rates doubled in a month.", name="Ada Reader", email="ada@example.com"
    )

    own_body(page, comment.pk).get_by_role("link", name="Edit your comment").click()
    page.wait_for_url(f"**/comments/{comment.pk}/edit/")
    textarea = field(page.locator("main form"), "Comment")
    expect(textarea).to_have_value("Freight rates doubled in a month.")
    textarea.fill("Freight rates tripled in a month.")
    submit(page, "Save changes")

    page.wait_for_url(re.compile(rf"#comment-{comment.pk}$"))
    mine = own_body(page, comment.pk)
    expect(mine).to_contain_text("Freight rates tripled in a month.")
    expect(mine).not_to_contain_text("doubled")
    expect(mine.locator(".comment__edited")).to_have_text("(edited)")
    comment.refresh_from_db()
    assert comment.body == "Freight rates tripled in a month."
    assert comment.edited_at is not None

    Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - timedelta(minutes=20))
    page.reload()
    mine = own_body(page, comment.pk)
    expect(mine).to_contain_text("Freight rates tripled in a month.")
    expect(mine.get_by_role("link", name="Edit your comment")).to_have_count(0)
    expect(mine.get_by_role("link", name="Delete your comment")).to_be_visible()

    response = page.goto(site + f"/comments/{comment.pk}/edit/")
    assert response is not None
    assert 400 <= response.status < 500, response.status
    expect(page.locator("main")).to_contain_text("can no longer be edited")
    expect(page.get_by_role("button", name="Save changes")).to_have_count(0)


def test_deleting_a_comment_with_replies_leaves_a_tombstone_and_keeps_the_replies(
    new_context, site, article, article_url, grace
):
    mine = CommentFactory(
        article=article,
        user=grace,
        author_name="Grace Hopper",
        body="Containers are the real unit of account.",
    )
    reply = CommentFactory(
        parent=mine, author_name="Rosalind Franklin", body="Only until the ports jam."
    )
    page = sign_in(new_context(), site, grace)
    page.goto(article_url)
    own_body(page, reply.pk).wait_for()
    expect(own_body(page, reply.pk).get_by_role("link", name="Delete your comment")).to_have_count(
        0
    )

    own_body(page, mine.pk).get_by_role("link", name="Delete your comment").click()
    page.wait_for_url(f"**/comments/{mine.pk}/delete/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete your comment?")
    submit(page, "Delete comment")

    page.wait_for_url(f"**{article.get_absolute_url()}#discussion")
    expect(own_body(page, mine.pk)).to_have_text("This comment was deleted.")
    expect(page.locator("#discussion")).not_to_contain_text("Containers are the real unit")
    expect(
        page.locator(f"#comment-{mine.pk} > ol.children > li#comment-{reply.pk}")
    ).to_contain_text("Only until the ports jam.")
    mine.refresh_from_db()
    assert mine.status == Comment.Status.DELETED

    # Another reader sees the same: the tombstone and, under it, the reply.
    other = new_context().new_page()
    other.goto(article_url)
    expect(own_body(other, mine.pk)).to_have_text("This comment was deleted.")
    expect(item(other, reply.pk)).to_contain_text("Only until the ports jam.")


def test_reader_reports_a_comment_once(new_context, article, article_url):
    theirs = CommentFactory(
        article=article, author_name="Rosalind Franklin", body="Everyone who disagrees is a fool."
    )
    page = new_context().new_page()
    page.goto(article_url)

    def report():
        own_body(page, theirs.pk).get_by_role(
            "link", name="Report comment by Rosalind Franklin"
        ).click()
        page.wait_for_url(f"**/comments/{theirs.pk}/report/")
        expect(page.locator("main blockquote")).to_contain_text("Everyone who disagrees")
        page.get_by_role("radio", name="Abusive or harassing").check()
        return submit(page, "Send report")

    report()
    page.wait_for_url(re.compile(rf"#comment-{theirs.pk}$"))
    expect(page.get_by_role("status").filter(has_text="Thank you.")).to_have_text(
        "Thank you. The moderators will look at this comment."
    )
    reports = Report.objects.filter(comment=theirs)
    assert [r.reason for r in reports] == [Report.Reason.ABUSE]

    response = report()
    assert response is not None and response.status == 400
    expect(page.get_by_role("alert")).to_contain_text("You have already reported this comment")
    assert Report.objects.filter(comment=theirs).count() == 1


# --- Keyboard and assistive technology ------------------------------------------------------


def _focused(page) -> dict:
    return page.evaluate(
        "() => { const el = document.activeElement;"
        " return {tag: el.tagName, id: el.id, text: el.textContent.trim()}; }"
    )


def test_keyboard_only_reader_posts_a_comment(new_context, article_url):
    text = "Posted without touching the mouse."
    page = new_context().new_page()
    page.goto(article_url)

    for _ in range(80):
        page.keyboard.press("Tab")
        if _focused(page)["id"] == "id_body":
            break
    else:
        pytest.fail(f"80 presses of Tab never reached the Comment field; at {_focused(page)}")

    page.keyboard.type(text)
    page.keyboard.press("Tab")
    assert _focused(page)["id"] == "id_kind_0"  # the label's radios: one stop, "No label"
    page.keyboard.press("Tab")
    assert _focused(page)["tag"] == "SUMMARY"  # "Cite sources", folded: one stop
    for field_id, value in (
        ("id_name", "Kay Board"),
        ("id_email", "kay@example.com"),
        ("id_url", "https://kay.example.org"),
    ):
        page.keyboard.press("Tab")
        assert _focused(page)["id"] == field_id
        page.keyboard.type(value)
    for field_id in ("id_save_details", "id_wants_followups", "id_followup_scope"):
        page.keyboard.press("Tab")
        assert _focused(page)["id"] == field_id
    page.keyboard.press("Tab")
    assert _focused(page) == {"tag": "BUTTON", "id": "", "text": "Post Comment"}

    with page.expect_navigation():
        page.keyboard.press("Enter")

    comment = Comment.objects.get(body=text)
    assert (comment.author_name, comment.author_email) == ("Kay Board", "kay@example.com")
    page.wait_for_url(re.compile(rf"#comment-{comment.pk}$"))
    expect(item(page, comment.pk)).to_contain_text(text)
    expect(item(page, comment.pk)).to_contain_text(AWAITING)


def _post_with_errors(page, article_url):
    """Send a comment that is blank and an email the server refuses.

    The browser's own checks stop an empty textarea and a malformed address before they are
    sent, so this is what reaches the server: a comment of spaces only, and an address the
    browser accepts (a bare host) but the site does not.
    """
    page.goto(article_url)
    fill_comment_form(page, body="   ", name="Ada Reader", email="ada@example")
    return submit(page)


def test_form_errors_are_announced_and_tied_to_their_fields(new_context, article_url):
    page = new_context().new_page()
    response = _post_with_errors(page, article_url)

    assert response is not None and response.status == 400
    summary = page.locator("#commentform [role=alert]")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Your comment was not posted.")

    form = page.locator("#commentform")
    for label, field_id in (("Comment", "id_body"), ("Email", "id_email")):
        control = field(form, label)
        expect(control).to_have_attribute("aria-invalid", "true")
        # The summary lists "Label: message" linking to the field; the field's own
        # description must carry the same message.
        listed = summary.locator(f"a[href='#{field_id}']")
        expect(listed).to_have_count(1)
        message = listed.inner_text().removeprefix(f"{label}: ").strip()
        assert message, f"the summary gives no message for {label}"
        described_by = (control.get_attribute("aria-describedby") or "").split()
        assert described_by, f"{label} has no aria-describedby"
        descriptions = " ".join(
            page.locator(f"[id='{element_id}']").inner_text() for element_id in described_by
        )
        assert message in descriptions, (label, described_by, descriptions)
    expect(summary).to_contain_text("Enter a valid email address.")

    expect(field(form, "Name")).to_have_value("Ada Reader")
    expect(field(form, "Name")).not_to_have_attribute("aria-invalid", "true")
    assert not Comment.objects.exists()

    # Checked last so that a failure here still lets the checks above report: the summary
    # must have focus, so a screen reader reads it out at once.
    expect(summary).to_be_focused()
    assert page.evaluate("document.activeElement.getAttribute('role')") == "alert"


def test_home_page_has_no_axe_violations(new_context, site, article):
    ArticleFactory(
        title="A second analysis",
        comment_policy=Article.CommentPolicy.OPEN,
        topics=[TopicFactory(name="Trade")],
    )
    page = new_context().new_page()
    page.goto(site + "/")
    expect(page.get_by_role("link", name="Shipping lanes under strain")).to_be_visible()
    axe_check(page, "the home page")


def test_article_with_a_five_deep_discussion_has_no_axe_violations(
    new_context, article, article_url
):
    parent = None
    chain = []
    for depth in range(5):
        parent = CommentFactory(
            article=article, parent=parent, body=f"A comment at depth {depth}.", author_url=""
        )
        chain.append(parent)
    assert [c.depth for c in chain] == [0, 1, 2, 3, 4]
    page = new_context().new_page()
    page.goto(article_url)
    expect(page.locator(f"#comment-{chain[-1].pk}.depth-4")).to_contain_text("depth 4")
    axe_check(page, "an article with a five-deep discussion")


def test_article_showing_form_errors_has_no_axe_violations(new_context, article_url):
    page = new_context().new_page()
    _post_with_errors(page, article_url)
    expect(page.locator("#commentform [role=alert]")).to_be_visible()
    axe_check(page, "an article showing comment form errors")


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/email/",
        "/accounts/notifications/",
        "/accounts/api-tokens/",
        "/accounts/personal-data/",
        "/accounts/password/change/",
    ],
)
def test_account_pages_have_no_axe_violations(new_context, site, grace, path):
    page = sign_in(new_context(), site, grace)
    page.goto(site + path)
    expect(page.get_by_role("navigation", name="Your account")).to_be_visible()
    axe_check(page, path)


@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]
)
def test_entrance_pages_have_no_axe_violations(new_context, site, path):
    page = new_context().new_page()
    page.goto(site + path)
    axe_check(page, path)


@pytest.mark.parametrize(
    ("what", "path"),
    [
        ("the topic list", "/topics/"),
        ("a topic page", "/topics/trade/"),
        ("the report page", "/comments/{comment}/report/"),
        ("the 404 page", "/nowhere/"),
    ],
)
def test_reader_pages_have_no_axe_violations(new_context, site, article, what, path):
    comment = CommentFactory(article=article)
    page = new_context().new_page()
    page.goto(site + path.format(comment=comment.pk))
    expect(page.locator("h1")).to_be_visible()
    axe_check(page, what)


@pytest.mark.parametrize(
    ("what", "path", "heading"),
    [
        ("the edit page", "/comments/{comment}/edit/", "Edit your comment"),
        ("the delete page", "/comments/{comment}/delete/", "Delete your comment?"),
    ],
)
def test_own_comment_pages_have_no_axe_violations(
    new_context, site, article, grace, what, path, heading
):
    mine = CommentFactory(article=article, user=grace, author_name="Grace Hopper")
    page = sign_in(new_context(), site, grace)
    page.goto(site + path.format(comment=mine.pk))
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    axe_check(page, what)
