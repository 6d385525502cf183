"""Webhooks to a real HTTP server on a loopback port, sent by a real worker."""

import json
import time

import pytest

from comments.models import WebhookDelivery, WebhookEndpoint
from comments.moderation import transitions
from tests.factories import CommentFactory, UserFactory
from tests.integration.conftest import SECRET, log_tail, verify
from tests.services import wait_for

pytestmark = pytest.mark.integration


def _endpoint(port: int) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        url=f"http://127.0.0.1:{port}/hook", secret=SECRET, events=["comment.approved"]
    )


def test_an_approved_comment_is_delivered_once_signed(workers, receiver):
    server = receiver()
    _endpoint(server.port)
    worker = workers()
    comment = CommentFactory(
        status="pending", author_email="private@example.org", ip_address="203.0.113.4"
    )

    transitions.change_status(comment, "approved", actor=UserFactory(is_staff=True))

    wait_for(lambda: server.received, timeout=60, what=f"a delivery\n{log_tail(worker)}")
    time.sleep(1.5)
    assert len(server.received) == 1
    headers, body = server.received[0]
    assert verify(headers, body)
    assert not verify({**headers, "X-Webhook-Signature": "sha256=" + "0" * 64}, body)
    payload = json.loads(body)
    assert (headers["X-Webhook-Event"], payload["event"]) == (
        "comment.approved",
        "comment.approved",
    )
    assert payload["comment"]["id"] == comment.pk
    assert b"private@example.org" not in body and b"203.0.113.4" not in body
    assert WebhookDelivery.objects.get().state == "sent"


def test_a_receiver_that_is_down_gets_it_after_retries(workers, receiver):
    server = receiver(refuse=2)
    _endpoint(server.port)
    worker = workers()
    comment = CommentFactory(status="pending")

    transitions.change_status(comment, "approved", actor=UserFactory(is_staff=True))

    wait_for(lambda: server.received, timeout=90, what=f"the retried delivery\n{log_tail(worker)}")
    delivery = WebhookDelivery.objects.get()
    wait_for(lambda: WebhookDelivery.objects.get().state == "sent", timeout=10)
    delivery.refresh_from_db()
    assert delivery.attempts == 3 and delivery.last_status_code == 200
    assert len(server.received) == 1 and verify(*server.received[0])
