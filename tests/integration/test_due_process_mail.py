"""Notices of illegal content and their mail, with the real parts: the notice view and the
admin's decide URLs through the test client, Redis, a `celery worker` process, an SMTP server.

A notifier hears of their notice twice (receipt, decision; the receipt even when a removal
came before the worker could send it) and of their appeal once; the comment's author hears
of a removal with a statement saying a notice started it; nobody but the notifier ever sees
the notifier's name or address.
"""

import re
import time
from urllib.parse import urlparse

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comments.models import Appeal, Comment, Notice, Subscription
from tests.factories import ArticleFactory, CommentFactory, moderator_user, sign_in_staff
from tests.integration.conftest import _point_app_at, log_tail
from tests.services import wait_for

pytestmark = pytest.mark.integration

NOTIFIER_NAME = "Zoë Brandt-Ørsted"
NOTIFIER_EMAIL = "zoe.notifier@example.net"
AUTHOR_EMAIL = "anon.author@example.org"
SPEECH = "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH"
APPEAL_LINK = re.compile(r"https?://\S+/appeals/[^/\s]+/")


def _discussion():
    """An approved comment by an anonymous author whose address confirmed a subscription
    (so it may be mailed decisions), on an article with a second comment around it."""
    article = ArticleFactory(title="Harbour tolls and the law")
    Subscription.objects.create(article=article, email=AUTHOR_EMAIL, confirmed_at=timezone.now())
    comment = CommentFactory(
        article=article,
        author_name="Anon Author",
        author_email=AUTHOR_EMAIL,
        body="Everyone from that town should be run out of it.",
    )
    CommentFactory(article=article, body="A calmer view of the tolls.")
    return article, comment


def _send_notice(comment) -> Notice:
    """A signed-out reader sends the notice form, as a browser would."""
    response = Client().post(
        reverse("comments:notice", args=[comment.pk]),
        {
            "ground": SPEECH,
            "explanation": "It calls for violence against the people of a town.",
            "urls": "",
            "name": NOTIFIER_NAME,
            "email": NOTIFIER_EMAIL,
            "good_faith": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response.url == comment.get_absolute_url()
    return Notice.objects.get(comment=comment)


def _admin(moderator) -> Client:
    client = Client()
    sign_in_staff(client, moderator)
    return client


def _decide_notice(moderator, notice, **post):
    response = _admin(moderator).post(
        reverse("admin:comments_notice_decide", args=[notice.pk]), post
    )
    assert response.status_code == 302
    assert response.url == reverse("admin:comments_notice_changelist"), response.url
    notice.refresh_from_db()


def _mails_to(sink, address: str, count: int, worker) -> list:
    wait_for(
        lambda: len(sink.to(address)) >= count,
        timeout=60,
        what=f"{count} mail(s) to {address}\n{log_tail(worker)}",
    )
    return sink.to(address)


def _assert_notifier_unnamed_outside_own_mail(sink) -> None:
    for item in sink.received:
        if item.recipients == [NOTIFIER_EMAIL]:
            continue
        for text in (item.everything(), item.message.as_string()):
            assert NOTIFIER_EMAIL not in text, item.recipients
            assert NOTIFIER_NAME not in text, item.recipients
            assert "Brandt" not in text, item.recipients  # the name, in any encoding


def test_a_removal_on_notice_mails_the_notifier_and_the_author_a_statement(workers, smtp_sink):
    worker = workers()
    article, comment = _discussion()
    moderator = moderator_user(username="mod_one")

    notice = _send_notice(comment)

    (receipt,) = _mails_to(smtp_sink, NOTIFIER_EMAIL, 1, worker)
    assert receipt.subject == f"We received your notice about a comment on {article.title}"
    assert "Ground: Illegal or harmful speech" in receipt.text()
    assert "The comment: http" in receipt.text()
    assert smtp_sink.to(AUTHOR_EMAIL) == []  # a notice alone tells the author nothing
    # A mail provider's one-click unsubscribe (RFC 8058) of the receipt changes nothing.
    link = re.search(r"<([^>]+)>", "".join(receipt.message["List-Unsubscribe"].split()))[1]
    one_click = Client(enforce_csrf_checks=True, raise_request_exception=False).post(
        urlparse(link).path,
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert one_click.status_code == 200 and "no list to leave" in one_click.content.decode()

    _decide_notice(
        moderator, notice, outcome="remove", category=SPEECH, note="Removed: a call to violence."
    )

    assert notice.state == Notice.State.ACTIONED and notice.decided_by == moderator
    comment.refresh_from_db()
    assert comment.status == Comment.Status.REMOVED
    _, outcome = _mails_to(smtp_sink, NOTIFIER_EMAIL, 2, worker)
    (statement,) = _mails_to(smtp_sink, AUTHOR_EMAIL, 1, worker)
    assert outcome.subject == f"The decision on your notice about a comment on {article.title}"
    body = outcome.text()
    assert "Decision: The comment was removed (Illegal or harmful speech)" in body
    assert "Why: Removed: a call to violence." in body
    assert "The comment is no longer shown." in body
    assert "/appeals/" not in body and "/appeals/" not in outcome.text("html")
    assert statement.subject == f"Why your comment on {article.title} was removed"
    words = statement.text()
    assert "Started by: A notice of illegal content" in words
    assert "Ground: Illegal content — Illegal or harmful speech" in words
    (link,) = set(APPEAL_LINK.findall(words))
    assert Client().get(urlparse(link).path).status_code == 200  # the link works
    time.sleep(1.5)  # anything more would arrive now
    assert smtp_sink.count() == 3
    _assert_notifier_unnamed_outside_own_mail(smtp_sink)


def test_a_notifier_appeals_no_action_and_hears_the_second_moderators_outcome(workers, smtp_sink):
    worker = workers()
    article, comment = _discussion()
    first, second = moderator_user(username="mod_first"), moderator_user(username="mod_second")
    notice = _send_notice(comment)
    _mails_to(smtp_sink, NOTIFIER_EMAIL, 1, worker)

    _decide_notice(first, notice, outcome="no_action", note="Harsh, but not illegal here.")

    assert notice.state == Notice.State.NO_ACTION
    _, outcome = _mails_to(smtp_sink, NOTIFIER_EMAIL, 2, worker)
    assert "Decision: No action taken" in outcome.text()
    assert "Why: Harsh, but not illegal here." in outcome.text()
    (link,) = set(APPEAL_LINK.findall(outcome.text()))
    assert link in outcome.text("html")

    notifier = Client()
    path = urlparse(link).path
    assert notifier.get(path).status_code == 200
    response = notifier.post(path, {"explanation": "It names a town and calls for violence."})
    assert response.status_code == 200
    assert "Appeal received" in response.content.decode()
    appeal = Appeal.objects.get()
    assert (appeal.by, appeal.notice, appeal.state) == ("notifier", notice, Appeal.State.OPEN)
    assert notifier.post(path, {"explanation": "Again."}).status_code == 409  # once only

    response = _admin(second).post(
        reverse("admin:comments_appeal_decide", args=[appeal.pk]),
        {"outcome": "uphold", "note": "Read again: within the law."},
    )
    assert response.url == reverse("admin:comments_appeal_changelist")

    appeal.refresh_from_db()
    assert (appeal.state, appeal.decided_by) == (Appeal.State.UPHELD, second)
    *_, appealed = _mails_to(smtp_sink, NOTIFIER_EMAIL, 3, worker)
    assert appealed.subject == f"The decision on your appeal about a comment on {article.title}"
    assert "Outcome: The decision stands" in appealed.text()
    assert "Why: Read again: within the law." in appealed.text()
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED
    time.sleep(1.5)
    assert smtp_sink.to(AUTHOR_EMAIL) == []  # left in place: the author hears of nothing
    assert smtp_sink.count() == 3
    _assert_notifier_unnamed_outside_own_mail(smtp_sink)


def test_a_receipt_held_up_by_the_broker_still_arrives_after_a_quick_removal(
    workers, smtp_sink, broker
):
    _, comment = _discussion()
    _point_app_at("redis://127.0.0.1:1/0", {})  # the broker is down while all this happens
    notice = _send_notice(comment)
    _decide_notice(moderator_user(username="mod_quick"), notice, outcome="remove")
    assert notice.state == Notice.State.ACTIONED

    _point_app_at(broker, {"visibility_timeout": 10})  # it is back: the sweep hands mail out
    worker = workers()
    workers("beat")

    subjects = sorted(m.subject for m in _mails_to(smtp_sink, NOTIFIER_EMAIL, 2, worker))
    assert [subject.split(" about ")[0] for subject in subjects] == [
        "The decision on your notice",
        "We received your notice",
    ]
    assert "Started by: A notice of illegal content" in (
        _mails_to(smtp_sink, AUTHOR_EMAIL, 1, worker)[0].text()
    )
    _assert_notifier_unnamed_outside_own_mail(smtp_sink)


def test_a_notifiers_appeal_granted_removes_the_comment_and_tells_both(workers, smtp_sink):
    worker = workers()
    article, comment = _discussion()
    first, second = moderator_user(username="mod_lenient"), moderator_user(username="mod_strict")
    notice = _send_notice(comment)
    _decide_notice(first, notice, outcome="no_action")
    _, outcome = _mails_to(smtp_sink, NOTIFIER_EMAIL, 2, worker)
    (link,) = set(APPEAL_LINK.findall(outcome.text()))
    Client().post(urlparse(link).path, {"explanation": "It is a call to violence."})
    appeal = Appeal.objects.get()

    response = _admin(second).post(
        reverse("admin:comments_appeal_decide", args=[appeal.pk]), {"outcome": "reverse"}
    )

    assert response.url == reverse("admin:comments_appeal_changelist")
    comment.refresh_from_db()
    notice.refresh_from_db()
    assert comment.status == Comment.Status.REMOVED
    assert (notice.state, notice.statement_id) == (Notice.State.ACTIONED, comment.statement_id)
    *_, appealed = _mails_to(smtp_sink, NOTIFIER_EMAIL, 3, worker)
    assert "Outcome: The decision was reversed" in appealed.text()
    assert "removed the comment" in appealed.text()
    (statement,) = _mails_to(smtp_sink, AUTHOR_EMAIL, 1, worker)
    assert statement.subject == f"Why your comment on {article.title} was removed"
    assert "Started by: A notice of illegal content" in statement.text()
    assert "Ground: Illegal content — Illegal or harmful speech" in statement.text()
    assert APPEAL_LINK.search(statement.text())  # the author may appeal in turn
    time.sleep(1.5)
    assert smtp_sink.count() == 4
    _assert_notifier_unnamed_outside_own_mail(smtp_sink)
