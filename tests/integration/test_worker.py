"""A real `celery worker` process delivers mail queued by the site, over a real broker."""

import email
import signal
import subprocess
import sys
import uuid
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from celery import Celery
from django.core.mail import EmailMultiAlternatives

from config.mail import message_to_payload
from tests.services import ROOT, bare_machine_env, redis_url, stop_group, wait_for

pytestmark = pytest.mark.integration

# Django's file backend ends every message it writes with this line. It creates the file
# before it writes the message and flushes only at the end, so until this line is there a
# reader may find the file empty or cut short.
END_OF_MESSAGE = b"\n" + b"-" * 79 + b"\n"


def _written_messages(mail_dir: Path) -> list[EmailMessage]:
    """The messages the backend has finished writing under mail_dir, one per file."""
    if not mail_dir.is_dir():
        return []
    written = (path.read_bytes() for path in sorted(mail_dir.iterdir()))
    return [
        email.message_from_bytes(data.removesuffix(END_OF_MESSAGE), policy=policy.default)
        for data in written
        if data.endswith(END_OF_MESSAGE)
    ]


def _broker(kind: str, var_dir) -> tuple[str, dict]:
    if kind == "redis":
        return redis_url(), {}
    queue, control = var_dir / "broker" / "queue", var_dir / "broker" / "control"
    for folder in (queue, control):
        folder.mkdir(parents=True, exist_ok=True)
    return "filesystem://", {
        "data_folder_in": str(queue),
        "data_folder_out": str(queue),
        "control_folder": str(control),
    }


@pytest.mark.parametrize("kind", ["filesystem", "redis"])
def test_worker_delivers_a_queued_message(tmp_path, kind):
    var_dir = tmp_path / "var"
    broker_url, transport_options = _broker(kind, var_dir)
    env = bare_machine_env(var_dir)
    if kind == "redis":
        env["CELERY_BROKER_URL"] = broker_url
    # A queue of its own: any other worker on the same Redis database (another test run's)
    # would take the task from the default queue and deliver it somewhere else.
    queue = f"worker-check-{uuid.uuid4().hex}"
    log_path = tmp_path / "worker.log"
    log = log_path.open("w")
    celery = [sys.executable, "-m", "celery", "-A", "config"]
    worker = subprocess.Popen(
        [*celery, "worker", "--pool=solo", "-l", "INFO", "-Q", queue],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        message = EmailMultiAlternatives(
            "Worker check", "Delivered by the worker.", "site@example.org", ["reader@example.com"]
        )
        producer = Celery(broker=broker_url)
        # The write URL wins over a CELERY_BROKER_URL variable in this process's environment.
        producer.conf.broker_write_url = broker_url
        producer.conf.broker_transport_options = transport_options
        with producer:
            producer.send_task(
                "config.mail.deliver_message_task", args=[message_to_payload(message)], queue=queue
            )

        try:
            delivered = wait_for(
                lambda: _written_messages(var_dir / "mail"),
                timeout=60,
                what="the worker to write the mail",
            )
        except AssertionError as error:
            raise AssertionError(f"{error}; worker log:\n{log_path.read_text()[-2000:]}") from None
        assert [(m["Subject"], m["To"]) for m in delivered] == [
            ("Worker check", "reader@example.com")
        ]
        assert delivered[0].get_content().strip() == "Delivered by the worker."
    finally:
        stop_group(worker, signal.SIGTERM)
        log.close()
