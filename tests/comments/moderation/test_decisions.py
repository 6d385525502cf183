"""The decisions a moderator may take: one list, and every entry point takes exactly it."""

import itertools

import pytest
from django.test import Client

from comments.models import Comment, Guideline
from comments.moderation import decisions, transitions
from tests.api.conftest import client_for
from tests.factories import CommentFactory, moderator_user, sign_in_staff

pytestmark = pytest.mark.django_db
S = Comment.Status


@pytest.fixture
def moderator(db):
    return moderator_user(username="mod")


@pytest.mark.parametrize(("start", "to"), list(itertools.product(S.values, S.values)))
def test_the_admin_and_the_api_take_the_same_decisions(moderator, start, to):
    in_admin, in_api = CommentFactory(status=start), CommentFactory(status=start)
    admin = Client()
    sign_in_staff(admin, moderator)

    clause = Guideline.objects.get(number=2)
    admin.post(
        f"/admin/comments/comment/{in_admin.pk}/decide/",
        {"to": to, "reason": "noted", "clause": clause.pk},
    )
    answer = client_for(moderator).post(
        f"/api/v1/moderation/comments/{in_api.pk}/decision/",
        {"to": to, "reason": "noted", "clause": clause.number},
        format="json",
    )

    in_admin.refresh_from_db()
    in_api.refresh_from_db()
    expected = to in decisions.TARGETS and transitions.can_move(start, to)
    assert (in_admin.status == to and start != to) is expected
    assert (answer.status_code == 200) is expected
    assert in_api.status == (to if expected else start)
    if not expected:
        assert answer.status_code in (400, 409), answer.content


def test_the_change_page_offers_exactly_the_open_decisions(moderator):
    comment = CommentFactory(status=S.APPROVED)
    admin = Client()
    sign_in_staff(admin, moderator)

    html = admin.get(f"/admin/comments/comment/{comment.pk}/change/").content.decode()

    offered = {to for to in S.values if f'value="{to}"' in html}
    assert offered == {to for to, _ in decisions.targets_from(S.APPROVED)}
    assert S.PENDING not in offered and S.DELETED not in offered


def test_the_bulk_actions_are_the_decisions():
    from comments.admin.moderation import CommentAdmin

    names = [getattr(action, "__name__", "") for action in CommentAdmin.actions]

    assert names[: len(decisions.DECISIONS)] == [d.name for d in decisions.DECISIONS]


def test_a_status_that_is_no_decision_is_refused_even_where_the_transition_exists():
    comment = CommentFactory(status=S.APPROVED)
    assert transitions.can_move(S.APPROVED, S.PENDING)

    with pytest.raises(decisions.NotADecision):
        decisions.decide(comment, S.PENDING, moderator=None)
    comment.refresh_from_db()
    assert comment.status == S.APPROVED


def test_the_bulk_form_refuses_a_status_that_is_no_decision():
    comment = CommentFactory(status=S.APPROVED)

    with pytest.raises(decisions.NotADecision):
        decisions.decide_many([comment], S.PENDING, moderator=None)
    comment.refresh_from_db()
    assert comment.status == S.APPROVED
