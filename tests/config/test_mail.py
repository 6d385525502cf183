import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives

from config.mail import message_to_payload, payload_to_message


@pytest.fixture
def queued_mail(settings):
    settings.EMAIL_BACKEND = "config.mail.QueuedEmailBackend"
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _message() -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject="Confirm your address",
        body="Plain text",
        from_email="site@example.org",
        to=["reader@example.com"],
        headers={"List-Unsubscribe": "<https://example.org/u/1>"},
    )
    message.attach_alternative("<p>HTML</p>", "text/html")
    return message


def test_a_message_survives_the_trip_through_the_queue():
    original = _message()
    rebuilt = payload_to_message(message_to_payload(original))

    assert rebuilt.subject == original.subject
    assert rebuilt.to == original.to
    assert rebuilt.alternatives[0][0] == "<p>HTML</p>"
    assert rebuilt.extra_headers["List-Unsubscribe"] == "<https://example.org/u/1>"


@pytest.mark.django_db(transaction=False)
def test_mail_is_sent_by_the_task_only_after_the_transaction_commits(
    queued_mail, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert _message().send() == 1
        assert mail.outbox == []

    for callback in callbacks:
        callback()

    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Confirm your address"


def test_attachments_are_refused_rather_than_silently_dropped():
    message = _message()
    message.attach("report.txt", "data", "text/plain")
    with pytest.raises(ValueError, match="attachments"):
        message_to_payload(message)
