"""The outbox: rows that must leave the site (notification mail, webhook deliveries).

A row is written in the transaction of the event it tells of, and handed to Celery after
commit. Delivery is at least once: a worker claims rows before sending and marks each sent
right after; a worker that dies between the two leaves its claim to expire, and the periodic
sweep hands the row out again. Every kind of row has `state`, `attempts`, `created_at`,
`queued_at` and `claimed_at`; the Celery task that delivers a kind registers itself here
(`comments.tasks`), so nothing that writes rows imports the tasks.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Line:
    task: object  # the Celery task that delivers rows of one model
    per_task: int  # ids given to one task


_LINES: dict[type[Model], _Line] = {}


def register(model: type[Model], task, *, per_task: int) -> None:
    _LINES[model] = _Line(task, per_task)


def hand_out(model: type[Model], ids: list[int]) -> None:
    """Give rows to the broker. A broker that is down is logged, not raised: the rows stay
    unqueued and the sweep hands them out once it is back."""
    line = _LINES[model]
    for start in range(0, len(ids), line.per_task):
        chunk = ids[start : start + line.per_task]
        try:
            line.task.apply_async(args=[chunk if line.per_task > 1 else chunk[0]], retry=False)
        except Exception:  # the broker is unreachable: the sweep will retry
            logger.warning(
                "broker unreachable; %d %s rows wait for the sweep",
                len(ids) - start,
                model._meta.model_name,
                exc_info=True,
            )
            return
        model.objects.filter(pk__in=chunk, state="pending").update(queued_at=timezone.now())


def hand_out_after_commit(model: type[Model], ids: list[int]) -> None:
    """Call inside the transaction that wrote the rows: they are handed out once it commits."""
    if ids:
        transaction.on_commit(lambda: hand_out(model, ids))


def claimable(now) -> Q:
    """Not claimed, or claimed by a worker that has not finished within the lease (died)."""
    lease = now - timedelta(seconds=settings.NOTIFICATION_CLAIM_SECONDS)
    return Q(claimed_at__isnull=True) | Q(claimed_at__lt=lease)


def claim(model: type[Model], ids: list[int], now) -> int:
    """Claim the pending, claimable rows among `ids` for this worker (marked with `now`);
    a conditional update, so two workers never both claim one row."""
    return model.objects.filter(claimable(now), pk__in=ids, state="pending").update(claimed_at=now)


def backoff(attempts: int) -> int:
    """Seconds before the next try: base, twice that, four times ... at most ten minutes."""
    return min(600, settings.NOTIFICATION_RETRY_BASE * 2 ** max(0, attempts - 1))


def waiting(model: type[Model], now) -> list[int]:
    """Rows to hand out again: never reached the broker, claimed by a dead worker, or queued
    long ago and never taken."""
    stale_queue = now - timedelta(seconds=settings.NOTIFICATION_REQUEUE_SECONDS)
    rows = model.objects.filter(state="pending").filter(
        Q(queued_at__isnull=True, created_at__lt=now - timedelta(seconds=5))
        | Q(claimed_at__lt=now - timedelta(seconds=settings.NOTIFICATION_CLAIM_SECONDS))
        | Q(claimed_at__isnull=True, queued_at__lt=stale_queue)
    )
    return list(rows.order_by("pk").values_list("pk", flat=True)[:10_000])


def sweep(model: type[Model]) -> int:
    ids = waiting(model, timezone.now())
    hand_out(model, ids)
    return len(ids)


def resend(model: type[Model], ids: list[int]) -> int:
    """Start these rows over (a moderator's "send again" or "replay"): pending, no attempts,
    no claim, then handed out. Returns how many."""
    model.objects.filter(pk__in=ids).update(
        state="pending", attempts=0, claimed_at=None, queued_at=None
    )
    hand_out(model, ids)
    return len(ids)
