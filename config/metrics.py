"""The numbers Prometheus scrapes at /metrics, and who may read them.

Counters (requests by status class, page cache hits and misses) are kept in the default
cache, so that every gunicorn worker adds to the same numbers (Redis in production, as for
the rate limits). Each process adds up locally and writes at most once a second, so a
request costs no cache round trip; a scrape writes its own process's share first. A counter
the cache loses starts again from zero, which Prometheus reads as a restart.
Gauges (outbox rows waiting, deliveries failed for good) are counted in the database at
each scrape.

Readable from loopback, by the one rule for the client's address (behind a proxy, the
address the proxy saw), or with `Authorization: Bearer <METRICS_TOKEN>`.
"""

import hmac
import ipaddress
import logging
import threading
import time
from collections import Counter

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from comments.models import Notification, WebhookDelivery
from comments.threads.readers import request_facts

logger = logging.getLogger(__name__)

FLUSH_SECONDS = 1.0
_KEY = "metrics:v1:"
STATUS_CLASSES = ("1xx", "2xx", "3xx", "4xx", "5xx")

_lock = threading.Lock()
_pending: Counter = Counter()
_last_flush = 0.0


# --- Counting -------------------------------------------------------------------------------


def count_response(status: int, cache_hit: bool | None) -> None:
    """Count one answered request; `cache_hit` None when the page cache did not look."""
    global _last_flush
    names = [f"requests:{min(max(status // 100, 1), 5)}xx"]
    if cache_hit is not None:
        names.append("cache:hit" if cache_hit else "cache:miss")
    now = time.monotonic()
    with _lock:
        _pending.update(names)
        due = now - _last_flush >= FLUSH_SECONDS
        if due:
            _last_flush = now
    if due:
        flush()


def flush() -> None:
    """Add this process's counts to the shared ones. A cache that fails loses them, logged:
    counting must never break a request."""
    with _lock:
        counts = dict(_pending)
        _pending.clear()
    for name, amount in counts.items():
        try:
            _add(_KEY + name, amount)
        except Exception:
            logger.warning("metrics: the cache refused a counter", exc_info=True)
            return


def _add(key: str, amount: int) -> None:
    try:
        cache.incr(key, amount)
    except ValueError:  # not there yet (or evicted): create it, then add (two may race)
        cache.add(key, 0, timeout=None)
        cache.incr(key, amount)


def counters() -> dict[str, int]:
    flush()
    names = [f"requests:{c}" for c in STATUS_CLASSES] + ["cache:hit", "cache:miss"]
    found = cache.get_many([_KEY + name for name in names])
    return {name: int(found.get(_KEY + name, 0)) for name in names}


# --- The page -------------------------------------------------------------------------------


def _family(lines: list[str], name: str, kind: str, text: str, samples: dict[str, int]) -> None:
    lines += [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]
    lines += [f"{name}{{{labels}}} {value}" for labels, value in samples.items()]


def exposition() -> str:
    """The Prometheus text format (version 0.0.4)."""
    counts = counters()
    lines: list[str] = []
    _family(
        lines,
        "discussions_requests_total",
        "counter",
        "Requests answered, by status class.",
        {f'status="{c}"': counts[f"requests:{c}"] for c in STATUS_CLASSES},
    )
    _family(
        lines,
        "discussions_page_cache_requests_total",
        "counter",
        "Requests the page cache looked up, by result.",
        {'result="hit"': counts["cache:hit"], 'result="miss"': counts["cache:miss"]},
    )
    _family(
        lines,
        "discussions_outbox_waiting",
        "gauge",
        "Outbox rows not sent yet.",
        {
            'kind="notification"': Notification.objects.filter(state="pending").count(),
            'kind="webhook"': WebhookDelivery.objects.filter(state="pending").count(),
        },
    )
    _family(
        lines,
        "discussions_deliveries_failed",
        "gauge",
        "Deliveries that failed for good and wait for staff (send again, or clear).",
        {
            'kind="notification"': Notification.objects.filter(state="failed").count(),
            'kind="webhook"': WebhookDelivery.objects.filter(state="failed").count(),
        },
    )
    return "\n".join(lines) + "\n"


def _is_loopback(address: str | None) -> bool:
    try:
        return address is not None and ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def may_read(request: HttpRequest) -> bool | None:
    """True: loopback or the right token. False: a token that is wrong. None: neither."""
    sent = request.headers.get("Authorization", "")
    if sent:
        scheme, _, token = sent.partition(" ")
        expected = settings.METRICS_TOKEN
        return bool(
            expected
            and scheme.lower() == "bearer"
            and hmac.compare_digest(token.strip().encode(), expected.encode())
        )
    # The client as the one rule sees it; and, should TRUSTED_PROXY_COUNT be left at 0 behind
    # a proxy, a request that came through one from elsewhere still is not loopback.
    forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",")]
    if any(part and not _is_loopback(part) for part in forwarded):
        return None
    return True if _is_loopback(request_facts(request)["ip"]) else None


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(
        {"error": {"status": status, "code": code, "message": message}}, status=status
    )


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    allowed = may_read(request)
    if allowed is False:
        return _error(403, "forbidden", "That token does not open the metrics.")
    if allowed is None:
        return _error(404, "not_found", "Not found.")
    return HttpResponse(exposition(), content_type="text/plain; version=0.0.4; charset=utf-8")
