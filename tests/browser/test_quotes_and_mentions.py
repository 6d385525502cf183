"""Quotes and mentions in a real browser: quoting the words selected in a comment (under the
name of whoever wrote them, when they sit in a quote) or the whole of it, with and without
JavaScript; the quote's attribution leading back to the quoted comment; a mention taken from
the suggestions by keyboard that mails its reader only once a moderator has published the
comment (a real worker and SMTP server); and axe on a page with all of it.
"""

import re
import time

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from articles.models import Article
from comments.models import Comment, Guideline, MailPreference, ModerationSettings
from comments.moderation import decisions
from comments.moderation.statements import Grounds
from comments.threads import quoting
from tests.browser.conftest import PHONE, axe_check, select_words
from tests.browser.test_discussion import field, fill_comment_form, sign_in, submit
from tests.factories import ArticleFactory, CommentFactory, UserFactory, moderator_user
from tests.integration import conftest as real_parts
from tests.services import wait_for

pytestmark = pytest.mark.browser

# The real SMTP server, Redis broker and Celery worker of the integration tests.
smtp_sink = real_parts.smtp_sink
broker = real_parts.broker
workers = real_parts.workers

OLIVE = (
    "> Fees only ever rise.\n\n"
    "First, the obvious point.\nShipping insurance is underrated as a cost.\n\nSecond, ports."
)


@pytest.fixture
def site(transactional_db, live_server):
    """The live server's base URL. A first comment is published at once (no "hold a reader's
    first comment"), and the bot traps are relaxed for a test's fast typing."""
    settings_row = ModerationSettings.current()
    settings_row.hold_first_comments = False
    settings_row.min_seconds_to_submit = 0
    settings_row.flood_seconds = 0
    settings_row.save()
    return live_server.url


@pytest.fixture
def article(site):
    return ArticleFactory(title="Freight and fees", comment_policy=Article.CommentPolicy.OPEN)


@pytest.fixture
def olive(article):
    """Olive's comment, with a quote of its own (which a quote of it leaves out)."""
    return CommentFactory(article=article, author_name="Olive Older", body=OLIVE)


def _reader(username: str, first_name: str, last_name: str):
    user = UserFactory(username=username, first_name=first_name, last_name=last_name)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def _said_in(article, body: str, **fields) -> Comment:
    """A public comment rendered in its discussion, as posting it would render it."""
    rendered = quoting.render_in(article.pk, body, signed_in=fields.get("user") is not None)
    comment = CommentFactory(article=article, body=body, body_html=rendered.html, **fields)
    comment.quotes.set(rendered.quotes)
    return comment


def _select(page, comment: Comment, start: str, end: str | None = None) -> str:
    """Select words in the comment's text, as a reader dragging over them would."""
    return select_words(page, f"#comment-{comment.pk} > article .comment__content", start, end)


def _quote_link(page, comment: Comment):
    return page.locator(f"#comment-{comment.pk} > article").get_by_role(
        "link", name=f"Quote {comment.author_name}"
    )


# --- Quoting --------------------------------------------------------------------------------


def test_quoting_a_selection_posts_only_those_words_linked_to_their_comment(
    page, site, article, olive
):
    page.goto(site + article.get_absolute_url())
    assert _select(page, olive, "insurance is underrated") == "insurance is underrated"

    _quote_link(page, olive).click()

    form = page.locator(f"#comment-{olive.pk} #commentform")
    expect(form).to_be_visible()  # the reply form moved under the quoted comment
    textarea = field(form, "Comment")
    expect(textarea).to_be_focused()
    expect(textarea).to_have_value(
        f"> [Olive Older wrote:](/comments/{olive.pk}/)\n> insurance is underrated\n\n"
    )
    page.keyboard.type("And it compounds on every leg.")
    field(form, "Name").fill("Ada Reader")
    field(form, "Email").fill("ada@example.com")
    submit(page)

    reply = Comment.objects.get(author_name="Ada Reader")
    assert reply.status == Comment.Status.APPROVED and reply.parent_id == olive.pk
    page.wait_for_url(re.compile(rf"#comment-{reply.pk}$"))
    quote = page.locator(f"#comment-{reply.pk} > article .comment__content blockquote.quote")
    expect(quote).to_have_count(1)
    cite = quote.locator(".quote__cite").get_by_role("link")
    expect(cite).to_have_text("Olive Older wrote:")
    expect(cite).to_have_attribute("href", f"/comments/{olive.pk}/")
    expect(quote).to_contain_text("insurance is underrated")
    expect(quote).not_to_contain_text("obvious")
    expect(page.locator(f"#comment-{reply.pk} > article .comment__content > p")).to_have_text(
        "And it compounds on every leg."
    )

    cite.click()

    page.wait_for_url(f"**{article.get_absolute_url()}#comment-{olive.pk}")
    quoted = page.locator(f"#comment-{olive.pk} > article")
    expect(quoted).to_contain_text("Shipping insurance is underrated as a cost.")
    expect(quoted).to_be_in_viewport()


def test_words_selected_on_a_phone_are_quoted_when_the_link_is_tapped(
    new_context, site, article, olive
):
    page = new_context(viewport=PHONE, has_touch=True, is_mobile=True).new_page()
    page.goto(site + article.get_absolute_url())
    _select(page, olive, "insurance is underrated")

    _quote_link(page, olive).tap()

    expect(field(page.locator(f"#comment-{olive.pk} #commentform"), "Comment")).to_have_value(
        f"> [Olive Older wrote:](/comments/{olive.pk}/)\n> insurance is underrated\n\n"
    )


def test_words_selected_in_a_quote_are_quoted_as_the_quoted_comments(page, site, article, olive):
    cy = _said_in(
        article,
        f"> [Olive Older wrote:](/comments/{olive.pk}/)\n> Shipping insurance is underrated"
        "\n\nNot on the short routes.",
        author_name="Cy Critic",
    )
    page.goto(site + article.get_absolute_url())
    textarea = field(page.locator("#commentform"), "Comment")

    # Olive's words, in Cy's comment: they are Olive's, not Cy's.
    _select(page, cy, "insurance is underrated")
    _quote_link(page, cy).click()
    expect(textarea).to_have_value(
        f"> [Olive Older wrote:](/comments/{olive.pk}/)\n> insurance is underrated\n\n"
    )

    # From inside the quote on into Cy's own words: Cy's words only (pressed by keyboard).
    textarea.fill("")
    _select(page, cy, "underrated", "the short")
    _quote_link(page, cy).focus()
    page.keyboard.press("Enter")
    expect(textarea).to_have_value(
        f"> [Cy Critic wrote:](/comments/{cy.pk}/)\n> Not on the short\n\n"
    )


def test_quote_without_a_selection_takes_the_whole_comment(page, site, article, olive):
    page.goto(site + article.get_absolute_url())
    textarea = field(page.locator("#commentform"), "Comment")

    _quote_link(page, olive).click()
    expect(textarea).to_have_value(quoting.quote_of(olive))

    # Words selected, then the selection cleared: nothing is selected when Quote is pressed.
    textarea.fill("")
    _select(page, olive, "insurance is underrated")
    page.locator(f"#comment-{olive.pk} > article .comment__content > p").first.click()
    assert page.evaluate("window.getSelection().isCollapsed")
    _quote_link(page, olive).click()
    expect(textarea).to_have_value(quoting.quote_of(olive))


def test_without_javascript_quote_opens_the_form_with_the_whole_comment(
    new_context, site, article, olive
):
    page = new_context(java_script_enabled=False).new_page()
    page.goto(site + article.get_absolute_url())

    with page.expect_navigation():
        _quote_link(page, olive).click()

    assert page.url.endswith(f"?replytocom={olive.pk}&quote=1#respond")
    respond = page.locator("#respond")
    expect(respond.get_by_role("heading", name="Reply to Olive Older")).to_be_visible()
    textarea = field(respond, "Comment")
    expect(textarea).to_have_value(
        f"> [Olive Older wrote:](/comments/{olive.pk}/)\n"
        "> First, the obvious point.\n"
        "> Shipping insurance is underrated as a cost.\n"
        ">\n"
        "> Second, ports.\n\n"
    )

    # The attribution shows who really wrote it, whatever the reply's Markdown claims.
    forged = textarea.input_value().replace("Olive Older", "Somebody Famous")
    fill_comment_form(page, body=forged + "Quite.", name="Ada Reader", email="ada@example.com")
    submit(page)
    reply = Comment.objects.get(author_name="Ada Reader")
    cite = page.locator(f"#comment-{reply.pk} > article .quote__cite a")
    expect(cite).to_have_text("Olive Older wrote:")
    expect(page.locator(f"#comment-{reply.pk} > article")).not_to_contain_text("Somebody Famous")


# --- Mentions --------------------------------------------------------------------------------


def _log(worker) -> str:
    return real_parts.log_tail(worker)


@pytest.mark.integration
def test_a_mention_mails_its_reader_once_a_moderator_publishes_it(
    new_context, site, article, workers, smtp_sink
):
    worker = workers()
    settings_row = ModerationSettings.current()
    settings_row.require_approval = True
    settings_row.save()
    ada = _reader("ada", "Ada", "Lovelace")
    bram = _reader("bram", "Bram", "Baker")
    bea = _reader("bea", "Bea", "Bishop")
    for user in (bea, bram):  # readers of this discussion, so they are suggested
        CommentFactory(article=article, user=user, author_name=user.get_full_name())
    moderator = moderator_user(username="mo")
    MailPreference.objects.create(email=moderator.email, user=moderator, held_comments=True)

    page = sign_in(new_context(), site, ada)
    page.goto(site + article.get_absolute_url())
    textarea = field(page.locator("#commentform"), "Comment")
    textarea.click()
    page.keyboard.type("Over to @b")
    suggestions = page.get_by_role("listbox", name="Readers to mention")
    expect(suggestions.get_by_role("option")).to_have_text(
        ["@bea (Bea Bishop)", "@bram (Bram Baker)"]
    )
    expect(suggestions.get_by_role("option", selected=True)).to_have_text("@bea (Bea Bishop)")
    page.keyboard.press("ArrowDown")
    expect(suggestions.get_by_role("option", selected=True)).to_have_text("@bram (Bram Baker)")
    page.keyboard.press("Enter")
    expect(suggestions).to_be_hidden()
    page.keyboard.type("what do you make of it?")
    expect(textarea).to_have_value("Over to @bram what do you make of it?")
    submit(page)

    comment = Comment.objects.get(user=ada)
    assert comment.status == Comment.Status.PENDING and comment.mentions == ["bram"]
    expect(page.locator(f"#comment-{comment.pk} .comment__awaiting")).to_be_visible()
    # The outbox is at work (the moderator hears the comment waits); the mention waits too.
    wait_for(
        lambda: smtp_sink.to(moderator.email), timeout=30, what=f"the held mail\n{_log(worker)}"
    )
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        assert smtp_sink.to(bram.email) == [], "mailed about a comment nobody can read yet"
        time.sleep(0.2)

    decisions.decide(comment, Comment.Status.APPROVED, moderator=moderator)

    wait_for(lambda: smtp_sink.to(bram.email), timeout=30, what=f"the mention\n{_log(worker)}")
    time.sleep(1.5)  # a second copy would have come by now
    mails = smtp_sink.to(bram.email)
    assert len(mails) == 1
    assert mails[0].message["Subject"] == "Ada Lovelace mentioned you on Freight and fees"
    assert smtp_sink.to(bea.email) == []

    public = new_context().new_page()
    public.goto(site + article.get_absolute_url())
    mention = public.locator(f"#comment-{comment.pk} > article .comment__content .mention")
    expect(mention).to_have_text("@bram")


# --- Accessibility ---------------------------------------------------------------------------


def test_quotes_mentions_and_open_suggestions_have_no_axe_violations(
    new_context, site, article, olive
):
    ada = _reader("ada", "Ada", "Lovelace")
    bram = _reader("bram", "Bram", "Baker")
    moderator = moderator_user(username="mo")
    _said_in(article, "Bram here.", user=bram, author_name="Bram Baker")
    doomed = _said_in(article, "My neighbour at 12 Dock Road says so.", author_name="Di Doomed")
    _said_in(
        article,
        f"> [Olive wrote:](/comments/{olive.pk}/)\n> insurance is underrated\n\nYes, @bram.",
        user=ada,
        author_name="Ada Lovelace",
    )
    gone = _said_in(
        article, f"> [Di wrote:](/comments/{doomed.pk}/)\n> 12 Dock Road\n\nNo.", author_name="Cy"
    )
    decisions.decide(
        doomed,
        Comment.Status.REMOVED,
        moderator=moderator,
        reason="Personal data",
        grounds=Grounds(clause=_personal_data_clause()),
    )

    page = sign_in(new_context(), site, ada)
    page.goto(site + article.get_absolute_url())
    expect(page.locator(".quote__cite a")).to_have_text(["Olive Older wrote:"])
    expect(page.locator(f"#comment-{gone.pk} .quote--gone")).to_have_text("Quoted comment removed.")
    expect(page.locator(f"#comment-{gone.pk}")).not_to_contain_text("Dock Road")
    expect(page.locator(".comment__content .mention")).to_have_text(["@bram"])
    field(page.locator("#commentform"), "Comment").click()
    page.keyboard.type("Thanks @br")
    suggestions = page.get_by_role("listbox", name="Readers to mention")
    expect(suggestions.get_by_role("option", selected=True)).to_have_text("@bram (Bram Baker)")

    axe_check(page, "a discussion with quotes, a removed quote, a mention and open suggestions")


def _personal_data_clause() -> Guideline:
    """The guideline a removal for personal data cites (the live server's database is
    emptied between tests, the migration's clauses with it)."""
    return Guideline.objects.get_or_create(
        number=5, defaults={"title": "No personal data of others", "text": "Keep it private."}
    )[0]
