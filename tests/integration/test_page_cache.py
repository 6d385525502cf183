"""The page cache across processes: gunicorn with two workers sharing Redis, the test
database, and this process changing what the page shows."""

import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from django.core.cache import cache
from django.test.utils import override_settings

from comments.models import Comment
from comments.moderation import transitions
from tests.factories import ArticleFactory, CommentFactory
from tests.integration.conftest import _database_url
from tests.services import ROOT, free_port, redis_url, stop_group, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shared_redis():
    caches = {"default": {"BACKEND": "config.cache.TolerantRedisCache", "LOCATION": redis_url()}}
    with override_settings(CACHES=caches):
        cache.clear()
        yield caches["default"]["LOCATION"]
        cache.clear()


@pytest.fixture
def site(shared_redis, tmp_path):
    """gunicorn, two workers, on a free loopback port: its base URL."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_CACHE_URL": shared_redis,
        "PAGE_CACHE": "true",
        "DJANGO_DEBUG": "false",
        "DJANGO_VAR_DIR": str(tmp_path / "var"),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(base + "/"), timeout=30, what="gunicorn")
        yield base
    finally:
        stop_group(process, signal.SIGTERM)


def _answers(url: str) -> bool:
    try:
        return _get(url)[0] == 200
    except OSError:
        return False


def _get(url: str, **headers) -> tuple[int, dict, str]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # loopback
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), ""


def test_a_change_reaches_every_worker_and_a_304_means_current(site):
    article = ArticleFactory()
    CommentFactory(article=article, body="Already public.")
    held = CommentFactory(article=article, status=Comment.Status.PENDING, body="Held for now.")
    url = site + article.get_absolute_url()
    first = [_get(url) for _ in range(6)]  # both workers render or fetch a copy
    assert all("Already public." in body and "Held for now." not in body for _, _, body in first)

    transitions.change_status(held, Comment.Status.APPROVED)

    after = [_get(url) for _ in range(6)]
    assert all("Held for now." in body for _, _, body in after)
    _, headers, _ = _get(site + "/")
    assert "public" in headers["Cache-Control"]
    assert all(_get(site + "/", **{"If-None-Match": headers["ETag"]})[0] == 304 for _ in range(4))
