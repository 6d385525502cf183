"""Celery entry points: given ids, harmless when run twice; each loads what it needs, calls
the code that does the work, and stops. Task names are part of the deployment (beat's
schedule, messages already queued): keep them."""

from celery import shared_task

from comments.models import Notification, WebhookDelivery
from comments.outbound import mail, outbox, pruning, webhooks
from comments.passages import placing
from comments.portability import retention
from comments.sources import citing

# Mail goes in batches over one SMTP connection; a webhook delivery is one request.
MAIL_PER_TASK = 100


@shared_task(bind=True, max_retries=None, acks_late=True)
def deliver_notifications_task(self, ids: list[int]) -> None:
    retry = mail.deliver(ids)
    if retry is not None:
        raise self.retry(args=[retry.ids], countdown=retry.countdown)


@shared_task
def sweep_notifications_task() -> int:
    """Hand out again what never reached the broker, or was claimed by a worker that died."""
    return outbox.sweep(Notification)


@shared_task(bind=True, max_retries=None, acks_late=True)
def deliver_webhook_task(self, delivery_id: int) -> None:
    countdown = webhooks.deliver(delivery_id)
    if countdown is not None:
        raise self.retry(countdown=countdown)


@shared_task
def sweep_webhooks_task() -> int:
    return outbox.sweep(WebhookDelivery)


@shared_task
def prune_outbox_task() -> dict:
    """Delete sent mail and delivered webhook rows past OUTBOX_RETENTION_DAYS."""
    return pruning.prune_outbox()


@shared_task
def clear_old_request_facts_task() -> int:
    return retention.clear_old_request_facts()


outbox.register(Notification, deliver_notifications_task, per_task=MAIL_PER_TASK)
outbox.register(WebhookDelivery, deliver_webhook_task, per_task=1)


@shared_task(acks_late=True)
def fill_sources_task(comment_id: int) -> int:
    """What the pages a new comment cites say of themselves (title, publisher, date)."""
    return citing.fill(comment_id)


@shared_task
def recheck_sources_task() -> int:
    """The daily re-check of cited pages, a batch at a time."""
    return citing.recheck_due()


@shared_task(acks_late=True)
def reanchor_article_task(article_id: int) -> dict:
    """Place the article's anchors in its latest revision."""
    return dict(placing.reanchor_article(article_id))


citing.register_filler(fill_sources_task)
