"""Email leaves through Celery.

`QueuedEmailBackend` is Django's EMAIL_BACKEND: it turns each message into plain values and
queues `deliver_message_task` once the surrounding transaction commits, so a page never waits
on SMTP and a rolled-back request sends nothing. The worker rebuilds the message and hands it
to `settings.EMAIL_DELIVERY_BACKEND` (SMTP in production, files under var/mail/ by default).
"""

from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction


def message_to_payload(message: EmailMultiAlternatives) -> dict[str, Any]:
    if message.attachments:
        raise ValueError("queued email does not carry attachments")
    return {
        "subject": str(message.subject),
        "body": str(message.body),
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": dict(message.extra_headers),
        "alternatives": [
            [str(content), mimetype] for content, mimetype in getattr(message, "alternatives", [])
        ],
    }


def payload_to_message(payload: dict[str, Any]) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=payload["subject"],
        body=payload["body"],
        from_email=payload["from_email"],
        to=payload["to"],
        cc=payload["cc"],
        bcc=payload["bcc"],
        reply_to=payload["reply_to"],
        headers=payload["headers"],
    )
    for content, mimetype in payload["alternatives"]:
        message.attach_alternative(content, mimetype)
    return message


class QueuedEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        count = 0
        for message in email_messages:
            if not message.recipients():
                continue
            payload = message_to_payload(message)
            transaction.on_commit(lambda p=payload: deliver_message_task.delay(p))
            count += 1
        return count


@shared_task(
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def deliver_message_task(payload: dict[str, Any]) -> None:
    connection = get_connection(settings.EMAIL_DELIVERY_BACKEND)
    connection.send_messages([payload_to_message(payload)])
