"""The Redis cache backend that degrades to an empty cache (config/cache.py)."""

import time

import pytest

from config.cache import TolerantRedisCache
from tests.services import free_port, redis_url


def _cache(location: str) -> TolerantRedisCache:
    return TolerantRedisCache(location, {"OPTIONS": {"socket_connect_timeout": 0.5}})


def test_a_server_that_is_down_reads_as_an_empty_cache():
    cache = _cache(f"redis://127.0.0.1:{free_port()}/0")
    assert cache.get("k", "default") == "default"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.add("k", 1) is False
    assert cache.set("k", 1) is None
    assert cache.set_many({"a": 1}) == ["a"]
    assert cache.delete("k") is False
    with pytest.raises(ValueError):
        cache.incr("k")
    assert cache.is_available is False


def test_after_a_failure_the_server_is_left_alone_for_a_while(monkeypatch):
    cache = _cache(f"redis://127.0.0.1:{free_port()}/0")
    cache.get("k")
    calls = []
    monkeypatch.setattr(
        "django.core.cache.backends.redis.RedisCache.get", lambda *a, **k: calls.append(a)
    )
    cache.get("k")
    assert calls == []  # not asked again within RETRY_SECONDS
    cache._down_until = time.monotonic() - 1
    cache.get("k")
    assert len(calls) == 1


@pytest.mark.integration
def test_a_server_that_is_up_is_used():
    cache = _cache(redis_url())
    cache.set("config-cache-test", 41)
    assert cache.incr("config-cache-test") == 42
    assert cache.get_many(["config-cache-test"]) == {"config-cache-test": 42}
    cache.delete("config-cache-test")
    assert cache.is_available is True


def test_each_connection_pool_keeps_one_client():
    client = _cache(f"redis://127.0.0.1:{free_port()}/0")._cache
    assert client.get_client() is client.get_client()
    assert client.get_client(write=True) is client.get_client()  # one server: one pool
