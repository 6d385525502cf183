"""Delivering notification mail: comments/outbound/mail.py `deliver` and the outbox's sweep.

A server that refuses or cannot be reached costs an attempt and is recorded; the retry or
the sweep sends the mail later, and the sweep hands out what was lost and nothing else.
"""

import smtplib

import pytest
from celery.exceptions import Retry
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend

from comments import tasks
from comments.models import Notification
from comments.moderation import transitions
from tests.comments.outbound.helpers import ago, follower, held
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db


# --- 5. SMTP failures -----------------------------------------------------------------------


class FlakySmtp(BaseEmailBackend):
    """Drops the connection for the first `failures` messages, then delivers to the outbox."""

    failures = 0
    calls = 0

    def send_messages(self, messages):
        type(self).calls += 1
        if type(self).calls <= type(self).failures:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return LocmemBackend().send_messages(messages)


class UnreachableSmtp(BaseEmailBackend):
    """A server that is down: connecting fails, as Django's SMTP backend does in open()."""

    def open(self):
        raise ConnectionRefusedError(111, "Connection refused")

    def send_messages(self, messages):
        self.open()
        return 0


DISCONNECTED = "SMTPServerDisconnected: Connection unexpectedly closed"


@pytest.fixture
def flaky_smtp(settings, monkeypatch):
    settings.EMAIL_DELIVERY_BACKEND = f"{__name__}.FlakySmtp"
    monkeypatch.setattr(FlakySmtp, "calls", 0)

    def fail(times):
        monkeypatch.setattr(FlakySmtp, "failures", times)

    return fail


def _row_state(row):
    row.refresh_from_db()
    return (row.state, row.attempts, row.last_error, row.claimed_at, row.sent_at)


def test_a_mail_the_server_refuses_with_one_attempt_allowed_ends_failed(
    article, approve, settings, flaky_smtp, mailoutbox
):
    settings.NOTIFICATION_MAX_ATTEMPTS = 1
    flaky_smtp(times=99)
    follower(article, "follower@example.org")

    approve(held(article))

    assert _row_state(Notification.objects.get()) == ("failed", 1, DISCONNECTED, None, None)
    assert mailoutbox == []


def test_a_refused_mail_counts_each_attempt_and_fails_when_they_are_used_up(
    article, approve, settings, flaky_smtp, mailoutbox
):
    """In eager mode `self.retry` raises celery's Retry to whoever ran the task. Run after
    commit, that is `enqueue`, which logs it and leaves the row to the sweep; here the test
    plays the part of the retries."""
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    flaky_smtp(times=99)
    follower(article, "follower@example.org")

    approve(held(article))

    row = Notification.objects.get()
    assert _row_state(row) == ("pending", 1, DISCONNECTED, None, None)
    assert row.queued_at is None  # the sweep will hand it out again
    with pytest.raises(Retry) as retry:
        tasks.deliver_notifications_task.delay([row.pk])
    assert retry.value.sig.args == ([row.pk],)
    assert _row_state(row) == ("pending", 2, DISCONNECTED, None, None)
    tasks.deliver_notifications_task.delay([row.pk])  # the last attempt: no retry after it
    assert _row_state(row) == ("failed", 3, DISCONNECTED, None, None)
    tasks.deliver_notifications_task.delay([row.pk])  # a failed row is not tried again
    assert _row_state(row) == ("failed", 3, DISCONNECTED, None, None)
    assert FlakySmtp.calls == 3
    assert mailoutbox == []


def test_a_mail_refused_once_is_sent_by_the_retry(
    article, approve, settings, flaky_smtp, mailoutbox
):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    flaky_smtp(times=1)
    follower(article, "follower@example.org")
    approve(held(article))
    row = Notification.objects.get()
    assert mailoutbox == []

    tasks.deliver_notifications_task.delay([row.pk])

    state, attempts, last_error, _, sent_at = _row_state(row)
    assert (state, attempts, last_error) == ("sent", 2, DISCONNECTED) and sent_at is not None
    assert [m.to for m in mailoutbox] == [["follower@example.org"]]


def test_the_sweep_retries_a_refused_mail_in_eager_mode(
    article, approve, settings, flaky_smtp, mailoutbox
):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    flaky_smtp(times=1)
    follower(article, "follower@example.org")
    approve(held(article))
    Notification.objects.update(created_at=ago(60))

    assert tasks.sweep_notifications_task() == 1

    assert Notification.objects.get().state == "sent"
    assert len(mailoutbox) == 1


def test_after_a_refusal_the_rest_of_the_batch_goes_to_the_retry(
    article, staff, settings, flaky_smtp, mailoutbox, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_MAX_ATTEMPTS = 1
    flaky_smtp(times=1)
    follower(article, "a@example.org")
    follower(article, "b@example.org")
    with django_capture_on_commit_callbacks(execute=False):
        transitions.change_status(held(article), "approved", actor=staff)
    first, second = Notification.objects.order_by("pk")

    with pytest.raises(Retry) as retry:
        tasks.deliver_notifications_task.delay([first.pk, second.pk])

    assert _row_state(first) == ("failed", 1, DISCONNECTED, None, None)
    assert _row_state(second) == ("pending", 0, "", None, None)  # unclaimed, for the retry
    assert retry.value.sig.args == ([second.pk],)
    retry.value.sig.apply()
    assert _row_state(second)[0] == "sent"
    assert [m.to for m in mailoutbox] == [[second.recipient]]


def test_a_server_that_cannot_be_reached_counts_an_attempt_and_records_the_error(
    article, approve, settings, mailoutbox
):
    """Django's SMTP backend connects in open(); a server that is down fails there, before any
    message. That is an SMTP failure like another: counted, recorded, the claim released."""
    settings.EMAIL_DELIVERY_BACKEND = f"{__name__}.UnreachableSmtp"
    settings.NOTIFICATION_MAX_ATTEMPTS = 1
    follower(article, "follower@example.org")

    approve(held(article))

    state, attempts, last_error, claimed_at, sent_at = _row_state(Notification.objects.get())
    assert state != "sent" and sent_at is None
    assert (state, attempts, claimed_at) == ("failed", 1, None)
    assert "Connection refused" in last_error


# --- 6. The sweep ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "handed_out"),
    [
        ({"created_at": "10s"}, True),
        ({"created_at": "0s"}, False),
        ({"created_at": "2h", "queued_at": "2h", "claimed_at": "claim+5s"}, True),
        ({"created_at": "2h", "queued_at": "2h", "claimed_at": "10s"}, False),
        ({"created_at": "2h", "queued_at": "requeue+5s"}, True),
        ({"created_at": "2h", "queued_at": "10s"}, False),
        ({"created_at": "2h", "state": "sent"}, False),
        ({"created_at": "2h", "state": "cancelled"}, False),
        ({"created_at": "2h", "state": "failed"}, False),
    ],
    ids=[
        "never reached the broker",
        "just written",
        "claimed by a worker that died",
        "claimed by a worker at work",
        "queued and never taken",
        "queued a moment ago",
        "sent",
        "cancelled",
        "failed",
    ],
)
def test_the_sweep_hands_out_what_was_lost_and_nothing_else(
    article, settings, mailoutbox, fields, handed_out
):
    spans = {
        "claim+5s": settings.NOTIFICATION_CLAIM_SECONDS + 5,
        "requeue+5s": settings.NOTIFICATION_REQUEUE_SECONDS + 5,
        "10s": 10,
        "0s": 0,
        "2h": 7200,
    }
    comment = CommentFactory(article=article)
    sub = follower(article, "follower@example.org")
    values = {
        key: (value if key == "state" else ago(spans[value])) for key, value in fields.items()
    }
    row = Notification.objects.create(
        event=f"approved:{comment.pk}",
        kind="thread",
        recipient=sub.email,
        comment=comment,
        subscription=sub,
        **values,
    )
    before = Notification.objects.get(pk=row.pk).state

    count = tasks.sweep_notifications_task()

    row.refresh_from_db()
    assert count == (1 if handed_out else 0)
    assert len(mailoutbox) == (1 if handed_out else 0)
    assert row.state == ("sent" if handed_out else before)
