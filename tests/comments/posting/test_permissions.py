"""Who may do what, and the sentence that says why not: one rule, the same words on every
entry point."""

from datetime import timedelta

import pytest
from django.utils import timezone

from comments.models import Comment
from comments.posting import permissions
from comments.threads.readers import Reader
from tests.api.conftest import client_for
from tests.factories import ArticleFactory, CommentFactory, UserFactory, comment_form

pytestmark = pytest.mark.django_db
S = Comment.Status


@pytest.fixture
def author(db):
    return UserFactory(username="author")


@pytest.mark.parametrize(
    ("who", "status", "minutes_ago", "refusal"),
    [
        ("author", S.APPROVED, 1, None),
        ("author", S.PENDING, 1, None),
        ("author", S.APPROVED, 20, "can no longer be edited"),
        ("author", S.REMOVED, 1, "can no longer be edited"),
        ("stranger", S.APPROVED, 1, permissions.ONLY_THE_AUTHOR_EDITS),
    ],
)
def test_who_may_edit(author, who, status, minutes_ago, refusal):
    comment = CommentFactory(
        user=author, status=status, created_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    reader = Reader(user=author if who == "author" else UserFactory(), browser="b")

    answer = permissions.why_cannot_edit(comment, reader, edit_minutes=15)

    assert answer is None if refusal is None else refusal in answer


@pytest.mark.parametrize(
    ("who", "status", "refusal"),
    [
        ("author", S.APPROVED, None),
        ("author", S.DELETED, permissions.DELETED_ALREADY),
        ("stranger", S.APPROVED, permissions.ONLY_THE_AUTHOR_DELETES),
    ],
)
def test_who_may_delete(author, who, status, refusal):
    comment = CommentFactory(user=author, status=status)
    reader = Reader(user=author if who == "author" else UserFactory(), browser="b")

    assert permissions.why_cannot_delete(comment, reader) == refusal


def test_the_form_and_the_api_refuse_a_reply_to_another_discussion_alike(client, article):
    elsewhere = CommentFactory(article=ArticleFactory())
    user = UserFactory(username="writer")

    page = client.post(
        f"/articles/{article.slug}/comments/", comment_form(parent=str(elsewhere.pk))
    )
    api = client_for(user).post(
        f"/api/v1/articles/{article.slug}/comments/",
        {"body": "A reply.", "parent": elsewhere.pk},
        format="json",
    )

    assert page.status_code == 400
    assert permissions.NOT_IN_DISCUSSION in page.content.decode()
    assert api.status_code == 409
    assert api.json()["error"]["fields"]["parent"] == [permissions.NOT_IN_DISCUSSION]
    assert Comment.objects.count() == 1


def test_a_reply_to_a_comment_that_may_not_have_replies_is_refused_alike(client, article):
    held = CommentFactory(article=article, status=S.PENDING)
    user = UserFactory(username="writer")

    page = client.post(f"/articles/{article.slug}/comments/", comment_form(parent=str(held.pk)))
    api = client_for(user).post(
        f"/api/v1/articles/{article.slug}/comments/",
        {"body": "A reply.", "parent": held.pk},
        format="json",
    )

    assert permissions.CANNOT_REPLY in page.content.decode()
    assert api.json()["error"]["fields"]["parent"] == [permissions.CANNOT_REPLY]
