"""Outgoing webhooks: which deliveries an event causes (written in the event's transaction),
and how one is signed and sent.

Each delivery is POSTed as JSON with these headers:
    X-Webhook-Event: comment.approved
    X-Webhook-Id: 123                      (the delivery; the same on every retry)
    X-Webhook-Timestamp: 1764100000        (seconds since the epoch, when sent)
    X-Webhook-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the secret>
A receiver recomputes the signature, compares it in constant time, and refuses a timestamp
more than five minutes old (README: "Webhooks").
"""

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from articles.models import Article
from comments.models import Comment, WebhookDelivery, WebhookEndpoint
from comments.outbound import outbox

TIMEOUT = 10


def payload_for(event: str, comment: Comment, article_slug: str) -> dict:
    """What a receiver learns: public facts and the status; never an email or IP."""
    published = comment.status == Comment.Status.APPROVED
    return {
        "event": event,
        "comment": {
            "id": comment.pk,
            "article": article_slug,
            "parent": comment.parent_id,
            "depth": comment.depth,
            "status": comment.status,
            "author": comment.author_name if published else None,
            "html": comment.body_html if published else None,
            "created_at": comment.created_at,
            "edited_at": comment.edited_at,
            "url": f"{settings.SITE_URL}{comment.get_absolute_url()}",
        },
    }


def queue(event: str, comments: list[Comment], occurrence: str) -> list[int]:
    """Write a delivery per active endpoint that wants `event`; send them after commit.
    `occurrence` names this happening once (e.g. the moderation event's id)."""
    endpoints = [e for e in WebhookEndpoint.listening() if event in e.events]
    if not endpoints or not comments:
        return []
    slugs = dict(
        Article.objects.filter(pk__in={c.article_id for c in comments}).values_list("pk", "slug")
    )
    rows = [
        WebhookDelivery(
            endpoint=endpoint,
            event=event,
            occurrence=f"{event}:{comment.pk}:{occurrence}",
            payload=json.loads(
                json.dumps(
                    payload_for(event, comment, slugs[comment.article_id]), cls=DjangoJSONEncoder
                )
            ),
        )
        for endpoint in endpoints
        for comment in comments
    ]
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    ids = list(
        WebhookDelivery.objects.filter(
            occurrence__in={row.occurrence for row in rows}, queued_at__isnull=True
        ).values_list("pk", flat=True)
    )
    outbox.hand_out_after_commit(WebhookDelivery, ids)
    return ids


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def send(delivery: WebhookDelivery) -> tuple[int | None, str]:
    """POST one delivery. Returns (status code or None, the start of the answer or error)."""
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(  # noqa: S310 - a URL staff registered, http(s) only
        delivery.endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": f"{settings.SITE_NAME} webhooks",
            "X-Webhook-Event": delivery.event,
            "X-Webhook-Id": str(delivery.pk),
            "X-Webhook-Timestamp": timestamp,
            "X-Webhook-Signature": sign(delivery.endpoint.secret, timestamp, body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            return response.status, response.read(1000).decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read(1000).decode(errors="replace")
    except (urllib.error.URLError, OSError) as error:
        return None, f"{type(error).__name__}: {error}"


def deliver(delivery_id: int) -> int | None:
    """Send one pending delivery, once this worker has claimed it; record the answer.
    Returns the seconds to wait before trying again, or None when there is nothing to retry
    (delivered, failed for good, or not this worker's to send)."""
    now = timezone.now()
    if not outbox.claim(WebhookDelivery, [delivery_id], now):
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    code, answer = send(delivery)
    attempts = delivery.attempts + 1
    if code is not None and 200 <= code < 300:
        WebhookDelivery.objects.filter(pk=delivery_id).update(
            state="sent", attempts=attempts, delivered_at=timezone.now(),
            last_status_code=code, last_response=answer, last_error="",
        )  # fmt: skip
        return None
    failed = attempts >= settings.NOTIFICATION_MAX_ATTEMPTS
    WebhookDelivery.objects.filter(pk=delivery_id).update(
        attempts=attempts,
        claimed_at=None,
        last_status_code=code,
        last_response=answer if code else "",
        last_error="" if code else answer,
        state="failed" if failed else "pending",
    )
    return None if failed else outbox.backoff(attempts)
