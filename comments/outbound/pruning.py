"""How long the outbox keeps what has left: sent mail (and cancelled mail) and delivered
webhook rows are deleted once OUTBOX_RETENTION_DAYS old, daily by beat. Failed rows stay,
whatever their age, until staff send them again or clear them in the admin; pending rows
are the outbox's work and are never pruned.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from comments.models import Notification, WebhookDelivery

logger = logging.getLogger(__name__)
BATCH = 1000


def _done_before(model: type[Model], cutoff) -> QuerySet:
    if model is Notification:
        return Notification.objects.filter(
            Q(state=Notification.State.SENT, sent_at__lt=cutoff)
            | Q(state=Notification.State.CANCELLED, created_at__lt=cutoff)
        )
    return WebhookDelivery.objects.filter(state=WebhookDelivery.State.SENT, delivered_at__lt=cutoff)


def _delete_in_batches(rows: QuerySet, batch: int) -> int:
    """Delete `rows` BATCH at a time, one statement each (nothing refers to an outbox row,
    so Django deletes without loading them): short transactions, bounded locks. Oldest ids
    first: the database can walk the primary key from the start, where old rows are, and
    stop at BATCH, instead of scanning the table for each batch."""
    deleted = 0
    while True:
        chosen = rows.model.objects.filter(pk__in=rows.order_by("pk").values("pk")[:batch])
        count, _ = chosen.delete()
        deleted += count
        if count < batch:
            return deleted


def prune_outbox(*, batch: int = BATCH) -> dict[str, int]:
    """Delete the sent and delivered rows older than the retention period. Returns how many
    of each kind went."""
    cutoff = timezone.now() - timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    pruned = {
        "notifications": _delete_in_batches(_done_before(Notification, cutoff), batch),
        "webhook_deliveries": _delete_in_batches(_done_before(WebhookDelivery, cutoff), batch),
    }
    if any(pruned.values()):
        logger.info(
            "pruned %(notifications)d sent mails and %(webhook_deliveries)d delivered "
            "webhooks older than %(days)d days",
            {**pruned, "days": settings.OUTBOX_RETENTION_DAYS},
        )
    return pruned


def clear_failed(model: type[Model], ids: list[int]) -> int:
    """Delete the failed rows among `ids` (staff looked at them and let them go). Rows in
    any other state are left alone. Returns how many went."""
    count, _ = model.objects.filter(pk__in=ids, state="failed").delete()
    return count
