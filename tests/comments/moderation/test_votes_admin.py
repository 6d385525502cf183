"""Moderators see who marked a comment Useful; staff list and filter every vote."""

import pytest
from django.test import Client

from comments.models import UsefulVote
from comments.posting import services
from comments.threads.readers import Reader
from tests.factories import CommentFactory, UserFactory, moderator_user, sign_in_staff

pytestmark = pytest.mark.django_db


def _vote(comment, username: str) -> None:
    services.mark_useful(
        comment_id=comment.pk, reader=Reader(user=UserFactory(username=username), browser="b")
    )


def test_the_comment_page_names_the_voters(client):
    comment = CommentFactory()
    _vote(comment, "stuffer-one")
    _vote(comment, "stuffer-two")
    sign_in_staff(client, moderator_user(username="mod"))

    page = client.get(f"/admin/comments/comment/{comment.pk}/change/").content.decode()

    assert "Useful votes (2)" in page
    assert "stuffer-one" in page and "stuffer-two" in page


def test_staff_filter_votes_by_voter(editor):
    first, second = CommentFactory(), CommentFactory()
    _vote(first, "busy")
    _vote(second, "busy")
    _vote(first, "calm")
    client = Client()
    sign_in_staff(client, editor)
    busy = UsefulVote.objects.filter(voter__username="busy").first().voter

    everything = client.get("/admin/comments/usefulvote/")
    by_voter = client.get(f"/admin/comments/usefulvote/?voter__id__exact={busy.pk}")
    on_comment = client.get(f"/admin/comments/usefulvote/?comment__id__exact={first.pk}")

    assert everything.status_code == 200
    assert by_voter.context["cl"].result_count == 2
    assert on_comment.context["cl"].result_count == 2
    assert client.get(f"/admin/comments/usefulvote/{busy.pk}/delete/").status_code == 403
