"""Decisions on notices and appeals are taken once, and only when a moderator chose one.

A request that names no known outcome decides nothing (it used to be read as "no action" or
"uphold"); a copy of a notice or an appeal read before another moderator decided it cannot
decide it again (it used to remove a comment the notice had left alone, or flip a reversed
appeal to upheld).
"""

import pytest
from django.test import Client
from django.urls import reverse

from comments.models import Appeal, Comment, Guideline, MailPreference, Notice, Notification
from comments.moderation import appeals, decisions, notices, pipeline, statements
from comments.outbound import mail, recipients
from tests.factories import CommentFactory, moderator_user, sign_in_staff

pytestmark = pytest.mark.django_db
SPEECH = "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH"
UNKNOWN_OUTCOMES = [{}, {"outcome": ""}, {"outcome": "removed"}, {"outcome": ["x", "remove"]}]


def _notice(comment) -> Notice:
    return Notice.objects.create(
        comment=comment,
        ground=SPEECH,
        explanation="A call to violence.",
        urls=[],
        name="Rhea Notifier",
        email="rhea@example.net",
        good_faith=True,
    )


def _appeal(moderator) -> Appeal:
    comment = CommentFactory()
    clause = Guideline.objects.order_by("number").first()
    decisions.decide(
        comment,
        Comment.Status.REMOVED,
        moderator=moderator,
        grounds=statements.grounds_from(clause=clause),
    )
    comment.refresh_from_db()
    found = appeals.statement_standing(comment.statement)
    return appeals.file(found, explanation="It was on topic.")


def _admin(user) -> Client:
    client = Client()
    sign_in_staff(client, user)
    return client


@pytest.mark.parametrize("post", UNKNOWN_OUTCOMES)
def test_a_notice_post_without_a_known_outcome_decides_nothing(post):
    notice = _notice(CommentFactory())
    url = reverse("admin:comments_notice_decide", args=[notice.pk])

    response = _admin(moderator_user(username="mod")).post(url, post, follow=True)

    assert response.redirect_chain[0][0] == reverse(
        "admin:comments_notice_change", args=[notice.pk]
    )
    assert "Choose a decision" in response.content.decode()
    notice.refresh_from_db()
    assert notice.state == Notice.State.OPEN and notice.decided_by is None
    assert not Notification.objects.filter(kind=Notification.Kind.OUTCOME).exists()


@pytest.mark.parametrize("post", UNKNOWN_OUTCOMES)
def test_an_appeal_post_without_a_known_outcome_decides_nothing(post):
    appeal = _appeal(moderator_user(username="first"))
    url = reverse("admin:comments_appeal_decide", args=[appeal.pk])

    response = _admin(moderator_user(username="second")).post(url, post, follow=True)

    assert response.redirect_chain[0][0] == reverse(
        "admin:comments_appeal_change", args=[appeal.pk]
    )
    assert "Choose a decision" in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.state == Appeal.State.OPEN and appeal.decided_by is None
    assert not Notification.objects.filter(kind=Notification.Kind.APPEALED).exists()


def test_a_notice_read_before_another_moderator_left_it_alone_cannot_remove_the_comment():
    comment = CommentFactory()
    notice = _notice(comment)
    stale = Notice.objects.get(pk=notice.pk)  # the second moderator's page, opened earlier
    notices.decide(notice, moderator=moderator_user(username="first"), remove=False)

    with pytest.raises(pipeline.Conflict):
        notices.decide(stale, moderator=moderator_user(username="second"), remove=True)

    comment.refresh_from_db()
    notice.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED and comment.statement_id is None
    assert notice.state == Notice.State.NO_ACTION


def test_an_appeal_read_before_another_moderator_reversed_it_cannot_be_upheld():
    appeal = _appeal(moderator_user(username="first"))
    stale = Appeal.objects.get(pk=appeal.pk)
    appeals.decide(appeal, moderator=moderator_user(username="second"), reverse=True)

    with pytest.raises(pipeline.Conflict):
        appeals.decide(stale, moderator=moderator_user(username="third"), reverse=False)

    appeal.refresh_from_db()
    assert (appeal.state, appeal.decided_by.username) == (Appeal.State.REVERSED, "second")
    assert appeal.statement.comment.status == Comment.Status.APPROVED


def test_a_receipt_not_sent_yet_still_goes_when_the_notice_removes_the_comment():
    comment = CommentFactory()
    notice = _notice(comment)
    recipients.queue_for_notifiers([notice], Notification.Kind.RECEIPT)
    reply = Notification.objects.create(
        event=f"approved:{comment.pk}",
        kind=Notification.Kind.REPLY,
        recipient="parent@example.org",
        comment=comment,
    )

    notices.decide(notice, moderator=moderator_user(username="mod"), remove=True)

    comment.refresh_from_db()
    assert comment.status == Comment.Status.REMOVED
    mail = dict(Notification.objects.filter(comment=comment).values_list("kind", "state"))
    assert mail == {"receipt": "pending", "outcome": "pending", "reply": "cancelled"}
    reply.refresh_from_db()
    assert reply.last_error == "comment withdrawn"


@pytest.mark.parametrize("kind", ["statement", "receipt", "outcome", "appealed"])
def test_the_one_click_unsubscribe_of_a_decisions_mail_answers_and_changes_nothing(kind):
    comment = CommentFactory()
    row = Notification.objects.create(
        event=f"{kind}:1", kind=kind, recipient="told@example.org", comment=comment
    )
    url = reverse("comments:unsubscribe", args=[mail.unsubscribe_token(row)])
    client = Client(raise_request_exception=False)

    page = client.get(url)
    response = client.post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert page.status_code == 200
    assert "there is no list to leave" in page.content.decode()  # offers nothing to stop
    assert 'type="submit"' not in page.content.decode()
    assert response.status_code == 200
    assert "there is no list to leave" in response.content.decode()
    assert not MailPreference.objects.exists()
    row.refresh_from_db()
    assert row.state == Notification.State.PENDING
