"""A request's id travels with the tasks it queues: in the message's headers on the real
broker, and into the lines a real worker writes while it runs them."""

import json
import time

import pytest
import redis
from django.test import Client

from comments.models import Notification
from tests.comments.outbound.helpers import moderator
from tests.factories import ArticleFactory, comment_form
from tests.integration.conftest import log_tail
from tests.services import wait_for

pytestmark = pytest.mark.integration

REQUEST_ID = "edge-4b1d-9e77-request"


def _post_held_comment() -> None:
    """An anonymous first comment is held: the opted-in moderator is mailed about it."""
    article = ArticleFactory()
    moderator("desk", email="desk@example.org")
    response = Client().post(
        f"/articles/{article.slug}/comments/",
        comment_form(email="first-timer@example.com"),
        HTTP_X_REQUEST_ID=REQUEST_ID,
    )
    assert response.status_code in {200, 302}, response.content[:500]
    assert response["X-Request-ID"] == REQUEST_ID


def test_the_task_a_request_queues_carries_its_id_on_the_broker(broker):
    _post_held_comment()

    queued = redis.Redis.from_url(broker).lrange("celery", 0, -1)
    messages = [json.loads(raw) for raw in queued]
    tasks = [m["headers"]["task"] for m in messages]
    assert "comments.tasks.deliver_notifications_task" in tasks
    assert {m["headers"].get("request_id") for m in messages} == {REQUEST_ID}


def test_a_worker_names_the_request_in_its_lines_about_the_task(workers, smtp_sink):
    worker = workers()
    smtp_sink.refuse_until = time.time() + 1  # the first try fails: the retry is a new message

    _post_held_comment()

    wait_for(
        lambda: smtp_sink.to("desk@example.org"),
        timeout=60,
        what=f"the moderator's mail\n{log_tail(worker)}",
    )
    wait_for(
        lambda: Notification.objects.filter(state="sent").exists(),
        timeout=30,
        what="the row marked sent",
    )
    log = log_tail(worker, 20_000)
    # From the moment the task starts to its outcome (the "received" line comes before).
    outcomes = [
        line
        for line in log.splitlines()
        if "deliver_notifications_task[" in line and (" succeeded in " in line or " retry" in line)
    ]
    assert smtp_sink.refused >= 1 and len(outcomes) >= 2, log[-3000:]
    assert all(f"[request {REQUEST_ID}]" in line for line in outcomes), outcomes
    # Lines about the worker itself name no request.
    [ready] = [line for line in log.splitlines() if line.endswith(" ready.")]
    assert "[request -]" in ready
