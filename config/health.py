"""Probes for the load balancer and the process supervisor.

`/healthz`: the process answers (no database, no cache, nothing else: a slow database must
not get healthy web processes restarted). `/readyz`: the database, the cache and the broker
answer, each within CHECK_TIMEOUT; the three run side by side, so the probe answers within
that time even when a part hangs. Failures are logged with their reason; the answer names
only the parts, never hosts or errors. A process checks at most once per READY_FOR seconds
and answers the probes in between from that check, so a flood of /readyz (it is public
through the proxy) cannot open a database connection per request.

ProbeMiddleware answers the probes and /metrics ahead of host validation and the HTTPS
redirect: a load balancer or a scraper on the machine asks by IP address over plain HTTP,
which ALLOWED_HOSTS rightly does not list. None of these answers builds a URL from the Host
header, so taking any Host is safe here.
"""

import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_for

from django.conf import settings
from django.core.cache import caches
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

logger = logging.getLogger(__name__)

CHECK_TIMEOUT = 2.0  # seconds, for each part and so for the whole probe
READY_FOR = 1.0  # seconds a check's result answers the probes that follow it


def check_database() -> None:
    connection = connections["default"]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()  # this thread's own connection: never left open


def check_cache() -> None:
    cache = caches["default"]
    key, value = f"readyz:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, timeout=10)
    if cache.get(key) != value:
        raise RuntimeError("the cache did not keep a value")
    cache.delete(key)


def check_broker() -> None:
    broker = Connection(
        settings.CELERY_BROKER_URL,
        transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        connect_timeout=CHECK_TIMEOUT,
    )
    try:
        broker.ensure_connection(max_retries=0, timeout=CHECK_TIMEOUT)  # one try, no retry
        broker.default_channel  # opens a channel: Redis answers a PING  # noqa: B018
    finally:
        broker.release()


CHECKS = {"database": check_database, "cache": check_cache, "broker": check_broker}


def readiness(timeout: float = CHECK_TIMEOUT) -> dict[str, bool]:
    """Each part: True when it answered in time."""
    pool = ThreadPoolExecutor(max_workers=len(CHECKS), thread_name_prefix="readyz")
    try:
        futures = {name: pool.submit(check) for name, check in CHECKS.items()}
        wait_for(futures.values(), timeout=timeout)
        results = {}
        for name, future in futures.items():
            if not future.done():
                logger.warning("readyz: %s did not answer within %.1fs", name, timeout)
                results[name] = False
            elif future.exception() is not None:
                logger.warning("readyz: %s failed: %r", name, future.exception())
                results[name] = False
            else:
                results[name] = True
        return results
    finally:
        pool.shutdown(wait=False, cancel_futures=True)  # a hung check is left to time out


_last_check_lock = threading.Lock()
_last_check: tuple[float, dict[str, bool]] | None = None


def recent_readiness() -> dict[str, bool]:
    """The last check if it is younger than READY_FOR, else a new one. Probes arriving
    during a check wait for it (at most CHECK_TIMEOUT) rather than start their own."""
    global _last_check
    with _last_check_lock:
        if _last_check is not None and time.monotonic() - _last_check[0] < READY_FOR:
            return _last_check[1]
        results = readiness()
        _last_check = (time.monotonic(), results)
        return results


def forget_readiness() -> None:
    """The next probe checks again (tests change the parts between probes)."""
    global _last_check
    with _last_check_lock:
        _last_check = None


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    results = recent_readiness()
    failed = [name for name, ok in results.items() if not ok]
    body = {
        "status": "unavailable" if failed else "ok",
        "checks": {name: "ok" if ok else "failed" for name, ok in results.items()},
    }
    if failed:
        body["failed"] = failed
    return JsonResponse(body, status=503 if failed else 200)


class ProbeMiddleware:
    """Second in MIDDLEWARE, after the request log (so probes are logged and counted)."""

    def __init__(self, get_response):
        from config.metrics import metrics_view

        self.get_response = get_response
        self.views = {"/healthz": healthz, "/readyz": readyz, "/metrics": metrics_view}

    def __call__(self, request):
        view = self.views.get(request.path_info)
        return view(request) if view is not None else self.get_response(request)
