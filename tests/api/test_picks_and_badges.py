"""Comment objects carry `picked`, `pick_note` and `badges` in every read of the API."""

import pytest
from django.utils import timezone

from comments.models import Comment
from tests.factories import ArticleFactory, CommentFactory, UserFactory, moderator_user

pytestmark = pytest.mark.django_db


def test_threads_and_comments_carry_picks_and_badges(anonymous):
    writer = UserFactory(username="writer")
    article = ArticleFactory(authors=[writer])
    by_writer = CommentFactory(article=article, user=writer)
    by_moderator = CommentFactory(article=article, user=moderator_user(username="mod"))
    plain = CommentFactory(article=article, user=UserFactory())
    Comment.objects.filter(pk=plain.pk).update(picked_at=timezone.now(), pick_note="Clear.")
    unnoted = CommentFactory(article=article)
    Comment.objects.filter(pk=unnoted.pk).update(picked_at=timezone.now())

    thread = anonymous.get(f"/api/v1/articles/{article.slug}/comments/").json()["comments"]
    tree = anonymous.get(f"/api/v1/articles/{article.slug}/comments/tree/").json()
    one = anonymous.get(f"/api/v1/comments/{by_writer.pk}/").json()

    expected = [
        (by_writer.pk, False, None, ["author"]),
        (by_moderator.pk, False, None, ["moderator"]),
        (plain.pk, True, "Clear.", []),
        (unnoted.pk, True, None, []),
    ]
    for entries in (thread, tree):
        assert [(c["id"], c["picked"], c["pick_note"], c["badges"]) for c in entries] == expected
    assert (one["badges"], one["picked"]) == (["author"], False)


def test_a_tombstone_shows_no_pick_and_no_badges(anonymous):
    writer = UserFactory()
    article = ArticleFactory(authors=[writer])
    gone = CommentFactory(article=article, user=writer, status=Comment.Status.REMOVED)
    Comment.objects.filter(pk=gone.pk).update(picked_at=timezone.now(), pick_note="Was good.")
    CommentFactory(parent=gone)

    tomb = anonymous.get(f"/api/v1/articles/{article.slug}/comments/").json()["comments"][0]

    assert (tomb["picked"], tomb["pick_note"], tomb["badges"]) == (False, None, [])
