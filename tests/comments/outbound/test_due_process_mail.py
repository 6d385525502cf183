"""The mail of due process: a notifier's receipt and decision, the appeal link in a
statement, an appeal's outcome, and the signed approve / spam links of a moderator's alert
mail (valid 7 days, for that moderator only, a POST decides)."""

import re
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.test import Client

from comments.models import Appeal, Comment, Guideline, ModerationEvent, Notice, Refusal
from comments.moderation import appeals, decisions, mail_links, notices, statements, transitions
from tests.comments.outbound.helpers import SITE_URL, moderator, verified_user
from tests.factories import CommentFactory, moderator_user, sign_in_staff

pytestmark = pytest.mark.django_db
S = Comment.Status


def _notify(client, comment, **fields):
    form = {
        "ground": "STATEMENT_CATEGORY_VIOLENCE",
        "explanation": "A threat against a named person.",
        "name": "Nina Notifier",
        "email": "nina@example.org",
        "good_faith": "on",
        **fields,
    }
    return client.post(f"/comments/{comment.pk}/notice/", form)


def _link(text: str, path: str) -> str:
    return re.search(rf"{re.escape(SITE_URL)}({re.escape(path)}[^\s\"<]+)", text).group(1)


def test_a_notifier_gets_a_receipt_then_the_decision_and_the_author_the_statement(
    client, committed, mailoutbox
):
    author = verified_user("author")
    comment = CommentFactory(status=S.APPROVED, user=author, author_email=author.email)
    with committed():
        assert _notify(client, comment).status_code == 302
    assert [m.to for m in mailoutbox] == [["nina@example.org"]]
    receipt = mailoutbox[0]
    assert receipt.subject.startswith("We received your notice")
    assert "Violence" in receipt.body and f"/comments/{comment.pk}/" in receipt.body

    with committed():
        notices.decide(Notice.objects.get(), moderator=moderator_user(), remove=True)

    sent = {m.to[0]: m for m in mailoutbox[1:]}
    assert set(sent) == {"nina@example.org", author.email}
    decision = sent["nina@example.org"]
    assert decision.subject.startswith("The decision on your notice")
    assert "The comment was removed" in decision.body and "/appeals/" not in decision.body
    statement = sent[author.email]
    assert "A notice of illegal content" in statement.body  # where the decision started
    for part in (statement.body, statement.alternatives[0][0]):
        assert "Nina" not in part and "nina@example.org" not in part
    assert "/appeals/" in statement.body


def test_no_action_is_mailed_with_an_appeal_link_and_the_appeals_outcome_follows(
    client, committed, mailoutbox
):
    comment = CommentFactory(status=S.APPROVED)
    with committed():
        _notify(client, comment)
        notices.decide(Notice.objects.get(), moderator=moderator_user(), remove=False)
    decision = mailoutbox[-1]
    assert "No action taken" in decision.body
    path = _link(decision.body, "/appeals/")

    assert Client().post(path, {"explanation": "It names her address."}).status_code == 200
    with committed():
        appeals.decide(Appeal.objects.get(), moderator=moderator_user(), reverse=False)

    outcome = mailoutbox[-1]
    assert outcome.to == ["nina@example.org"]
    assert outcome.subject.startswith("The decision on your appeal")
    assert "The decision stands" in outcome.body


def test_a_child_abuse_notice_without_an_address_is_mailed_to_nobody(client, committed, mailoutbox):
    comment = CommentFactory(status=S.APPROVED)
    with committed():
        _notify(client, comment, ground="child_sexual_abuse", name="", email="")
        notices.decide(Notice.objects.get(), moderator=moderator_user(), remove=True)
    assert Notice.objects.get().state == "actioned"
    assert mailoutbox == []  # no notifier address; the author's is not proved theirs


def test_a_reversed_appeal_is_mailed_to_the_author(committed, mailoutbox):
    author = verified_user("author")
    comment = CommentFactory(status=S.APPROVED, user=author, author_email=author.email)
    grounds = statements.grounds_from(clause=Guideline.objects.get(number=3))
    with committed():
        decisions.decide(comment, S.REMOVED, moderator=moderator_user(), grounds=grounds)
    path = _link(mailoutbox[-1].body, "/appeals/")
    assert Client().post(path, {"explanation": "It was a quote."}).status_code == 200

    with committed():
        appeals.decide(Appeal.objects.get(), moderator=moderator_user(), reverse=True)

    outcome = mailoutbox[-1]
    assert outcome.to == [author.email]
    assert "The decision was reversed" in outcome.body
    assert f"/comments/{comment.pk}/" in outcome.body


def _held_mail(committed, mailoutbox, *names):
    mods = [moderator(name) for name in names]
    comment = CommentFactory(status=S.APPROVED)
    with committed():
        transitions.change_status(comment, S.PENDING, reason="held: edited after publication")
    mails = {m.to[0]: m for m in mailoutbox}
    return comment, mods, mails


def test_each_moderator_gets_their_own_approve_and_spam_links(committed, mailoutbox):
    _comment, (ann, bob), mails = _held_mail(committed, mailoutbox, "ann", "bob")

    ann_links = {_link(mails[ann.email].body, "/moderate/")}
    ann_spam = re.findall(r"Mark as spam: \S+(/moderate/\S+)", mails[ann.email].body)
    bob_approve = re.findall(r"Approve: \S+(/moderate/\S+)", mails[bob.email].body)
    assert ann_spam and bob_approve and ann_links.isdisjoint(bob_approve)
    html = mails[ann.email].alternatives[0][0]
    assert "/moderate/" in html and "Open in the admin" in html


def test_the_link_asks_first_and_the_post_decides_as_that_moderator(committed, mailoutbox):
    comment, (ann,), mails = _held_mail(committed, mailoutbox, "ann")
    path = re.search(r"Approve: \S+?(/moderate/\S+)", mails[ann.email].body).group(1)
    scanner = Client()

    shown = scanner.get(path)
    comment.refresh_from_db()
    assert shown.status_code == 200 and comment.status == S.PENDING  # a GET changes nothing
    assert "Approve?" in shown.content.decode()

    done = scanner.post(path)

    comment.refresh_from_db()
    assert done.status_code == 200 and comment.status == S.APPROVED
    assert ModerationEvent.objects.filter(comment=comment).latest("pk").actor == ann
    again = scanner.post(path)
    assert again.status_code == 409  # decided since the mail left
    assert Refusal.objects.filter(kind="mail_link", comment_id=comment.pk).exists()


def test_a_forged_expired_or_other_moderators_link_is_refused_and_changes_nothing(
    committed, mailoutbox
):
    comment, (ann, bob), mails = _held_mail(committed, mailoutbox, "ann", "bob")
    path = re.search(r"Mark as spam: \S+?(/moderate/\S+)", mails[ann.email].body).group(1)

    forged = Client().post(path[:-6] + "abcdef/")
    as_bob = Client()
    sign_in_staff(as_bob, bob)
    other = as_bob.post(path)
    eight_days_ago = time.time() - timedelta(days=8).total_seconds()
    with mock.patch("django.core.signing.time.time", return_value=eight_days_ago):
        old = mail_links.path(comment, ann, "spam")  # a link mailed eight days ago
    expired = Client().post(old)

    assert (forged.status_code, other.status_code, expired.status_code) == (400, 403, 400)
    assert "another moderator" in other.content.decode()
    assert "expired" in expired.content.decode()
    comment.refresh_from_db()
    assert comment.status == S.PENDING
    assert Refusal.objects.filter(kind="mail_link").count() == 3


def test_a_link_of_an_account_that_no_longer_moderates_is_refused(committed, mailoutbox):
    comment, (ann,), mails = _held_mail(committed, mailoutbox, "ann")
    path = re.search(r"Approve: \S+?(/moderate/\S+)", mails[ann.email].body).group(1)
    ann.groups.clear()
    ann.is_staff = False
    ann.save()

    answer = Client().post(path)

    assert answer.status_code == 403
    comment.refresh_from_db()
    assert comment.status == S.PENDING
