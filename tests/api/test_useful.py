"""POST and DELETE /api/v1/comments/{id}/useful/: a reader's Useful vote, and the count."""

from datetime import timedelta

import pytest
from django.utils import timezone

from comments.models import Comment, UsefulVote
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db


def _url(comment_or_pk) -> str:
    return f"/api/v1/comments/{getattr(comment_or_pk, 'pk', comment_or_pk)}/useful/"


def _count(comment) -> int:
    comment.refresh_from_db()
    return comment.useful_count


def test_a_reader_marks_and_unmarks(other_api, article):
    comment = CommentFactory(article=article)

    marked = other_api.post(_url(comment))
    unmarked = other_api.delete(_url(comment))

    assert marked.status_code == 201
    assert marked.json() == {"comment": comment.pk, "useful": True, "useful_count": 1}
    assert unmarked.status_code == 200
    assert unmarked.json() == {"comment": comment.pk, "useful": False, "useful_count": 0}
    assert (_count(comment), UsefulVote.objects.count()) == (0, 0)


def test_voting_answers_in_five_queries(other_api, article, django_assert_max_num_queries):
    comment = CommentFactory(article=article)
    # token, its last use, the comment with the reader's votes, the vote, the count
    with django_assert_max_num_queries(5):
        assert other_api.post(_url(comment)).status_code == 201
    # token, its last use, the comment with the reader's votes, the vote gone, the count
    with django_assert_max_num_queries(5):
        assert other_api.delete(_url(comment)).status_code == 200


def test_a_second_vote_is_a_conflict_and_counts_once(other_api, article):
    comment = CommentFactory(article=article)
    other_api.post(_url(comment))

    again = other_api.post(_url(comment))

    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"
    assert _count(comment) == 1
    assert other_api.delete(_url(comment)).status_code == 200
    assert other_api.delete(_url(comment)).status_code == 409


def test_the_thread_shows_the_counts_and_orders_by_them(anonymous, other_api, article):
    first = CommentFactory(article=article, created_at=timezone.now() - timedelta(hours=2))
    voted = CommentFactory(article=article)
    other_api.post(_url(voted))

    oldest = anonymous.get(f"/api/v1/articles/{article.slug}/comments/").json()["comments"]
    useful = anonymous.get(
        f"/api/v1/articles/{article.slug}/comments/", {"order": "useful"}
    ).json()["comments"]
    tree = anonymous.get(
        f"/api/v1/articles/{article.slug}/comments/tree/", {"order": "useful"}
    ).json()

    assert [(c["id"], c["useful_count"]) for c in oldest] == [(first.pk, 0), (voted.pk, 1)]
    assert [c["id"] for c in useful] == [voted.pk, first.pk]
    assert [c["id"] for c in tree] == [voted.pk, first.pk]
    assert anonymous.get(f"/api/v1/comments/{voted.pk}/").json()["useful_count"] == 1


def test_a_vote_changes_the_threads_etag(anonymous, other_api, article):
    comment = CommentFactory(article=article)
    url = f"/api/v1/articles/{article.slug}/comments/"
    etag = anonymous.get(url)["ETag"]
    assert anonymous.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304

    other_api.post(_url(comment))

    assert anonymous.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200
    assert anonymous.get(url, {"order": "useful"})["ETag"] != anonymous.get(url)["ETag"]


def test_an_unknown_order_is_400(anonymous, article):
    response = anonymous.get(f"/api/v1/articles/{article.slug}/comments/", {"order": "best"})
    assert response.status_code == 400
    assert "order" in response.json()["error"]["fields"]


@pytest.mark.parametrize(
    ("make", "status_code", "code"),
    [
        (lambda a, user: CommentFactory(article=a, user=user), 403, "permission_denied"),
        (lambda a, user: CommentFactory(article=a, status=Comment.Status.PENDING), 404, None),
        (lambda a, user: CommentFactory(article=a, status=Comment.Status.SPAM), 404, None),
        (lambda a, user: _tombstone(a, Comment.Status.REMOVED), 409, "conflict"),
        (lambda a, user: _tombstone(a, Comment.Status.DELETED), 409, "conflict"),
        (lambda a, user: 999_999, 404, "not_found"),
    ],
)
def test_votes_that_cannot_be_are_refused_and_change_nothing(
    member_api, member, article, make, status_code, code
):
    target = make(article, member)
    before = list(Comment.objects.values_list("pk", "useful_count", "updated_at"))

    response = member_api.post(_url(target))

    assert response.status_code == status_code
    assert response.json()["error"]["status"] == status_code
    if code:
        assert response.json()["error"]["code"] == code
    assert UsefulVote.objects.count() == 0
    assert list(Comment.objects.values_list("pk", "useful_count", "updated_at")) == before


def _tombstone(article, status):
    gone = CommentFactory(article=article, status=status)
    CommentFactory(parent=gone)
    return gone


def test_anonymous_clients_cannot_vote(anonymous, article):
    comment = CommentFactory(article=article)
    assert anonymous.post(_url(comment)).status_code == 401
    assert anonymous.delete(_url(comment)).status_code == 401
    assert _count(comment) == 0


def test_too_many_votes_in_an_hour_is_429_with_retry_after(other_api, article, settings):
    settings.COMMENT_VOTES_PER_HOUR = 2
    comments = CommentFactory.create_batch(3, article=article)
    for comment in comments[:2]:
        assert other_api.post(_url(comment)).status_code == 201

    response = other_api.post(_url(comments[2]))

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 3500
    assert _count(comments[2]) == 0


def test_the_sites_own_script_votes_with_its_session_and_csrf_token(article, reader):
    from rest_framework.test import APIClient

    comment = CommentFactory(article=article)
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(reader)
    assert client.post(_url(comment)).status_code == 403  # no CSRF token
    client.get(article.get_absolute_url())
    token = client.cookies["csrftoken"].value
    assert client.post(_url(comment), HTTP_X_CSRFTOKEN=token).status_code == 201
