"""The statement of reasons reaches the comment's author by mail: only at an address proved
theirs, and never naming whoever reported the comment."""

import pytest

from comments.models import Comment, Guideline, Notification, Report
from comments.moderation import decisions, statements, transitions
from tests.comments.outbound.helpers import verified_user
from tests.factories import CommentFactory, UserFactory, moderator_user

pytestmark = pytest.mark.django_db
S = Comment.Status


def _remove(comment, moderator=None):
    grounds = statements.grounds_from(clause=Guideline.objects.get(number=3))
    decisions.decide(comment, S.REMOVED, moderator=moderator or moderator_user(), grounds=grounds)


def test_the_author_of_a_removed_comment_gets_the_statement(committed, mailoutbox):
    author = verified_user("author")
    reporter = verified_user("reporter", email="reporter@example.org")
    comment = CommentFactory(status=S.APPROVED, user=author, author_email=author.email)
    Report.objects.create(
        comment=comment, reason="abuse", reporter=reporter, reporter_key="browser:rep-77",
        note="reported by reporter@example.org",
    )  # fmt: skip

    with committed():
        _remove(comment)

    assert [m.to for m in mailoutbox] == [[author.email]]
    mail = mailoutbox[0]
    html = mail.alternatives[0][0]
    assert mail.subject.startswith("Why your comment")
    for part in (mail.body, html):
        assert "Removal of the comment" in part and "No personal attacks" in part
        assert "How to contest it" in part and f"/comments/{comment.pk}/reasons/" in part
        assert "reporter" not in part and "rep-77" not in part


def test_an_unverified_address_gets_no_statement(committed, mailoutbox):
    unverified = UserFactory(email="nobody-proved@example.org")
    anonymous = CommentFactory(status=S.APPROVED, user=None, author_email="anon@example.org")
    mine = CommentFactory(status=S.APPROVED, user=unverified, author_email=unverified.email)

    with committed():
        _remove(anonymous)
        _remove(mine)

    assert mailoutbox == []
    assert not Notification.objects.filter(kind="statement").exists()


def test_a_bulk_decision_mails_each_author_their_own_statement(committed, mailoutbox):
    authors = [verified_user(f"writer{n}") for n in range(3)]
    comments = [CommentFactory(status=S.APPROVED, user=a, author_email=a.email) for a in authors]

    with committed():
        transitions.change_statuses(comments, S.REJECTED, actor=moderator_user())

    assert sorted(m.to[0] for m in mailoutbox) == sorted(a.email for a in authors)
    assert all(len(m.to) == 1 for m in mailoutbox)


def test_a_new_comment_held_is_not_mailed_but_a_hold_on_edit_is(committed, mailoutbox):
    author = verified_user("author")
    held = CommentFactory(status=S.PENDING, user=author, author_email=author.email)
    with committed():
        transitions.record_new(held, "first comment from this account")
    assert not Notification.objects.filter(kind="statement").exists()

    published = CommentFactory(status=S.APPROVED, user=author, author_email=author.email)
    with committed():
        transitions.change_status(published, S.PENDING, reason="edited: 3 links (limit 2)")
    assert [m.subject for m in mailoutbox] == [
        f"Why your comment on {published.article.title} was held"
    ]
    assert "edited: 3 links (limit 2)" in mailoutbox[0].body
