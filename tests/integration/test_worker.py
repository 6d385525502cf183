"""A real `celery worker` process delivers mail queued by the site, over a real broker."""

import signal
import subprocess
import sys

import pytest
from celery import Celery
from django.core.mail import EmailMultiAlternatives

from config.mail import message_to_payload
from tests.services import ROOT, bare_machine_env, redis_url, stop_group, wait_for

pytestmark = pytest.mark.integration


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
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-l", "INFO"],
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
                "config.mail.deliver_message_task", args=[message_to_payload(message)]
            )

        mail_dir = var_dir / "mail"
        delivered = wait_for(
            lambda: mail_dir.is_dir() and list(mail_dir.iterdir()),
            timeout=60,
            what=f"the worker to write the mail ({(tmp_path / 'worker.log').read_text()[-2000:]})",
        )
        assert "Subject: Worker check" in delivered[0].read_text()
    finally:
        stop_group(worker, signal.SIGTERM)
        log.close()
