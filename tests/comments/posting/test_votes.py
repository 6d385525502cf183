"""Useful votes: one per reader per comment, counted on the row, refused clearly."""

from datetime import timedelta

import pytest
from django.utils import timezone

from comments.models import Comment, UsefulVote
from comments.moderation.pipeline import Conflict, NotAllowed, TooSoon
from comments.posting import permissions, services
from comments.threads.readers import Reader
from tests.factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db


def _as(user) -> Reader:
    return Reader(user=user, browser="b")


def _count(comment) -> int:
    comment.refresh_from_db()
    return comment.useful_count


def test_a_vote_is_stored_and_counted_on_the_comment(reader):
    comment = CommentFactory()

    assert services.mark_useful(comment_id=comment.pk, reader=_as(reader)) == 1

    assert _count(comment) == 1
    assert UsefulVote.objects.get().voter == reader


def test_voting_moves_updated_at_so_readers_of_the_api_see_the_count(reader):
    comment = CommentFactory()
    before = comment.updated_at
    services.mark_useful(comment_id=comment.pk, reader=_as(reader))
    comment.refresh_from_db()
    assert comment.updated_at > before


def test_voting_twice_is_a_conflict_and_counts_once(reader):
    comment = CommentFactory()
    services.mark_useful(comment_id=comment.pk, reader=_as(reader))

    with pytest.raises(Conflict):
        services.mark_useful(comment_id=comment.pk, reader=_as(reader))

    assert (_count(comment), UsefulVote.objects.count()) == (1, 1)


def test_taking_a_vote_back(reader):
    comment = CommentFactory()
    other = UserFactory()
    services.mark_useful(comment_id=comment.pk, reader=_as(reader))
    services.mark_useful(comment_id=comment.pk, reader=_as(other))

    assert services.unmark_useful(comment_id=comment.pk, reader=_as(reader)) == 1

    assert _count(comment) == 1
    assert list(UsefulVote.objects.values_list("voter", flat=True)) == [other.pk]
    with pytest.raises(Conflict):
        services.unmark_useful(comment_id=comment.pk, reader=_as(reader))
    assert _count(comment) == 1


@pytest.mark.parametrize(
    ("status", "refusal"),
    [
        (Comment.Status.REMOVED, Conflict),
        (Comment.Status.DELETED, Conflict),
    ],
)
def test_only_published_comments_take_votes(reader, status, refusal):
    gone = CommentFactory(status=status)
    CommentFactory(parent=gone)
    with pytest.raises(refusal, match="Only published comments"):
        services.mark_useful(comment_id=gone.pk, reader=_as(reader))
    assert (_count(gone), UsefulVote.objects.count()) == (0, 0)


def test_pending_or_unknown_comments_are_not_found(reader):
    from django.http import Http404

    held = CommentFactory(status=Comment.Status.PENDING)
    for pk in (held.pk, 999_999):
        with pytest.raises(Http404):
            services.mark_useful(comment_id=pk, reader=_as(reader))
    assert UsefulVote.objects.count() == 0


def test_ones_own_comment_takes_no_vote(reader):
    mine = CommentFactory(user=reader)
    with pytest.raises(NotAllowed, match="your own comment"):
        services.mark_useful(comment_id=mine.pk, reader=_as(reader))
    assert _count(mine) == 0


def test_anonymous_readers_cannot_vote():
    comment = CommentFactory()
    anonymous = Reader(user=None, browser="b")
    assert permissions.why_cannot_vote(comment, anonymous) == permissions.SIGN_IN_TO_VOTE
    with pytest.raises(NotAllowed):
        services.mark_useful(comment_id=comment.pk, reader=anonymous)


def test_votes_are_limited_per_hour_with_the_time_to_wait(reader, settings):
    settings.COMMENT_VOTES_PER_HOUR = 3
    comments = CommentFactory.create_batch(5)
    old = UsefulVote.objects.create(comment=comments[0], voter=reader)
    UsefulVote.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=2))
    for comment in comments[1:4]:
        services.mark_useful(comment_id=comment.pk, reader=_as(reader))

    with pytest.raises(TooSoon) as refused:
        services.mark_useful(comment_id=comments[4].pk, reader=_as(reader))

    assert 3500 < refused.value.retry_after <= 3601
    assert _count(comments[4]) == 0
    # Another reader's votes are their own.
    services.mark_useful(comment_id=comments[4].pk, reader=_as(UserFactory()))


def test_one_vote_per_reader_per_comment_is_a_database_rule(reader):
    from django.db import IntegrityError, transaction

    comment = CommentFactory()
    UsefulVote.objects.create(comment=comment, voter=reader)
    with pytest.raises(IntegrityError), transaction.atomic():
        UsefulVote.objects.create(comment=comment, voter=reader)


# --- The form, without JavaScript ------------------------------------------------------------


def test_the_button_marks_and_unmarks_and_returns_to_the_comment(client, reader, article):
    comment = CommentFactory(article=article)
    client.force_login(reader)
    page = client.get(article.get_absolute_url()).content.decode()
    assert f'action="/comments/{comment.pk}/useful/"' in page
    assert 'aria-pressed="false"' in page

    response = client.post(f"/comments/{comment.pk}/useful/?order=useful", {"useful": "yes"})

    assert response.status_code == 302
    assert response["Location"] == f"{article.get_absolute_url()}?order=useful#comment-{comment.pk}"
    page = client.get(response["Location"]).content.decode()
    assert 'aria-pressed="true"' in page and "1 useful" in page
    assert 'name="useful" value="no"' in page

    client.post(f"/comments/{comment.pk}/useful/", {"useful": "no"})
    assert _count(comment) == 0


def test_a_refused_vote_is_a_page_that_says_why(client, reader, article):
    mine = CommentFactory(article=article, user=reader)
    theirs = CommentFactory(article=article)
    client.force_login(reader)
    client.post(f"/comments/{theirs.pk}/useful/", {"useful": "yes"})

    own = client.post(f"/comments/{mine.pk}/useful/", {"useful": "yes"})
    twice = client.post(f"/comments/{theirs.pk}/useful/", {"useful": "yes"})
    unknown = client.post("/comments/999999/useful/", {"useful": "yes"})

    assert own.status_code == 403 and "your own comment" in own.content.decode()
    assert twice.status_code == 409 and "already" in twice.content.decode()
    assert unknown.status_code == 404
    assert (_count(mine), _count(theirs)) == (0, 1)


def test_anonymous_readers_see_counts_and_a_sign_in_hint(client, article):
    comment = CommentFactory(article=article)
    Comment.objects.filter(pk=comment.pk).update(useful_count=4)

    page = client.get(article.get_absolute_url()).content.decode()

    assert "4 useful" in page
    assert "Sign in to vote" in page
    assert "/useful/" not in page
    assert client.post(f"/comments/{comment.pk}/useful/").status_code == 403


def test_ones_own_comment_shows_its_count_without_a_button(client, reader, article):
    CommentFactory(article=article, user=reader)
    client.force_login(reader)
    page = client.get(article.get_absolute_url()).content.decode()
    assert "0 useful" in page and "/useful/" not in page
