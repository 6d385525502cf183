"""Figures for `make bench`: what the request log and metrics add to every request, and how
long /healthz, /readyz and a /metrics scrape take, through Django's test client (no network)."""

import logging
import os
import statistics
import time
from collections.abc import Callable

from django.http import HttpResponse
from django.test import Client, RequestFactory

from config import health
from config.requestlog import RequestLogMiddleware


def _log_and_count_us(requests: int) -> float:
    """The middleware's own work around a view that does nothing: id, JSON line written to a
    stream (/dev/null), counters. Microseconds a request, best of five rounds."""
    middleware = RequestLogMiddleware(lambda request: HttpResponse("ok"))
    factory = RequestFactory()
    prepared = [factory.get("/articles/some-slug/", {"page": "2"}) for _ in range(requests)]
    rounds = []
    for _ in range(5):
        started = time.perf_counter()
        for request in prepared:
            middleware(request)
        rounds.append((time.perf_counter() - started) / requests * 1e6)
    return min(rounds)


def _milliseconds(client: Client, path: str, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        health.forget_readiness()  # every /readyz checks for real
        started = time.perf_counter()
        client.get(path)
        times.append((time.perf_counter() - started) * 1000)
    return times


def run(write: Callable[[str], None], requests: int = 2000, runs: int = 20) -> dict:
    request_log = logging.getLogger("discussions.request")
    with open(os.devnull, "w") as sink:
        handlers, request_log.handlers = request_log.handlers, [logging.StreamHandler(sink)]
        try:
            own = _log_and_count_us(requests)
            client = Client()
            health = _milliseconds(client, "/healthz", runs)
            ready = _milliseconds(client, "/readyz", runs)
            scrape = _milliseconds(client, "/metrics", runs)
        finally:
            request_log.handlers = handlers
    figures = {
        "log_and_count_us": own,
        "healthz_ms": statistics.median(health),
        "readyz_ms": statistics.median(ready),
        "metrics_ms": statistics.median(scrape),
    }
    write("\nProbes and metrics (test client; noisy on a shared machine)")
    write(f"  request log line and counters: {own:,.0f} µs a request (best of 5 rounds)")
    write(
        f"  /healthz median {figures['healthz_ms']:.2f} ms; /readyz median "
        f"{figures['readyz_ms']:.1f} ms, worst {max(ready):.1f} ms; /metrics scrape median "
        f"{figures['metrics_ms']:.1f} ms ({runs} runs each)"
    )
    return figures
