import itertools

import pytest

from comments.models import Comment, ModerationEvent, Report
from comments.moderation import transitions
from tests.factories import CommentFactory, UserFactory, moderator_user

pytestmark = pytest.mark.django_db

S = Comment.Status
ALLOWED = {
    ("pending", "approved"), ("pending", "rejected"), ("pending", "spam"), ("pending", "deleted"),
    ("approved", "removed"), ("approved", "spam"), ("approved", "rejected"),
    ("approved", "deleted"), ("approved", "pending"),
    ("spam", "approved"), ("spam", "rejected"),
    ("rejected", "approved"), ("rejected", "spam"),
    ("removed", "approved"),
}  # fmt: skip
EVERY_PAIR = [pair for pair in itertools.product(S.values, S.values) if pair[0] != pair[1]]


@pytest.mark.parametrize(("start", "end"), sorted(ALLOWED))
def test_allowed_transition_changes_status_and_records_an_event(start, end):
    moderator = moderator_user()
    comment = CommentFactory(status=start)

    transitions.change_status(comment, end, actor=moderator, reason="checked by hand")

    comment.refresh_from_db()
    event = ModerationEvent.objects.get(comment=comment)
    assert comment.status == end
    assert comment.status_reason == "checked by hand"
    assert (event.actor, event.from_status, event.to_status, event.reason) == (
        moderator,
        start,
        end,
        "checked by hand",
    )


@pytest.mark.parametrize(("start", "end"), sorted(set(EVERY_PAIR) - ALLOWED))
def test_refused_transition_changes_nothing(start, end):
    comment = CommentFactory(status=start)

    with pytest.raises(transitions.TransitionRefused):
        transitions.change_status(comment, end, reason="try")

    comment.refresh_from_db()
    assert comment.status == start
    assert not ModerationEvent.objects.exists()


def test_removing_needs_a_reason():
    comment = CommentFactory()
    with pytest.raises(transitions.TransitionRefused, match="Say why"):
        transitions.change_status(comment, S.REMOVED, actor=moderator_user())
    comment.refresh_from_db()
    assert comment.status == S.APPROVED


def test_approving_spam_is_recorded_as_not_spam():
    comment = CommentFactory(status=S.SPAM)
    transitions.change_status(comment, S.APPROVED, actor=moderator_user())
    assert ModerationEvent.objects.get().reason == "not spam"


def test_a_moderators_decision_clears_the_reports():
    comment = CommentFactory()
    Report.objects.create(comment=comment, reason="abuse", reporter_key="browser:a")

    transitions.change_status(comment, S.REMOVED, actor=moderator_user(), reason="abuse")

    assert Report.objects.get().resolved_at is not None


def test_an_authors_own_deletion_leaves_the_reports_open():
    """Only a moderator's decision answers a report: staff deleting their own comment do not."""
    editor = UserFactory(is_staff=True)
    comment = CommentFactory(user=editor)
    Report.objects.create(comment=comment, reason="abuse", reporter_key="browser:a")

    transitions.change_status(comment, S.DELETED, actor=editor, reason="deleted by its author")

    assert Report.objects.get().resolved_at is None


def test_bulk_change_skips_what_cannot_move_and_uses_fixed_queries(django_assert_max_num_queries):
    pending = CommentFactory.create_batch(30, status=S.PENDING)
    deleted = CommentFactory(status=S.DELETED)
    moderator = moderator_user()

    # savepoint, update, insert events, the actor's permissions (own, group's), update
    # reports, cancel held mail, and for the mail about published comments: article authors,
    # their accounts, parents, subscribers, verified addresses, preferences, the mentions
    # (one query; the accounts and mutes only when there are some); the comments quoting
    # them; release
    with django_assert_max_num_queries(16):
        moved = transitions.change_statuses([*pending, deleted], S.APPROVED, actor=moderator)

    assert len(moved) == 30
    assert Comment.objects.filter(status=S.APPROVED).count() == 30
    assert ModerationEvent.objects.count() == 30
