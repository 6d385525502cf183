"""/metrics: Prometheus text with request, page cache, outbox and failure numbers, readable
from loopback (as the one client-address rule sees it) or with the metrics token only."""

import os
import re
import subprocess
import sys

import pytest
from django.core.cache import caches

from comments.models import Notification, WebhookDelivery, WebhookEndpoint
from config import metrics
from tests.factories import CommentFactory
from tests.services import ROOT, redis_url

pytestmark = pytest.mark.django_db

SAMPLE = re.compile(r"^([a-z_]+)\{([a-z]+)=\"([^\"]+)\"\} (\d+)$")


def scrape(client, **extra) -> dict[tuple[str, str], int]:
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    samples = {}
    for line in response.content.decode().splitlines():
        if line.startswith("#"):
            assert re.match(r"^# (HELP|TYPE) [a-z_]+ .+$", line)
            continue
        name, _, value, number = SAMPLE.match(line).groups()
        samples[(name, value)] = int(number)
    return samples


def test_requests_are_counted_by_status_class(client):
    before = scrape(client)
    client.get("/healthz")
    client.get("/healthz")
    client.get("/no-such-page/")
    client.post("/healthz")

    after = scrape(client)

    def grew(status):
        return (
            after[("discussions_requests_total", status)]
            - before[("discussions_requests_total", status)]
        )

    assert grew("2xx") == 3  # two probes and the first scrape
    assert grew("4xx") == 2
    assert grew("5xx") == 0


def test_page_cache_hits_and_misses_are_counted(client, settings):
    """The page cache's own verdicts: the first anonymous read renders, the next ones are
    served from the copy; a page it does not serve counts as neither."""
    settings.PAGE_CACHE_ENABLED = True
    before = scrape(client)
    for _ in range(3):
        client.get("/")
    client.get("/guidelines/")  # not a shared page: neither

    after = scrape(client)

    key_hit = ("discussions_page_cache_requests_total", "hit")
    key_miss = ("discussions_page_cache_requests_total", "miss")
    assert after[key_hit] - before.get(key_hit, 0) == 2
    assert after[key_miss] - before.get(key_miss, 0) == 1


def test_counts_from_every_process_add_up_in_the_shared_cache(client, settings):
    """Two web processes on one Redis cache: a scrape of either sees both's requests."""
    url = redis_url()
    metrics.flush()  # what this process counted before, into the cache it used then
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    }
    caches["default"].delete_many([metrics._KEY + "requests:5xx", metrics._KEY + "requests:2xx"])
    other_process = (
        "import django; django.setup()\n"
        "from config import metrics\n"
        "for status in (500, 503, 200):\n"
        "    metrics.count_response(status, None)\n"
        "metrics.flush()\n"
    )
    subprocess.run(
        [sys.executable, "-c", other_process],
        cwd=ROOT,
        env={**os.environ, "REDIS_CACHE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings"},
        check=True,
        timeout=60,
    )

    samples = scrape(client)

    assert samples[("discussions_requests_total", "5xx")] == 2
    assert samples[("discussions_requests_total", "2xx")] == 1  # the other's, this one's next


def test_outbox_waiting_and_failed_deliveries_are_reported(client):
    comment = CommentFactory()
    for n, state in enumerate(["pending", "pending", "pending", "sent", "failed", "cancelled"]):
        Notification.objects.create(
            event=f"e:{n}", kind="thread", recipient=f"r{n}@example.org", comment=comment,
            state=state,
        )  # fmt: skip
    endpoint = WebhookEndpoint.objects.create(url="https://h.example.org/", secret="s", events=[])
    for n, state in enumerate(["pending", "failed", "failed", "sent"]):
        WebhookDelivery.objects.create(
            endpoint=endpoint, event="comment.approved", occurrence=f"o{n}", payload={},
            state=state,
        )  # fmt: skip

    samples = scrape(client)

    assert samples[("discussions_outbox_waiting", "notification")] == 3
    assert samples[("discussions_outbox_waiting", "webhook")] == 1
    assert samples[("discussions_deliveries_failed", "notification")] == 1
    assert samples[("discussions_deliveries_failed", "webhook")] == 2


def test_a_scrape_costs_four_queries_however_many_rows(client, django_assert_num_queries):
    comment = CommentFactory()
    Notification.objects.bulk_create(
        Notification(event=f"e:{n}", kind="thread", recipient=f"r{n}@example.org",
                     comment=comment, state=("pending", "failed")[n % 2])
        for n in range(40)
    )  # fmt: skip

    # pending and failed, for notifications and for webhook deliveries
    with django_assert_num_queries(4):
        client.get("/metrics")


def test_the_page_names_no_reader(client):
    comment = CommentFactory(author_email="writer@example.org", ip_address="203.0.113.9")
    Notification.objects.create(
        event="e", kind="thread", recipient="follower@example.org", comment=comment
    )

    body = client.get("/metrics").content.decode()

    assert "@" not in body and "203.0.113" not in body


def test_outside_clients_get_not_found(client):
    response = client.get("/metrics", REMOTE_ADDR="198.51.100.7")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert "discussions_" not in response.content.decode()


@pytest.mark.parametrize("loopback", ["127.0.0.1", "127.8.9.10", "::1"])
def test_loopback_may_read(client, loopback):
    assert client.get("/metrics", REMOTE_ADDR=loopback).status_code == 200


def test_behind_the_proxy_an_outside_client_is_not_loopback(client, settings):
    """nginx connects from 127.0.0.1 and appends the real client to X-Forwarded-For."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1

    outside = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    spoofed = client.get(
        "/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1, 198.51.100.7"
    )
    local = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1")

    assert outside.status_code == 404
    assert spoofed.status_code == 404
    assert local.status_code == 200  # a scraper on the machine itself, through nginx


def test_a_proxied_request_is_not_loopback_even_with_the_proxy_count_left_at_zero(client, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0

    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.4")

    assert response.status_code == 404


def test_the_token_opens_the_metrics_from_anywhere(client, settings):
    settings.METRICS_TOKEN = "m-0123456789abcdef"

    ok = client.get(
        "/metrics", REMOTE_ADDR="198.51.100.7", HTTP_AUTHORIZATION="Bearer m-0123456789abcdef"
    )

    assert ok.status_code == 200
    assert "discussions_requests_total" in ok.content.decode()


@pytest.mark.parametrize(
    "header",
    ["Bearer wrong-token", "Bearer ", "Basic bS0wMTIzNDU2Nzg5YWJjZGVm", "m-0123456789abcdef"],
)
def test_a_wrong_token_is_refused_even_from_loopback(client, settings, header):
    settings.METRICS_TOKEN = "m-0123456789abcdef"

    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_AUTHORIZATION=header)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_without_a_token_set_no_token_opens_the_metrics(client, settings):
    settings.METRICS_TOKEN = ""

    response = client.get("/metrics", REMOTE_ADDR="198.51.100.7", HTTP_AUTHORIZATION="Bearer ")

    assert response.status_code == 403


def test_a_cache_that_fails_never_breaks_a_request(client, settings):
    from tests.services import free_port

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        }
    }
    metrics._last_flush = 0.0  # due now

    assert client.get("/healthz").status_code == 200
