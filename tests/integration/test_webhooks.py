"""Webhooks to a real HTTP server on a loopback port, sent by a real worker."""

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from comments.models import WebhookDelivery, WebhookEndpoint
from comments.moderation import transitions
from tests.factories import CommentFactory, UserFactory
from tests.integration.conftest import log_tail
from tests.services import free_port, wait_for

pytestmark = pytest.mark.integration
SECRET = "s3cret-shared-with-the-receiver"


class Receiver:
    """Records deliveries; answers 503 to the first `refuse` of them."""

    def __init__(self, refuse: int = 0):
        self.received, self.refuse, self.lock = [], refuse, threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    refuse = receiver.refuse > 0
                    receiver.refuse -= 1
                    if not refuse:
                        receiver.received.append((dict(self.headers), body))
                self.send_response(503 if refuse else 200)
                self.end_headers()
                self.wfile.write(b"busy" if refuse else b"ok")

            def log_message(self, *args):
                pass

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


def verify(headers: dict, body: bytes) -> bool:
    """What the README tells a receiver to do."""
    timestamp = headers["X-Webhook-Timestamp"]
    expected = hmac.new(
        SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    fresh = abs(time.time() - int(timestamp)) < 300
    return fresh and hmac.compare_digest(headers["X-Webhook-Signature"], f"sha256={expected}")


@pytest.fixture
def receiver():
    made = []

    def make(refuse=0):
        made.append(Receiver(refuse))
        return made[-1]

    yield make
    for item in made:
        item.close()


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
