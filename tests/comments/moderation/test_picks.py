"""Editor's picks: made by editors and moderators through one service, shown on the page."""

import pytest
from django.test import Client

from comments.models import Comment
from comments.moderation import picks
from comments.moderation.pipeline import Conflict, NotAllowed, Refused
from tests.factories import CommentFactory, UserFactory, moderator_user, sign_in_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(db):
    return moderator_user(username="mod")


def test_a_moderator_picks_with_a_note_and_it_is_recorded(moderator):
    comment = CommentFactory()
    before = comment.updated_at

    picks.pick(comment, editor=moderator, note="  The clearest account\nof the\tshipping data. ")

    comment.refresh_from_db()
    assert comment.is_picked and comment.picked_by == moderator
    assert comment.pick_note == "The clearest account of the shipping data."
    assert comment.updated_at > before


def test_unpicking_forgets_the_pick(moderator):
    comment = CommentFactory()
    picks.pick(comment, editor=moderator, note="why")
    picks.unpick(comment, editor=moderator)
    comment.refresh_from_db()
    assert (comment.picked_at, comment.picked_by, comment.pick_note) == (None, None, "")


@pytest.mark.parametrize(
    ("who", "status", "refusal"),
    [
        ("reader", Comment.Status.APPROVED, NotAllowed),
        ("staff without the permission", Comment.Status.APPROVED, NotAllowed),
        ("moderator", Comment.Status.PENDING, Conflict),
        ("moderator", Comment.Status.REMOVED, Conflict),
    ],
)
def test_who_may_pick_what(moderator, who, status, refusal):
    editor = {
        "reader": UserFactory(),
        "staff without the permission": UserFactory(is_staff=True),
        "moderator": moderator,
    }[who]
    comment = CommentFactory(status=status)
    with pytest.raises(refusal):
        picks.pick(comment, editor=editor)
    comment.refresh_from_db()
    assert not comment.is_picked


def test_a_note_longer_than_a_line_allows_is_refused(moderator):
    comment = CommentFactory()
    with pytest.raises(Refused, match="at most 200"):
        picks.pick(comment, editor=moderator, note="x" * 201)


def test_the_comment_admin_page_picks_and_unpicks(moderator):
    comment = CommentFactory()
    client = Client()
    sign_in_staff(client, moderator)
    change = f"/admin/comments/comment/{comment.pk}/change/"
    assert "Pick this comment" in client.get(change).content.decode()

    client.post(f"/admin/comments/comment/{comment.pk}/pick/", {"note": "Sharp on costs."})

    comment.refresh_from_db()
    assert comment.pick_note == "Sharp on costs." and comment.picked_by == moderator
    assert "Picked by mod" in client.get(change).content.decode()
    client.post(f"/admin/comments/comment/{comment.pk}/pick/", {"pick": "remove"})
    comment.refresh_from_db()
    assert not comment.is_picked


def test_the_bulk_action_picks_published_comments_only(moderator):
    shown = CommentFactory()
    held = CommentFactory(status=Comment.Status.PENDING)
    client = Client()
    sign_in_staff(client, moderator)

    client.post(
        "/admin/comments/comment/?status__exact=approved",
        {
            "action": "pick_comments",
            "_selected_action": [shown.pk, held.pk],
            "reason": "Worth reading",
            "index": 0,
        },
    )

    shown.refresh_from_db()
    held.refresh_from_db()
    assert shown.is_picked and shown.pick_note == "Worth reading"
    assert not held.is_picked
