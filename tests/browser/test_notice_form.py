"""A signed-out reader reports a comment as illegal content in Chromium: from the comment's
link to the form, an error announced when the good-faith statement is missing, then the
thank-you on the article. The form (with and without errors) and the appeal page pass axe's
WCAG 2.2 AA rules, and no page breaks the Content-Security-Policy."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from comments.models import Comment, Guideline, Notice
from comments.moderation import appeals, decisions, statements
from tests.browser.conftest import Watch, axe_check
from tests.factories import ArticleFactory, CommentFactory, moderator_user

pytestmark = pytest.mark.browser

GOOD_FAITH = "A notice needs this statement of good faith."


@pytest.fixture
def site(transactional_db, live_server):
    return live_server.url


@pytest.fixture
def discussion(site):
    article = ArticleFactory(title="Ferry subsidies, revisited")
    notified = CommentFactory(
        article=article, author_name="Cato Writer", body="People from the islands are vermin."
    )
    CommentFactory(article=article, author_name="Dee Calm", body="The subsidy is small.")
    return article, notified


def _fill(page) -> None:
    page.get_by_role("radio", name="Illegal or harmful speech").check()
    page.get_by_role("textbox", name="Why is this comment illegal?").fill(
        "It dehumanises the people of a region."
    )
    page.get_by_role("textbox", name="Your name").fill("Rhea Notifier")
    page.get_by_role("textbox", name="Your email").fill("rhea@example.net")


def _send(watch: Watch, status: int) -> None:
    with watch.page.expect_navigation() as navigation:
        watch.page.get_by_role("button", name="Send notice").click()
    assert navigation.value.status == status
    watch.answered(status)


def test_a_signed_out_reader_sends_a_notice_after_fixing_the_missing_statement(
    new_context, site, discussion
):
    article, notified = discussion
    watch = Watch(new_context())
    page = watch.page
    watch.visit(site + article.get_absolute_url())

    page.locator(f"#comment-{notified.pk}").get_by_role(
        "link", name=re.compile("^Report illegal content")
    ).click()
    expect(page).to_have_url(f"{site}/comments/{notified.pk}/notice/")
    expect(page.get_by_role("heading", name="Report illegal content")).to_be_visible()
    expect(page.get_by_text("People from the islands are vermin.")).to_be_visible()
    axe_check(page, "the notice form")

    _fill(page)
    _send(watch, 400)

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Please correct the 1 problem below.")
    expect(summary).to_contain_text(GOOD_FAITH)
    expect(summary).to_be_focused()  # read out at once
    link = summary.get_by_role("link")
    checkbox = page.get_by_role("checkbox", name=re.compile("^I believe in good faith"))
    assert link.get_attribute("href") == "#" + checkbox.get_attribute("id")
    expect(page.get_by_text(GOOD_FAITH).nth(1)).to_be_visible()  # beside the box, too
    assert Notice.objects.count() == 0
    axe_check(page, "the notice form with an error")
    # What was typed is kept: only the box is left to tick.
    expect(page.get_by_role("textbox", name="Your name")).to_have_value("Rhea Notifier")

    link.click()
    checkbox.check()
    _send(watch, 200)

    expect(page.locator(f"#comment-{notified.pk}")).to_be_visible()
    assert page.url.startswith(site + article.get_absolute_url())
    notice = Notice.objects.get()
    expect(page.get_by_text(f"We received your notice (number {notice.pk})")).to_be_visible()
    expect(page.get_by_text("A receipt is on its way to your email.")).to_be_visible()
    assert (notice.comment, notice.name, notice.email) == (
        notified,
        "Rhea Notifier",
        "rhea@example.net",
    )
    assert notice.good_faith and notice.user is None
    watch.check()


def test_the_appeal_pages_pass_axe_without_a_policy_violation(new_context, site, discussion):
    article, notified = discussion
    moderator = moderator_user(username="mod")
    notice = Notice.objects.create(
        comment=notified,
        ground=statements.Statement.Category.SPEECH,
        explanation="It dehumanises the people of a region.",
        urls=[site + notified.get_absolute_url()],
        name="Rhea Notifier",
        email="rhea@example.net",
        good_faith=True,
        state=Notice.State.NO_ACTION,
        decided_at=timezone.now(),
        decided_by=moderator,
        decision_note="Harsh, but within the law.",
    )
    removed = CommentFactory(article=article, body="Off topic entirely.")
    clause, _ = Guideline.objects.get_or_create(
        number=3, defaults={"title": "Stay on topic", "text": "Talk about the article."}
    )
    decisions.decide(
        removed,
        Comment.Status.REMOVED,
        moderator=moderator,
        grounds=statements.grounds_from(clause=clause),
    )
    removed.refresh_from_db()
    watch = Watch(new_context())
    page = watch.page

    for decision, what in ((notice, "a notice left alone"), (removed.statement, "a removal")):
        watch.visit(site + appeals.path_for(decision))
        expect(page.get_by_role("heading", name="Appeal a decision")).to_be_visible()
        axe_check(page, f"the appeal page of {what}")
        with page.expect_navigation() as navigation:
            page.get_by_role("button", name="Send appeal").click()
        assert navigation.value.status == 400
        watch.answered(400)
        expect(page.get_by_role("alert")).to_contain_text("Explain why the decision should change.")
        axe_check(page, f"the appeal page of {what}, with an error")
    watch.check()
