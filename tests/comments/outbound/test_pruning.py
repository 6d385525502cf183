"""Sent mail and delivered webhooks go after OUTBOX_RETENTION_DAYS; failed rows stay, at any
age, until staff clear them; pending rows are never pruned."""

from datetime import timedelta

import pytest
from django.utils import timezone

from comments import tasks
from comments.models import Notification, WebhookDelivery, WebhookEndpoint
from comments.outbound import pruning
from tests.factories import CommentFactory, UserFactory, sign_in_staff

pytestmark = pytest.mark.django_db


def days_ago(days: float):
    return timezone.now() - timedelta(days=days)


def mail(n: int, *, state: str, age: float, comment=None) -> Notification:
    moment = days_ago(age)
    return Notification.objects.create(
        event=f"approved:{n}",
        kind="thread",
        recipient=f"r{n}@example.org",
        comment=comment,
        state=state,
        created_at=moment,
        sent_at=moment if state == "sent" else None,
    )


@pytest.fixture
def endpoint():
    return WebhookEndpoint.objects.create(url="https://hooks.example.org/", secret="s", events=[])


def delivery(endpoint, n: int, *, state: str, age: float) -> WebhookDelivery:
    moment = days_ago(age)
    return WebhookDelivery.objects.create(
        endpoint=endpoint,
        event="comment.approved",
        occurrence=f"approved:{n}",
        payload={"n": n},
        state=state,
        created_at=moment,
        delivered_at=moment if state == "sent" else None,
    )


def test_old_sent_mail_goes_and_recent_failed_and_pending_mail_stays(settings):
    settings.OUTBOX_RETENTION_DAYS = 30
    old_sent = mail(1, state="sent", age=31)
    old_cancelled = mail(2, state="cancelled", age=31)
    kept = [
        mail(3, state="sent", age=29),
        mail(4, state="failed", age=400),
        mail(5, state="failed", age=1),
        mail(6, state="pending", age=400),
    ]

    assert tasks.prune_outbox_task() == {"notifications": 2, "webhook_deliveries": 0}

    remaining = set(Notification.objects.values_list("pk", flat=True))
    assert remaining == {row.pk for row in kept}
    assert not remaining & {old_sent.pk, old_cancelled.pk}


def test_old_delivered_webhooks_go_and_failed_ones_stay_at_any_age(settings, endpoint):
    settings.OUTBOX_RETENTION_DAYS = 30
    old = delivery(endpoint, 1, state="sent", age=45)
    kept = [
        delivery(endpoint, 2, state="sent", age=2),
        delivery(endpoint, 3, state="failed", age=900),
        delivery(endpoint, 4, state="pending", age=900),
    ]

    assert pruning.prune_outbox() == {"notifications": 0, "webhook_deliveries": 1}

    assert set(WebhookDelivery.objects.values_list("pk", flat=True)) == {r.pk for r in kept}
    assert not WebhookDelivery.objects.filter(pk=old.pk).exists()


def test_the_retention_period_is_the_setting(settings):
    row = mail(1, state="sent", age=10)
    settings.OUTBOX_RETENTION_DAYS = 11
    pruning.prune_outbox()
    assert Notification.objects.filter(pk=row.pk).exists()

    settings.OUTBOX_RETENTION_DAYS = 9
    pruning.prune_outbox()
    assert not Notification.objects.filter(pk=row.pk).exists()


def test_pruning_mail_leaves_its_comment_alone(settings):
    comment = CommentFactory()
    mail(1, state="sent", age=60, comment=comment)
    pruning.prune_outbox()
    comment.refresh_from_db()
    assert not Notification.objects.exists()


@pytest.mark.parametrize("rows", [5, 60])
def test_pruning_deletes_in_a_bounded_number_of_queries(
    settings, endpoint, django_assert_num_queries, rows
):
    settings.OUTBOX_RETENTION_DAYS = 30
    for n in range(rows):
        mail(n, state="sent", age=40)
        delivery(endpoint, n, state="sent", age=40)

    # Batches of 25: 5 rows take one DELETE a kind, 60 rows three (25, 25, 10).
    batches = -(-rows // 25) if rows % 25 else rows // 25 + 1
    with django_assert_num_queries(2 * batches):  # one DELETE per batch, per kind
        pruned = pruning.prune_outbox(batch=25)

    assert pruned == {"notifications": rows, "webhook_deliveries": rows}
    assert not Notification.objects.exists() and not WebhookDelivery.objects.exists()


def test_beat_runs_the_pruning_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["prune-outbox"]
    assert entry == {"task": "comments.tasks.prune_outbox_task", "schedule": 24 * 60 * 60}
    assert tasks.prune_outbox_task.name == entry["task"]


def test_clear_deletes_only_the_failed_rows_it_is_given():
    failed, other_failed = mail(1, state="failed", age=3), mail(2, state="failed", age=3)
    sent, pending = mail(3, state="sent", age=3), mail(4, state="pending", age=3)

    cleared = pruning.clear_failed(Notification, [failed.pk, sent.pk, pending.pk])

    assert cleared == 1
    remaining = set(Notification.objects.values_list("pk", flat=True))
    assert remaining == {other_failed.pk, sent.pk, pending.pk}


def test_staff_clear_failed_mail_from_the_admin(client):
    staff = UserFactory(username="desk", is_staff=True, is_superuser=True)
    failed, sent = mail(1, state="failed", age=100), mail(2, state="sent", age=1)
    sign_in_staff(client, staff)

    response = client.post(
        "/admin/comments/notification/",
        {"action": "clear_failed_mail", "_selected_action": [failed.pk, sent.pk], "index": 0},
        follow=True,
    )

    assert response.status_code == 200
    assert "1 failed mail(s) cleared." in response.content.decode()
    assert list(Notification.objects.values_list("pk", flat=True)) == [sent.pk]


def test_staff_clear_failed_webhook_deliveries_from_the_admin(client, endpoint):
    staff = UserFactory(username="desk", is_staff=True, is_superuser=True)
    failed = delivery(endpoint, 1, state="failed", age=100)
    pending = delivery(endpoint, 2, state="pending", age=1)
    sign_in_staff(client, staff)

    client.post(
        "/admin/comments/webhookdelivery/",
        {"action": "clear_failed_deliveries", "_selected_action": [failed.pk, pending.pk]},
    )

    assert list(WebhookDelivery.objects.values_list("pk", flat=True)) == [pending.pk]
