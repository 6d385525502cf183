"""Notification mail with the real parts: Redis, a `celery worker` process, an SMTP server."""

import re
import signal
import time
from urllib.parse import urlparse

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.utils import timezone

from comments.models import Comment, Notification, Subscription
from comments.moderation import transitions
from comments.outbound import recipients
from tests.factories import ArticleFactory, CommentFactory, UserFactory
from tests.integration.conftest import _point_app_at, log_tail
from tests.services import wait_for

pytestmark = pytest.mark.integration


def _approve(comment):
    moderator = UserFactory(username=f"mod{comment.pk}", is_staff=True)
    transitions.change_status(comment, "approved", actor=moderator)


def _subscriber(article, email, *, confirmed=True):
    return Subscription.objects.create(
        article=article, email=email, confirmed_at=timezone.now() if confirmed else None
    )


def test_approval_mails_the_parent_author_and_a_subscriber_once_each(workers, smtp_sink):
    worker = workers()
    article = ArticleFactory()
    parent_author = UserFactory(email="parent@example.org")
    EmailAddress.objects.create(user=parent_author, email=parent_author.email, verified=True)
    parent = CommentFactory(article=article, user=parent_author, author_email=parent_author.email)
    _subscriber(article, "follower@example.org")
    stranger = _subscriber(article, "unconfirmed@example.org", confirmed=False)
    recipients.subscribe(article=article, email=stranger.email, scope="thread")
    reply = CommentFactory(parent=parent, status="pending", author_email="replier@example.org")

    _approve(reply)

    wait_for(lambda: smtp_sink.count() >= 3, timeout=60, what=f"3 mails\n{log_tail(worker)}")
    time.sleep(1.5)  # anything more would arrive now
    to_parent, to_follower = (
        smtp_sink.to("parent@example.org"),
        smtp_sink.to("follower@example.org"),
    )
    assert len(to_parent) == 1 and len(to_follower) == 1
    assert "replied to your comment" in to_parent[0].message["Subject"]
    assert [
        m.message["Subject"].startswith("Confirm") for m in smtp_sink.to("unconfirmed@example.org")
    ] == [True]
    assert smtp_sink.to("replier@example.org") == []  # nobody hears of their own comment
    mail = to_follower[0].message
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail.is_multipart() and {p.get_content_type() for p in mail.walk()} >= {
        "text/plain",
        "text/html",
    }
    assert "replier@example.org" not in mail.as_string()

    # One-click unsubscribe, as a mail provider does it: a POST with no cookie, no token.
    link = re.search(r"<([^>]+)>", "".join(mail["List-Unsubscribe"].split())).group(1)
    response = Client(enforce_csrf_checks=True).post(
        urlparse(link).path,
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    another = CommentFactory(article=article, status="pending", author_email="third@example.org")
    _approve(another)
    wait_for(lambda: len(smtp_sink.to("parent@example.org")) >= 1, timeout=5)
    time.sleep(3)
    assert len(smtp_sink.to("follower@example.org")) == 1  # nothing after unsubscribing
    assert Notification.objects.filter(recipient="follower@example.org", state="sent").count() == 1


def test_mail_waits_for_the_broker_and_the_sweep_sends_it(workers, smtp_sink, broker):
    article = ArticleFactory()
    _subscriber(article, "patient@example.org")
    comment = CommentFactory(article=article, status="pending", author_email="a@example.org")

    _point_app_at("redis://127.0.0.1:1/0", {})  # the broker is down while the comment is approved
    _approve(comment)
    row = Notification.objects.get(recipient="patient@example.org")
    assert row.queued_at is None and row.state == "pending"

    _point_app_at(broker, {"visibility_timeout": 10})  # it is back
    worker = workers()
    workers("beat")
    wait_for(
        lambda: smtp_sink.to("patient@example.org"),
        timeout=60,
        what=f"the sweep\n{log_tail(worker)}",
    )
    row.refresh_from_db()
    assert row.state == "sent" and row.queued_at is not None
    assert len(smtp_sink.to("patient@example.org")) == 1


def test_a_worker_killed_mid_fan_out_leaves_no_one_without_mail(workers, smtp_sink):
    article = ArticleFactory()
    total = 2000
    Subscription.objects.bulk_create(
        Subscription(article=article, email=f"reader{n}@example.org", confirmed_at=timezone.now())
        for n in range(total)
    )
    comment = CommentFactory(article=article, status="pending", author_email="author@example.org")
    first = workers()

    _approve(comment)
    wait_for(
        lambda: smtp_sink.count() >= total // 4, timeout=120, what=f"a quarter\n{log_tail(first)}"
    )
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    killed_at = smtp_sink.count()
    second = workers()
    workers("beat")

    wait_for(
        lambda: len({m.recipients[0] for m in smtp_sink.received}) >= total,
        timeout=180,
        what=f"every recipient ({killed_at} before the kill)\n{log_tail(second)}",
    )
    per_recipient: dict[str, set[str]] = {}
    for item in smtp_sink.received:
        per_recipient.setdefault(item.recipients[0], set()).add(item.message_id)
    assert len(per_recipient) == total
    assert all(len(ids) == 1 for ids in per_recipient.values()), "one notification per recipient"
    copies = smtp_sink.count() - total
    # At least once: a mail accepted by SMTP just as the worker died may go again (same id).
    assert copies <= 1, f"{copies} second copies"
    assert Notification.objects.filter(comment=comment, state="sent").count() == total
    print(f"killed after {killed_at} of {total}; second copies: {copies}")


def test_smtp_refusing_for_a_while_is_retried_until_delivered(workers, smtp_sink):
    article = ArticleFactory()
    _subscriber(article, "later@example.org")
    comment = CommentFactory(article=article, status="pending", author_email="b@example.org")
    smtp_sink.refuse_until = time.time() + 4
    worker = workers()

    _approve(comment)

    wait_for(
        lambda: smtp_sink.to("later@example.org"), timeout=90, what=f"delivery\n{log_tail(worker)}"
    )
    row = Notification.objects.get(recipient="later@example.org")
    assert smtp_sink.refused >= 1
    assert row.state == "sent" and row.attempts >= 2
    assert "451" in row.last_error
    assert len(smtp_sink.to("later@example.org")) == 1
    assert Comment.objects.get(pk=comment.pk).status == "approved"
