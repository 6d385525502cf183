"""Every feature of a discussion at once, in a real browser, on a desktop and on a phone: a
signed-in reader's second visit to an article revised since comments were made on its
passages, with picks, badges, labels and an answered question, quotes (one of a removed
comment), a mention, sources, a muted reader, a Useful vote, a folded thread, comments new
since the last visit, and a comment being written on a passage with the mention suggestions
open and the live preview showing. Each feature is checked to be on the page before axe
looks at it, so that one quietly gone cannot leave the check with less to find."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from playwright.sync_api import expect

from articles.models import Article
from articles.services import save_article
from comments.models import Anchor, Comment, Guideline, ModerationSettings, Source
from comments.moderation import answers, decisions, picks
from comments.moderation.statements import Grounds
from comments.passages import placing
from comments.threads import quoting
from tests.browser.conftest import PHONE, axe_check
from tests.browser.test_discussion import field, sign_in
from tests.factories import ArticleFactory, CommentFactory, UserFactory, moderator_user

pytestmark = pytest.mark.browser

FREIGHT = "Freight rates doubled in a month as ships avoided the strait."
INSURERS = "Insurers raised premiums for every vessel in the region."
BANK = "The central bank says the price shock will pass by spring."
PORTS = "Ports further south are busier than they have been in years."
BODY = f"{FREIGHT}\n\n## Who pays\n\n{INSURERS}\n\n{BANK}\n\n{PORTS}"
REVISED = f"{FREIGHT}\n\n## Who pays\n\n{INSURERS}\n\nA new paragraph on tankers.\n\n{PORTS}"
OLIVE = "First, the obvious point.\nShipping insurance is underrated as a cost."


@pytest.fixture
def site(transactional_db, live_server, settings):
    """The live server; first comments published at once, the bot traps relaxed, and a
    visit's moment not held back, so that a comment made after a page was shown is new."""
    settings.API_FEED_LAG_SECONDS = 0
    settings_row = ModerationSettings.current()
    settings_row.hold_first_comments = False
    settings_row.min_seconds_to_submit = 0
    settings_row.flood_seconds = 0
    settings_row.save()
    return live_server.url


def _account(username: str, first_name: str, last_name: str, **fields):
    user = UserFactory(username=username, first_name=first_name, last_name=last_name, **fields)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


class _Clock:
    """Moments in the past, each a minute after the one before: the comments' order."""

    def __init__(self):
        self.at = timezone.now() - timedelta(days=2)

    def next(self):
        self.at += timedelta(minutes=1)
        return self.at


def _said(article, clock: _Clock, body: str, **fields) -> Comment:
    """A public comment rendered in its discussion as posting renders it (quotes, mentions)."""
    fields.setdefault("created_at", clock.next())
    rendered = quoting.render_in(article.pk, body, signed_in=fields.get("user") is not None)
    comment = CommentFactory(article=article, body=body, body_html=rendered.html, **fields)
    comment.quotes.set(rendered.quotes)
    return comment


def _on_passage(article, clock: _Clock, words: str, **fields) -> Comment:
    """A public comment on `words` of the article as it is now, written on this revision."""
    revision = article.revisions.get(number=article.revision)
    block = next(
        b for b in placing.blocks_of(revision) if words in revision.plain_text[b.start : b.end]
    )
    anchor, _token = placing.choose(article, block.id, words)
    comment = _said(article, clock, article_revision=revision.number, **fields)
    passage = placing.checked_passage(article, (revision.number, anchor.start, anchor.end))
    placing.attach(comment, passage)
    return comment


@pytest.fixture
def everything(site):
    """The discussion before the reader's first visit, and who is in it."""
    clock = _Clock()
    ada = _account("ada", "Ada", "Lovelace")
    bram = _account("bram", "Bram", "Baker")
    lou = _account("lou", "Lou", "Loud")
    wren = _account("wren", "Wren", "Writer")
    mo = moderator_user(username="mo", first_name="Mo", last_name="Moderator")
    article = ArticleFactory(
        title="Straits and shipping",
        body=BODY,
        authors=[wren],
        comment_policy=Article.CommentPolicy.OPEN,
    )
    c = {}
    c["olive"] = _said(article, clock, OLIVE, author_name="Olive Older", kind="evidence")
    Source.objects.create(
        comment=c["olive"], position=1, url="https://example.org/rates", title="Freight index",
        publisher="Example Data", published=timezone.localdate() - timedelta(days=40),
        status=Source.Status.OK,
    )  # fmt: skip
    Source.objects.create(
        comment=c["olive"], position=2, url="https://example.net/gone",
        status=Source.Status.UNREACHABLE, failures=3,
        first_failed_at=timezone.now() - timedelta(days=5),
        archived_url="https://archive.example/example.net/gone",
    )  # fmt: skip
    picks.pick(c["olive"], editor=mo, note="Sharp on costs.")
    c["bram"] = _said(
        article, clock, "Bram here, on the ports.", user=bram, author_name="Bram Baker"
    )
    c["ada"] = _said(
        article, clock, quoting.quote_of(c["olive"]) + "Yes, and @bram has the port figures.",
        user=ada, author_name="Ada Lovelace",
    )  # fmt: skip
    c["doomed"] = _said(article, clock, "My neighbour at 12 Dock Road says so.", author_name="Di")
    c["quoter"] = _said(
        article, clock, f"> [Di wrote:](/comments/{c['doomed'].pk}/)\n> 12 Dock Road\n\nNo.",
        author_name="Cy Critic",
    )  # fmt: skip
    decisions.decide(
        c["doomed"],
        Comment.Status.REMOVED,
        moderator=mo,
        reason="Personal data",
        grounds=Grounds(clause=_personal_data_clause()),
    )
    c["question"] = _said(
        article, clock, "Where does the doubling come from?", author_name="Quinn Asker",
        kind="question",
    )  # fmt: skip
    c["answer"] = _said(
        article, clock, "From the freight index, week 12.", parent=c["question"], user=wren,
        author_name="Wren Writer",
    )  # fmt: skip
    answers.mark_answer(c["question"], c["answer"], by=wren)
    c["moderator"] = _said(
        article, clock, "Please keep to the argument.", parent=c["quoter"], user=mo,
        author_name="Mo Moderator",
    )  # fmt: skip
    c["correction"] = _said(
        article, clock, "The strait was closed for 9 days, not 10.", author_name="Cora Check",
        kind="correction",
    )  # fmt: skip
    c["loud"] = _said(article, clock, "Shouting about harbours.", user=lou, author_name="Loud Lou")
    c["calm"] = _said(article, clock, "A quiet answer.", parent=c["loud"], author_name="Calm Cal")
    c["gone"] = _on_passage(
        article, clock, "will pass by spring", body="Spring, really?", author_name="Sam Sceptic"
    )
    c["kept"] = _on_passage(
        article, clock, "busier than", body="Busier still in May.", author_name="Pat Ports"
    )
    parent = None
    for depth in range(5):
        parent = _said(
            article, clock, f"Deeper, level {depth + 1}.", parent=parent,
            author_name=f"Level {depth + 1}",
        )  # fmt: skip
        c[f"level{depth + 1}"] = parent
    article.body = REVISED
    save_article(article=article, editor=None, note="The bank's forecast withdrawn")
    article.refresh_from_db()
    assert Anchor.objects.get(comment=c["gone"]).state == Anchor.State.ORPHANED
    assert Anchor.objects.get(comment=c["kept"]).revision == 2
    return {"article": article, "ada": ada, "comments": c}


def _features_are_there(page, c: dict, new: list[Comment]) -> None:
    """Every feature the page is meant to have, where it is meant to be."""
    of = {name: page.locator(f"#comment-{comment.pk} > article") for name, comment in c.items()}
    # picks and badges
    strip = page.get_by_role("complementary", name="Editor\u2019s picks")
    expect(strip.get_by_role("link", name="Olive Older")).to_be_visible()
    expect(of["olive"].locator(".comment__badge--pick")).to_contain_text("Sharp on costs.")
    expect(of["answer"].locator(".comment__badge--author")).to_have_text("Author")
    expect(of["moderator"].locator(".comment__badge--moderator")).to_have_text("Moderator")
    # labels, the filter by label, an answered question
    expect(of["olive"].locator(".comment__kind")).to_have_text("Evidence")
    expect(of["question"].locator(".comment__kind")).to_have_text("Question")
    expect(of["correction"].locator(".comment__kind")).to_have_text("Correction")
    expect(of["question"].locator(".comment__resolution--answered")).to_be_visible()
    expect(of["answer"].locator(".comment__badge--answer")).to_have_text("Answer")
    expect(page.get_by_role("navigation", name="Show comments by label")).to_be_visible()
    # quotes, one of a removed comment; a mention
    expect(of["ada"].locator(".quote .quote__cite a")).to_have_text("Olive Older wrote:")
    expect(of["quoter"].locator(".quote--gone")).to_have_text("Quoted comment removed.")
    expect(page.locator("#discussion")).not_to_contain_text("Dock Road")
    expect(of["ada"].locator(".comment__content .mention")).to_have_text("@bram")
    # sources, one of them unreachable with an archived copy
    sources = of["olive"].locator("ol.sources > li")
    expect(sources).to_have_count(2)
    expect(sources.nth(0)).to_contain_text("Freight index")
    expect(sources.nth(1).locator(".source__status")).to_contain_text("unreachable since")
    expect(sources.nth(1).locator(".source__archived")).to_be_visible()
    # passages: a marker, a quote of a passage, earlier text, the revision a comment was on
    ports = page.locator("#article-text > p[id]", has_text=PORTS).get_attribute("id")
    expect(page.locator(f"#{ports} + .passage-tools .passage-tools__count")).to_have_text(
        "1 comment on this passage"
    )
    expect(of["kept"].locator("blockquote.comment__passage a")).to_have_attribute(
        "href", f"#{ports}"
    )
    expect(of["gone"].locator("blockquote.comment__passage--earlier")).to_contain_text(
        "will pass by spring"
    )
    earlier = page.get_by_role("region", name="Comments on earlier text")
    expect(earlier.get_by_role("link", name="Comment by Sam Sceptic")).to_be_visible()
    expect(of["gone"].locator(".comment__revision")).to_contain_text("Written on revision 1")
    # the muted reader folded away, the reply to them not
    muted = page.locator(f"#comment-{c['loud'].pk} > details > summary")
    expect(muted).to_have_text("Comment by a muted reader — show")
    expect(page.get_by_text("Shouting about harbours.")).to_be_hidden()
    expect(of["calm"]).to_be_visible()
    # the reader's Useful vote
    useful = page.get_by_role("button", name="Useful comment by Olive Older")
    expect(useful).to_have_attribute("aria-pressed", "true")
    expect(page.locator(f"#comment-{c['olive'].pk}-useful")).to_have_text("1 useful")
    # new since the last visit
    expect(page.locator(".comment__new")).to_have_count(len(new))
    for comment in new:
        expect(page.locator(f"#comment-{comment.pk} > article .comment__new")).to_have_text("New")
    expect(page.locator("#discussion-new")).to_contain_text(f"{len(new)} new since your last")


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_a_discussion_with_every_feature_at_once_has_no_axe_violations(
    new_context, site, everything, viewport
):
    article, ada, c = everything["article"], everything["ada"], everything["comments"]
    url = site + article.get_absolute_url()
    page = sign_in(new_context(**({"viewport": viewport} if viewport else {})), site, ada)
    page.goto(url)  # the first visit
    expect(page.locator(".comment__new")).to_have_count(0)
    with page.expect_navigation():
        page.get_by_role("button", name="Mute Loud Lou").click()
    useful = page.get_by_role("button", name="Useful comment by Olive Older")
    useful.click()
    expect(useful).to_have_attribute("aria-pressed", "true")

    # While the reader is away: a reply deep in a thread (folded on a phone), a new thread.
    new = [
        CommentFactory(parent=c["level4"], author_name="Deep Di", body="Down in the fold."),
        CommentFactory(
            article=article, author_name="Tam Top", body="A counterpoint.", kind="counterpoint"
        ),
    ]
    page.goto(url)  # the second visit
    _features_are_there(page, c, new)

    # A thread folded by the reader; on a phone, the deep one folded already.
    toggle = page.get_by_role("button", name="1 reply to Quinn Asker")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(page.locator(f"#comment-{c['answer'].pk}")).to_be_hidden()
    deep_fold = page.locator(f"#comment-{c['level3'].pk} > button.thread-toggle")
    if viewport == PHONE:
        expect(deep_fold).to_have_attribute("aria-expanded", "false")
        expect(page.locator(f"#comment-{new[0].pk}")).to_be_hidden()
    else:
        expect(deep_fold).to_have_attribute("aria-expanded", "true")

    # Words of a paragraph chosen as the passage of a comment being written, which mentions
    # a reader: the suggestions are open, the preview shows.
    insurers = page.locator("#article-text > p[id]", has_text=INSURERS)
    block = insurers.get_attribute("id")
    insurers.click(click_count=3)
    button = page.locator(f"#{block} + .passage-tools").get_by_role(
        "button", name="Comment on this passage"
    )
    button.click()
    expect(page.locator("#comment-passage .comment-passage__words")).to_have_text(INSURERS)
    textarea = field(page.locator("#commentform"), "Comment")
    expect(textarea).to_be_focused()
    page.keyboard.type("Thanks @br")
    suggestions = page.get_by_role("listbox", name="Readers to mention")
    expect(suggestions.get_by_role("option", selected=True)).to_have_text("@bram (Bram Baker)")
    expect(page.locator("#comment-preview .comment__content")).to_contain_text("Thanks @br")

    axe_check(page, f"a discussion with every feature at once ({viewport or 'desktop'})")


def _personal_data_clause() -> Guideline:
    """The guideline a removal for personal data cites (the live server's database is
    emptied between tests, the migration's clauses with it)."""
    return Guideline.objects.get_or_create(
        number=5, defaults={"title": "No personal data of others", "text": "Keep it private."}
    )[0]
