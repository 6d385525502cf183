"""Labels in a real browser: a reader posts a comment labelled Question, one of the article's
authors marks a reply as its answer, and "Unanswered questions" no longer lists it; axe finds
nothing on the pages with labels, the filter and the authors' buttons."""

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from comments.models import Comment, ModerationSettings, Resolution
from tests.browser.conftest import axe_check
from tests.browser.test_discussion import fill_comment_form, sign_in, submit
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def discussion(transactional_db, live_server):
    """An article by Ada with a comment already; Rae, a reader about to ask."""
    settings_row = ModerationSettings.current()
    settings_row.hold_first_comments = False
    settings_row.min_seconds_to_submit = 0
    settings_row.flood_seconds = 0
    settings_row.save()
    ada = UserFactory(username="ada", first_name="Ada", last_name="Author")
    article = ArticleFactory(title="Grain corridors", authors=[ada])
    CommentFactory(article=article, author_name="Olive Early", kind="evidence")
    rae = UserFactory(username="rae", first_name="Rae", last_name="Reader")
    for user in (ada, rae):  # accounts sign in once their address is verified
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return live_server.url, article, ada, rae


def _filter_link(page, title: str):
    return page.get_by_role("navigation", name="Show comments by label").get_by_role(
        "link", name=title
    )


def test_a_question_answered_by_the_author_leaves_unanswered_questions(new_context, discussion):
    site, article, ada, rae = discussion
    page = sign_in(new_context(), site, rae)
    page.goto(f"{site}{article.get_absolute_url()}")

    fill_comment_form(page, body="Where does the 2030 tonnage figure come from?")
    page.get_by_role("radio", name="Question").check()
    submit(page)
    question = Comment.objects.get(body="Where does the 2030 tonnage figure come from?")
    assert question.kind == "question"
    expect(page.locator(f"#comment-{question.pk} > article .comment__kind")).to_have_text(
        "Question"
    )
    expect(_filter_link(page, "Unanswered questions (1)")).to_be_visible()
    axe_check(page, "a discussion with labels and the filter by label")

    reply = CommentFactory(
        parent=question, author_name="Bo Knows", body="From the ministry's 2024 outlook, p. 12."
    )
    _filter_link(page, "Unanswered questions (1)").click()
    expect(page.locator(".comment-list--flat > li")).to_have_count(1)
    expect(page.locator(f"#comment-{question.pk}")).to_be_visible()
    expect(_filter_link(page, "Unanswered questions (1)")).to_have_attribute("aria-current", "true")
    axe_check(page, "the unanswered questions, flat, with the filter")

    author = sign_in(new_context(), site, ada)
    author.goto(f"{site}{article.get_absolute_url()}")
    mark = author.get_by_role(
        "button", name="Mark as the answer to the question by Rae Reader: reply by Bo Knows"
    )
    axe_check(author, "the author's page with the answer buttons")
    with author.expect_navigation():
        mark.click()

    assert Resolution.objects.get(comment=question).answer_id == reply.pk
    expect(author.locator(f"#comment-{question.pk} > article .comment__resolution")).to_have_text(
        "Answered — see the answer"
    )
    expect(author.locator(f"#comment-{reply.pk} > article .comment__badge--answer")).to_have_text(
        "Answer"
    )
    expect(author.get_by_role("button", name="Unmark the answer by Bo Knows")).to_be_visible()

    page.reload()
    expect(page.locator(".discussion__filtered")).to_contain_text("unanswered questions: none")
    expect(page.locator(".comment-list--flat > li")).to_have_count(0)
    expect(_filter_link(page, "Unanswered questions (0)")).to_be_visible()
    _filter_link(page, "Questions (1)").click()
    expect(page.locator(f"#comment-{question.pk} .comment__resolution a")).to_have_attribute(
        "href", f"/comments/{reply.pk}/"
    )
    axe_check(page, "the questions, one answered")


def test_without_javascript_the_answer_button_posts_and_comes_back(new_context, discussion):
    site, article, ada, _rae = discussion
    question = CommentFactory(article=article, kind="question", author_name="Asker")
    reply = CommentFactory(parent=question, author_name="Replier")
    page = sign_in(new_context(java_script_enabled=False), site, ada)
    page.goto(f"{site}{article.get_absolute_url()}")

    with page.expect_navigation():
        page.get_by_role(
            "button", name="Mark as the answer to the question by Asker: reply by Replier"
        ).click()

    assert page.url.endswith(f"#comment-{reply.pk}")
    expect(page.locator(f"#comment-{reply.pk} > article .comment__badge--answer")).to_be_visible()
