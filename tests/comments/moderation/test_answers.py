"""Answered questions: the article's authors and moderators mark the reply that answers a
question, on the page (a form, no JavaScript needed) or in the admin; nobody else may."""

import re
from html import escape

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from comments.models import Comment, Resolution
from comments.moderation import answers, transitions
from comments.moderation.pipeline import Conflict
from tests.factories import (
    ArticleFactory,
    CommentFactory,
    UserFactory,
    moderator_user,
    sign_in,
)

pytestmark = pytest.mark.django_db
ANSWERED = Resolution.State.ANSWERED


@pytest.fixture
def people(db):
    return {
        "author": UserFactory(username="author"),
        "moderator": moderator_user(username="mod"),
        "reader": UserFactory(username="reader"),
        "asker": UserFactory(username="asker"),
        "editor of another": UserFactory(username="other-author"),
    }


@pytest.fixture
def article(people):
    ArticleFactory(authors=[people["editor of another"]])
    return ArticleFactory(authors=[people["author"]])


@pytest.fixture
def thread(article, people):
    question = CommentFactory(
        article=article, kind="question", user=people["asker"], author_name="Asker"
    )
    reply = CommentFactory(parent=question, author_name="Replier")
    deeper = CommentFactory(parent=reply, author_name="Deeper")
    other = CommentFactory(article=article, author_name="Elsewhere")
    return {"question": question, "reply": reply, "deeper": deeper, "other": other}


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        sign_in(client, user)
    return client


def _mark(client, question, answer=None, **extra):
    data = {"unmark": "1"} if answer is None else {"answer": str(answer.pk)}
    return client.post(f"/comments/{question.pk}/answer/", {**data, **extra})


@pytest.mark.parametrize(
    ("who", "may"),
    [
        ("author", True),
        ("moderator", True),
        ("reader", False),
        ("asker", False),
        ("editor of another", False),
    ],
)
def test_who_marks_answers(people, article, who, may):
    assert answers.may_mark(people[who], article) is may
    assert answers.may_mark(AnonymousUser(), article) is False


@pytest.mark.parametrize("who", ["author", "moderator"])
def test_the_author_or_a_moderator_marks_a_reply_as_the_answer(people, thread, who):
    response = _mark(_client(people[who]), thread["question"], thread["deeper"])

    assert response.status_code == 302
    assert response["Location"].endswith(f"#comment-{thread['deeper'].pk}")
    resolution = Resolution.objects.get(comment=thread["question"])
    assert (resolution.state, resolution.answer, resolution.decided_by) == (
        ANSWERED,
        thread["deeper"],
        people[who],
    )


@pytest.mark.parametrize("who", ["reader", "asker", "editor of another", None])
def test_anyone_else_gets_a_403(people, thread, who):
    response = _mark(_client(people.get(who)), thread["question"], thread["reply"])

    assert response.status_code == 403
    assert escape(answers.ONLY_AUTHORS_AND_MODERATORS) in response.content.decode()
    assert not Resolution.objects.exists()


@pytest.mark.parametrize("answer", ["other", "question", "earlier", "held", "elsewhere", "junk"])
def test_the_answer_must_be_a_published_later_comment_of_the_questions_thread(
    people, article, thread, answer
):
    question = thread["question"]
    candidates = {
        "other": thread["other"],
        "question": question,
        "earlier": CommentFactory(
            article=article, created_at=question.created_at.replace(year=2000)
        ),
        "held": CommentFactory(parent=question, status=Comment.Status.PENDING),
        "elsewhere": CommentFactory(),
    }
    client = _client(people["author"])
    if answer == "junk":
        response = client.post(f"/comments/{question.pk}/answer/", {"answer": "²"})
    else:
        response = _mark(client, question, candidates[answer])

    assert response.status_code == 409
    assert not Resolution.objects.exists()


def test_only_a_question_is_marked_answered(people, thread):
    with pytest.raises(Conflict):
        answers.mark_answer(thread["reply"], thread["deeper"], by=people["author"])


def test_marking_another_reply_moves_the_mark_and_unmark_takes_it_back(people, thread):
    client = _client(people["moderator"])
    _mark(client, thread["question"], thread["reply"])
    _mark(client, thread["question"], thread["deeper"])
    assert Resolution.objects.get().answer == thread["deeper"]

    response = _mark(client, thread["question"])

    assert response.status_code == 302
    assert not Resolution.objects.exists()
    assert _mark(client, thread["question"]).status_code == 409  # nothing left to unmark


def test_a_stranger_cannot_unmark(people, thread):
    answers.mark_answer(thread["question"], thread["reply"], by=people["author"])

    assert _mark(_client(people["reader"]), thread["question"]).status_code == 403
    assert Resolution.objects.exists()


def test_an_answer_that_leaves_the_public_reopens_its_question(people, thread):
    answers.mark_answer(thread["question"], thread["reply"], by=people["author"])
    before = Comment.objects.get(pk=thread["question"].pk).updated_at

    transitions.change_status(thread["reply"], Comment.Status.REMOVED, reason="off topic")

    assert not Resolution.objects.exists()
    assert Comment.objects.get(pk=thread["question"].pk).updated_at > before


def _buttons(html: str) -> list[tuple[str, str]]:
    """(action, what) of each answer form on the page."""
    return re.findall(
        r'<form class="comment__mark-answer" method="post" action="([^"]+)">'
        r'<input type="hidden" name="csrfmiddlewaretoken" value="[^"]*">'
        r'<input type="hidden" name="(answer|unmark)"',
        html,
    )


def test_the_page_offers_the_buttons_to_authors_and_moderators_only(people, article, thread):
    question = thread["question"]
    url = article.get_absolute_url()
    for who in ("reader", "asker", None):
        assert "Mark as the answer" not in _client(people.get(who)).get(url).content.decode()

    html = _client(people["author"]).get(url).content.decode()

    # Under each published reply in the question's thread; not under the question itself,
    # nor in another thread.
    assert _buttons(html) == [(f"/comments/{question.pk}/answer/", "answer")] * 2
    assert f'name="answer" value="{thread["reply"].pk}"' in html
    assert f'name="answer" value="{thread["deeper"].pk}"' in html
    assert "to the question by Asker: reply by Replier" in html


def test_the_current_answer_offers_unmark(people, article, thread):
    answers.mark_answer(thread["question"], thread["reply"], by=people["author"])

    html = _client(people["moderator"]).get(article.get_absolute_url()).content.decode()

    assert [what for _, what in _buttons(html)] == ["unmark", "answer"]
    assert 'Unmark the answer<span class="visually-hidden"> by Replier</span>' in html


def test_the_admin_marks_and_unmarks_from_the_questions_page(people, thread):
    client = _client(people["moderator"])
    page = client.get(f"/admin/comments/comment/{thread['question'].pk}/change/").content.decode()
    assert "Question: its answer" in page and "Not answered yet." in page
    assert page.count("Mark as the answer") == 2

    client.post(
        f"/admin/comments/comment/{thread['question'].pk}/answer/",
        {"answer": thread["deeper"].pk},
    )
    assert Resolution.objects.get().answer == thread["deeper"]
    page = client.get(f"/admin/comments/comment/{thread['question'].pk}/change/").content.decode()
    assert f'Answered by <a href="/admin/comments/comment/{thread["deeper"].pk}/change/">' in page

    client.post(f"/admin/comments/comment/{thread['question'].pk}/answer/", {"unmark": "1"})
    assert not Resolution.objects.exists()


def test_the_answer_form_needs_the_csrf_token(people, thread):
    client = Client(enforce_csrf_checks=True)
    sign_in(client, people["author"])

    response = _mark(client, thread["question"], thread["reply"])

    assert response.status_code == 403
    assert not Resolution.objects.exists()
