"""Comments on a passage of the article, in a real browser: words selected in a paragraph
become the passage of a comment (with JavaScript), a paragraph's own link does it without;
the marker beside the paragraph leads to the comments on it; after a revision takes the
paragraph away, its comment stays in the thread and is listed under earlier text; axe finds
nothing on the page with all of it."""

import re

import pytest
from playwright.sync_api import expect

from articles.models import Article
from articles.services import save_article
from comments.models import Anchor, Comment, ModerationSettings
from comments.passages import placing
from tests.browser.conftest import axe_check, select_words
from tests.browser.test_discussion import field, fill_comment_form, submit
from tests.factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.browser

FREIGHT = "Freight rates doubled in a month as ships avoided the strait."
INSURERS = "Insurers raised premiums for every vessel in the region."
BANK = "The central bank says the price shock will pass by spring."
PORTS = "Ports further south are busier than they have been in years."
BODY = f"{FREIGHT}\n\n## Who pays\n\n{INSURERS}\n\n{BANK}\n\n{PORTS}"


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
    return ArticleFactory(
        title="Freight and fees", body=BODY, comment_policy=Article.CommentPolicy.OPEN
    )


@pytest.fixture
def article_url(site, article):
    return site + article.get_absolute_url()


def _paragraph(page, words: str):
    """The paragraph of the article that has `words` in it."""
    return page.locator("#article-text > p[id]", has_text=words)


def _tools(page, block_id: str):
    """The passage links and markers under a paragraph or heading."""
    return page.locator(f"#{block_id} + p.passage-tools")


def _select(page, block_id: str, start: str, end: str | None = None) -> str:
    """Select words in the paragraph `block_id`, as a reader dragging over them would."""
    return select_words(page, f"#{block_id}", start, end)


def _passage_quote(page, comment: Comment):
    return page.locator(f"#comment-{comment.pk} > article blockquote.comment__passage")


def test_a_reader_comments_on_selected_words_and_the_marker_leads_to_the_comment(
    page, article, article_url
):
    page.goto(article_url)
    block = _paragraph(page, INSURERS).get_attribute("id")
    tools = _tools(page, block)
    expect(tools.locator(".passage-tools__count")).to_have_count(0)
    expect(page.locator("button.passage-button")).to_have_count(0)

    assert _select(page, block, "raised premiums") == "raised premiums"

    button = tools.get_by_role("button", name="Comment on this passage")
    expect(button).to_be_visible()
    expect(page.locator("#comment-passage")).to_be_hidden()
    button.click()

    box = page.locator("#comment-passage")
    expect(box).to_be_visible()
    expect(box.locator(".comment-passage__words")).to_have_text("raised premiums")
    expect(box).to_contain_text("Your comment is on this passage:")
    textarea = field(page.locator("#commentform"), "Comment")
    expect(textarea).to_be_focused()
    assert page.locator("#commentform input[name=anchor]").input_value()
    axe_check(page, "the passage button and the passage shown in the comment form")

    page.keyboard.type("Which insurers, and by how much?")
    field(page.locator("#commentform"), "Name").fill("Ada Reader")
    field(page.locator("#commentform"), "Email").fill("ada@example.com")
    submit(page)

    comment = Comment.objects.get(author_name="Ada Reader")
    assert comment.status == Comment.Status.APPROVED
    anchor = Anchor.objects.get(comment=comment)
    assert (anchor.exact, anchor.block, anchor.state) == ("raised premiums", block, "anchored")
    page.wait_for_url(re.compile(rf"#comment-{comment.pk}$"))
    quote = _passage_quote(page, comment)
    expect(quote).to_have_text("On this passage: raised premiums", use_inner_text=True)
    expect(quote.get_by_role("link", name="On this passage")).to_have_attribute("href", f"#{block}")

    marker = _tools(page, block).get_by_role("link", name="1 comment on this passage")
    expect(marker).to_have_attribute("href", f"/comments/{comment.pk}/")
    expect(page.locator(".passage-tools__count")).to_have_count(1)  # beside that paragraph only
    page.goto(article_url)  # from the top of the article, as a later reader
    marker.focus()
    page.keyboard.press("Enter")

    page.wait_for_url(f"**{article.get_absolute_url()}#comment-{comment.pk}")
    mine = page.locator(f"#comment-{comment.pk} > article")
    expect(mine).to_be_in_viewport()
    expect(mine).to_contain_text("Which insurers, and by how much?")
    expect(_passage_quote(page, comment)).to_contain_text("raised premiums")

    # and the quote's link goes back up to the paragraph
    _passage_quote(page, comment).get_by_role("link", name="On this passage").click()
    page.wait_for_url(f"**#{block}")
    expect(_paragraph(page, INSURERS)).to_be_in_viewport()


def test_without_javascript_a_paragraphs_link_makes_it_the_comments_passage(
    new_context, article, article_url
):
    page = new_context(java_script_enabled=False).new_page()
    page.goto(article_url)
    block = _paragraph(page, BANK).get_attribute("id")
    expect(page.locator("#comment-passage")).to_be_hidden()

    with page.expect_navigation():
        _tools(page, block).get_by_role("link", name="Comment on this paragraph").click()

    assert page.url.endswith(f"?passage={block}#respond")
    box = page.locator("#comment-passage")
    expect(box).to_be_visible()
    expect(box.locator(".comment-passage__words")).to_have_text(BANK)
    fill_comment_form(
        page, body="Spring is optimistic.", name="Ben Reader", email="ben@example.com"
    )
    submit(page)

    comment = Comment.objects.get(author_name="Ben Reader")
    assert comment.status == Comment.Status.APPROVED
    assert Anchor.objects.get(comment=comment).exact == BANK
    page.wait_for_url(re.compile(rf"#comment-{comment.pk}$"))
    expect(_passage_quote(page, comment)).to_have_text(
        f"On this passage: {BANK}", use_inner_text=True
    )
    marker = _tools(page, block).get_by_role("link", name="1 comment on this passage")
    expect(marker).to_have_attribute("href", f"/comments/{comment.pk}/")
    # the heading has its link too, and no marker: nobody commented on it
    heading = page.locator("#article-text > h2[id]", has_text="Who pays").get_attribute("id")
    expect(_tools(page, heading)).to_have_text("Comment on this heading")


def test_a_paragraph_or_heading_selected_whole_by_triple_click_is_the_passage(
    page, article, article_url
):
    page.goto(article_url)
    textarea = field(page.locator("#commentform"), "Comment")
    words = page.locator("#comment-passage .comment-passage__words")
    heading = page.locator("#article-text > h2[id]", has_text="Who pays")
    for block, text in ((_paragraph(page, INSURERS), INSURERS), (heading, "Who pays")):
        # A triple-click selects on to the start of what follows; a heading's selection
        # takes in its "#" link to itself, which is not the heading's text.
        block.click(click_count=3)
        button = _tools(page, block.get_attribute("id")).get_by_role(
            "button", name="Comment on this passage"
        )
        button.focus()
        page.keyboard.press("Enter")
        expect(words).to_have_text(text)
        expect(textarea).to_be_focused()
    expect(page.locator(".passage-status")).to_have_text("")  # nothing refused


def test_with_javascript_a_paragraphs_link_chooses_it_in_place_and_it_survives_an_error(
    page, article, article_url
):
    olive = CommentFactory(article=article, author_name="Olive Older", body="An early point.")
    page.goto(article_url)
    form = page.locator("#commentform")
    box = page.locator("#comment-passage")
    words = box.locator(".comment-passage__words")
    anchor = form.locator("input[name=anchor]")
    page.locator(f"#comment-{olive.pk} > article a.comment-reply-link").click()
    expect(page.locator("#respond .respond__replying")).to_be_visible()

    # A passage is for a comment of one's own on the article: the reply gives way.
    block = _paragraph(page, FREIGHT).get_attribute("id")
    _tools(page, block).get_by_role("link", name="Comment on this paragraph").click()
    expect(words).to_have_text(FREIGHT)
    assert page.url == article_url  # chosen in place, no page loaded
    expect(page.locator("#respond .respond__heading")).to_be_visible()
    assert page.evaluate("document.getElementById('comment_parent').value") == ""
    expect(field(form, "Comment")).to_be_focused()

    box.get_by_role("link", name="Comment on the whole article instead").click()
    expect(box).to_be_hidden()
    expect(anchor).to_have_value("")
    expect(field(form, "Comment")).to_be_focused()

    _tools(page, block).get_by_role("link", name="Comment on this paragraph").click()
    expect(words).to_have_text(FREIGHT)
    fill_comment_form(page, body="Doubled from what base?", name="Eve", email="eve@example")
    response = submit(page)
    assert response is not None and response.status == 400
    expect(form.locator("[role=alert]")).to_contain_text("Enter a valid email address.")
    expect(box).to_be_visible()  # sent back with the passage still chosen
    expect(words).to_have_text(FREIGHT)

    field(form, "Email").fill("eve@example.com")
    submit(page)
    comment = Comment.objects.get(author_name="Eve")
    assert comment.parent_id is None
    assert Anchor.objects.get(comment=comment).exact == FREIGHT
    expect(_passage_quote(page, comment)).to_contain_text(FREIGHT)


def test_words_selected_across_a_line_break_become_the_passage(page, site):
    article = ArticleFactory(title="Lines", body="Fees rose in March,  \nand again in May.")
    page.goto(site + article.get_absolute_url())
    block = page.locator("#article-text > p[id]").first.get_attribute("id")
    _select(page, block, "in March", "again")
    button = _tools(page, block).get_by_role("button", name="Comment on this passage")
    with page.expect_response(f"**/articles/{article.slug}/comments/passage/") as answer:
        button.click()
    assert answer.value.ok, answer.value.json()
    expect(page.locator("#comment-passage .comment-passage__words")).to_have_text(
        "in March,\nand again"
    )


# --- After a revision ------------------------------------------------------------------------


def _comment_on(article, words: str, **fields) -> Comment:
    """A public comment on `words` of the article as it is now, written on this revision,
    its anchor placed as posting places it."""
    revision = article.revisions.get(number=article.revision)
    block = next(
        b for b in placing.blocks_of(revision) if words in revision.plain_text[b.start : b.end]
    )
    anchor, _token = placing.choose(article, block.id, words)
    comment = CommentFactory(article=article, article_revision=revision.number, **fields)
    passage = placing.checked_passage(article, (revision.number, anchor.start, anchor.end))
    placing.attach(comment, passage)
    return comment


def test_a_comment_on_a_paragraph_a_revision_removed_is_listed_under_earlier_text(
    new_context, article, article_url
):
    gone = _comment_on(
        article, "will pass by spring", author_name="Cy Critic", body="Spring, really?"
    )
    kept = _comment_on(article, "busier than", author_name="Di Docks", body="Busier still.")
    article.body = f"A new first paragraph.\n\n{FREIGHT}\n\n## Who pays\n\n{INSURERS}\n\n{PORTS}"
    save_article(article=article, editor=None, note="The bank's forecast withdrawn")
    article.refresh_from_db()
    assert article.revision == 2
    assert Anchor.objects.get(comment=gone).state == Anchor.State.ORPHANED
    followed = Anchor.objects.get(comment=kept)
    assert followed.state != Anchor.State.ORPHANED and followed.revision == 2

    page = new_context().new_page()
    page.goto(article_url)
    expect(page.locator("#article-text")).not_to_contain_text(BANK)

    earlier = page.get_by_role("region", name="Comments on earlier text")
    expect(earlier.locator("li")).to_have_count(1)
    expect(earlier.locator("li blockquote")).to_have_text("will pass by spring")
    link = earlier.get_by_role("link", name="Comment by Cy Critic")
    expect(link).to_have_attribute("href", f"/comments/{gone.pk}/")

    # still in the thread, saying it was on words the article no longer has
    old = page.locator(f"#comment-{gone.pk} > article")
    expect(old).to_contain_text("Spring, really?")
    expect(old.locator("blockquote.comment__passage--earlier")).to_have_text(
        "On earlier text of the article: will pass by spring", use_inner_text=True
    )
    expect(old.locator(".comment__revision")).to_have_text(
        "Written on revision 1 · see what changed since then"
    )
    expect(old.get_by_role("link", name="see what changed since then")).to_have_attribute(
        "href", f"{article.get_absolute_url()}revisions/compare/?from=1&to=2"
    )

    # the other comment followed its paragraph, which moved down
    ports = _paragraph(page, PORTS).get_attribute("id")
    expect(_tools(page, ports).locator(".passage-tools__count")).to_have_text(
        "1 comment on this passage"
    )
    expect(page.locator(".passage-tools__count")).to_have_count(1)
    expect(_passage_quote(page, kept)).to_have_text(
        "On this passage: busier than", use_inner_text=True
    )
    expect(page.locator(f"#comment-{kept.pk} > article .comment__revision")).to_contain_text(
        "Written on revision 1"
    )
    axe_check(page, "an article with passage markers, passage quotes and earlier text")

    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{article.get_absolute_url()}#comment-{gone.pk}")
    expect(old).to_be_in_viewport()
