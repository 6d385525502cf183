"""/healthz answers from the process alone; /readyz asks the database, the cache and the
broker, each for real, and names the part that did not answer."""

import time

import pytest
from django.db import connection, connections

from config import health
from tests.services import free_port, redis_url, unavailable

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_probes_are_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/articles/").status_code == 301  # the rest of the site still is


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
def test_probes_answer_a_prober_that_asks_by_ip_address(client, settings, path):
    settings.ALLOWED_HOSTS = ["analysis.example.org"]

    response = client.get(path, HTTP_HOST="10.0.0.5:8000")

    assert response.status_code == 200
    assert client.get("/articles/", HTTP_HOST="10.0.0.5:8000").status_code == 400


def test_probes_only_answer_get(client):
    assert client.post("/healthz").status_code == 405
    assert client.post("/readyz").status_code == 405


@pytest.fixture
def redis_everywhere(settings):
    """The cache and the broker on the real Redis the tests use."""
    url = redis_url()
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    }
    settings.CELERY_BROKER_URL = url
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    return url


def test_readyz_is_ok_when_database_cache_and_broker_answer(client, redis_everywhere):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "broker": "ok"},
    }


def test_readyz_names_a_cache_that_is_down(client, redis_everywhere, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        }
    }

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["failed"] == ["cache"]
    assert response.json()["checks"] == {"database": "ok", "cache": "failed", "broker": "ok"}


def test_readyz_names_a_broker_that_is_down_within_the_timeout(client, redis_everywhere, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"

    started = time.monotonic()
    response = client.get("/readyz")

    assert time.monotonic() - started <= health.CHECK_TIMEOUT + 0.5
    assert response.status_code == 503
    assert response.json()["failed"] == ["broker"]


def test_readyz_names_a_database_that_is_down(client, redis_everywhere, monkeypatch, tmp_path):
    # The check opens its own connection from the settings: point those at nothing.
    database = connections.settings["default"]
    if connection.vendor == "postgresql":
        monkeypatch.setitem(database, "HOST", "127.0.0.1")
        monkeypatch.setitem(database, "PORT", str(free_port()))
    elif connection.vendor == "sqlite":
        monkeypatch.setitem(database, "NAME", str(tmp_path / "no-such-folder" / "db.sqlite3"))
    else:
        unavailable(f"no closed-port set-up for {connection.vendor}")

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "failed", "cache": "ok", "broker": "ok"},
        "failed": ["database"],
    }


def test_readyz_lists_every_part_that_is_down(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        }
    }
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}

    response = client.get("/readyz")

    assert response.status_code == 503
    assert sorted(response.json()["failed"]) == ["broker", "cache"]
    assert "127.0.0.1" not in response.content.decode()  # parts only, never their addresses


def test_a_part_that_hangs_is_failed_at_the_timeout(monkeypatch):
    monkeypatch.setitem(health.CHECKS, "broker", lambda: time.sleep(3))

    started = time.monotonic()
    results = health.readiness(timeout=0.5)

    assert time.monotonic() - started < 1.5
    assert results["broker"] is False
    assert results["database"] is True


def test_probes_close_together_share_one_check(client, monkeypatch):
    calls = []
    real = health.CHECKS["database"]
    monkeypatch.setitem(health.CHECKS, "database", lambda: calls.append(1) or real())

    for _ in range(5):
        assert client.get("/readyz").status_code == 200
    assert len(calls) == 1

    health.forget_readiness()  # as READY_FOR seconds later
    client.get("/readyz")
    assert len(calls) == 2
