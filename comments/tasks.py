"""Celery entry points for notification mail: given ids, harmless when run twice.

Delivery is at least once. A row is claimed before it is sent and marked sent right after;
a worker that dies between the two leaves the claim to expire, and the sweep hands the row
out again. The Message-ID comes from the row id, so a rare second copy is recognisable.
"""

import logging
from datetime import timedelta
from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.core.mail import get_connection
from django.db.models import F, Q
from django.utils import timezone

from comments import mail, webhooks
from comments.models import Comment, Notification, Report, WebhookDelivery

logger = logging.getLogger(__name__)
State = Notification.State
CHUNK = 100


# --- The outbox's mechanics, shared by mail and webhooks -------------------------------------
# Both kinds of row have state, attempts, created_at, queued_at and claimed_at.


def _hand_out(model, ids: list[int], size: int, task) -> None:
    """Give rows to the broker, `size` ids a task. A broker that is down is logged, not
    raised: the rows stay unqueued and the periodic sweep hands them out once it is back."""
    for start in range(0, len(ids), size):
        chunk = ids[start : start + size]
        try:
            task.apply_async(args=[chunk if size > 1 else chunk[0]], retry=False)
        except Exception:  # the broker is unreachable: the sweep will retry
            logger.warning(
                "broker unreachable; %d %s rows wait for the sweep",
                len(ids) - start,
                model._meta.model_name,
                exc_info=True,
            )
            return
        model.objects.filter(pk__in=chunk, state="pending").update(queued_at=timezone.now())


def _claimable(now) -> Q:
    """Not claimed, or claimed by a worker that has not finished within the lease (died)."""
    lease = now - timedelta(seconds=settings.NOTIFICATION_CLAIM_SECONDS)
    return Q(claimed_at__isnull=True) | Q(claimed_at__lt=lease)


def _backoff(attempts: int) -> int:
    """Seconds before the next try: base, twice that, four times ... at most ten minutes."""
    return min(600, settings.NOTIFICATION_RETRY_BASE * 2 ** max(0, attempts - 1))


def _waiting(model, now) -> list[int]:
    """Rows the sweep hands out again: never reached the broker, claimed by a dead worker,
    or queued long ago and never taken."""
    stale_queue = now - timedelta(seconds=settings.NOTIFICATION_REQUEUE_SECONDS)
    waiting = model.objects.filter(state="pending").filter(
        Q(queued_at__isnull=True, created_at__lt=now - timedelta(seconds=5))
        | Q(claimed_at__lt=now - timedelta(seconds=settings.NOTIFICATION_CLAIM_SECONDS))
        | Q(claimed_at__isnull=True, queued_at__lt=stale_queue)
    )
    return list(waiting.order_by("pk").values_list("pk", flat=True)[:10_000])


# --- Mail -------------------------------------------------------------------------------------


def enqueue(ids: list[int]) -> None:
    _hand_out(Notification, ids, CHUNK, deliver_notifications_task)


def _claim(ids: list[int], now) -> list[Notification]:
    Notification.objects.filter(_claimable(now), pk__in=ids, state=State.PENDING).update(
        claimed_at=now
    )
    return list(
        Notification.objects.filter(pk__in=ids, state=State.PENDING, claimed_at=now)
        .select_related("comment__article", "subscription__article", "user")
        .order_by("pk")
    )


@shared_task(bind=True, max_retries=None, acks_late=True)
def deliver_notifications_task(self, ids: list[int]) -> None:
    now = timezone.now()
    rows = _claim(ids, now)
    if not rows:
        return  # sent already, cancelled, or another worker has them
    connection = get_connection(settings.EMAIL_DELIVERY_BACKEND)
    rendered: dict = {}
    try:
        try:
            connection.open()
        except (SMTPException, OSError) as error:  # the server cannot be reached at all
            _failed(rows, error)
            if rows[0].attempts < settings.NOTIFICATION_MAX_ATTEMPTS:
                raise self.retry(
                    args=[[r.pk for r in rows]], countdown=_backoff(rows[0].attempts)
                ) from error
            return
        for index, row in enumerate(rows):
            try:
                connection.send_messages([mail.message_for(row, rendered)])
            except (SMTPException, OSError) as error:
                _failed(rows[index:], error)
                rest = (
                    rows[index:]
                    if row.attempts < settings.NOTIFICATION_MAX_ATTEMPTS
                    else rows[index + 1 :]
                )
                if rest:
                    # Exponential backoff on the row that failed: base, 2x, 4x ... ten minutes.
                    raise self.retry(
                        args=[[r.pk for r in rest]], countdown=_backoff(row.attempts)
                    ) from error
                return
            Notification.objects.filter(pk=row.pk).update(
                state=State.SENT, sent_at=timezone.now(), attempts=F("attempts") + 1
            )
    finally:
        connection.close()


def _failed(rows: list[Notification], error: Exception) -> None:
    """After an SMTP failure on rows[0]: count the attempt, release every claim, and mark
    failed what has used up its attempts (shown in the admin with the error)."""
    text = f"{type(error).__name__}: {error}"[:1000]
    failed = rows[0]
    failed.attempts += 1
    Notification.objects.filter(pk=failed.pk).update(
        attempts=F("attempts") + 1, last_error=text, claimed_at=None
    )
    Notification.objects.filter(pk__in=[row.pk for row in rows[1:]]).update(claimed_at=None)
    if failed.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
        Notification.objects.filter(pk=failed.pk).update(state=State.FAILED)
    logger.warning("SMTP failed (attempt %d): %s", failed.attempts, text)


@shared_task
def sweep_notifications_task() -> int:
    """Hand out again what never reached the broker, or was claimed by a worker that died."""
    ids = _waiting(Notification, timezone.now())
    enqueue(ids)
    return len(ids)


# --- Webhooks -----------------------------------------------------------------------------------


def enqueue_webhooks(ids: list[int]) -> None:
    _hand_out(WebhookDelivery, ids, 1, deliver_webhook_task)


@shared_task(bind=True, max_retries=None, acks_late=True)
def deliver_webhook_task(self, delivery_id: int) -> None:
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        _claimable(now), pk=delivery_id, state="pending"
    ).update(claimed_at=now)
    if not claimed:
        return
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    code, answer = webhooks.send(delivery)
    attempts = delivery.attempts + 1
    if code is not None and 200 <= code < 300:
        WebhookDelivery.objects.filter(pk=delivery_id).update(
            state="sent", attempts=attempts, delivered_at=timezone.now(),
            last_status_code=code, last_response=answer, last_error="",
        )  # fmt: skip
        return
    failed = attempts >= settings.NOTIFICATION_MAX_ATTEMPTS
    WebhookDelivery.objects.filter(pk=delivery_id).update(
        attempts=attempts,
        claimed_at=None,
        last_status_code=code,
        last_response=answer if code else "",
        last_error="" if code else answer,
        state="failed" if failed else "pending",
    )
    if not failed:
        raise self.retry(countdown=_backoff(attempts))


@shared_task
def sweep_webhooks_task() -> int:
    ids = _waiting(WebhookDelivery, timezone.now())
    enqueue_webhooks(ids)
    return len(ids)


# --- Retention ----------------------------------------------------------------------------------

RETENTION_BATCH = 1000


def _clear_in_batches(rows, changes: dict) -> int:
    """Update `rows` (a queryset that no longer matches a row once changed) in batches of
    ids, each its own short transaction: memory and locks stay small on any table."""
    cleared = 0
    while True:
        ids = list(rows.order_by("pk").values_list("pk", flat=True)[:RETENTION_BATCH])
        if not ids:
            return cleared
        cleared += rows.model.objects.filter(pk__in=ids).update(**changes)


@shared_task
def clear_old_request_facts_task() -> int:
    """Forget where old comments came from: the IP address and user agent of comments older
    than COMMENT_IP_RETENTION_DAYS (and the IP of reports as old). Returns the comments
    cleared. Bans hold their own values, so they keep working."""
    days = settings.COMMENT_IP_RETENTION_DAYS
    if days <= 0:
        return 0
    cutoff = timezone.now() - timedelta(days=days)
    comments = _clear_in_batches(
        Comment.objects.filter(created_at__lt=cutoff).filter(
            Q(ip_address__isnull=False) | ~Q(user_agent="")
        ),
        # updated_at stays: nothing the API's change feed shows has changed.
        {"ip_address": None, "user_agent": ""},
    )
    reports = _clear_in_batches(
        Report.objects.filter(created_at__lt=cutoff, ip_address__isnull=False),
        {"ip_address": None},
    )
    if comments or reports:
        logger.info(
            "cleared the IP address and user agent of %d comments and %d reports older "
            "than %d days",
            comments,
            reports,
            days,
        )
    return comments
