"""The request id rule: which ids a client may bring, and how one reaches a task's headers
and the task's own context (the worker side runs for real in tests/integration)."""

import logging

import pytest
from celery.signals import before_task_publish

from config import request_id


@pytest.mark.parametrize(
    ("value", "sane"),
    [
        ("0123abcd", True),
        ("edge-7f3a9c21.b:2", True),
        ("a" * 100, True),
        ("a" * 101, False),
        ("abc", False),
        ("-leading-dash-00", False),
        ("with space 0000", False),
        ("mail@example.org", False),
        ("line\nbreak-0000", False),
        (None, False),
        (12345678, False),
    ],
)
def test_which_ids_are_taken_from_a_client(value, sane):
    assert request_id.is_sane(value) is sane
    assert (request_id.from_header(value) == value) is sane


def test_a_task_published_inside_a_request_carries_its_id():
    headers: dict = {}
    token = request_id.bind("req-00000001")
    try:
        before_task_publish.send(sender="some.task", headers=headers, body=None)
    finally:
        request_id.unbind(token)

    assert headers["request_id"] == "req-00000001"


def test_a_task_published_outside_a_request_carries_none():
    headers: dict = {}
    before_task_publish.send(sender="some.task", headers=headers, body=None)
    assert "request_id" not in headers


def test_an_eager_task_logs_with_the_request_id(caplog):
    from celery import shared_task

    @shared_task(name="tests.config.log_something")
    def log_something():
        logging.getLogger("tests.task").warning("inside the task")

    token = request_id.bind("req-eager-0001")
    try:
        with caplog.at_level(logging.WARNING, logger="tests.task"):
            log_something.delay()
    finally:
        request_id.unbind(token)

    [record] = [r for r in caplog.records if r.name == "tests.task"]
    assert record.request_id == "req-eager-0001"
    assert request_id.current() is None
