"""Figures for `make bench`: anonymous readers posting through the article page's form, over
HTTP, to gunicorn with two workers on loopback, with moderation on (every comment waits for
a moderator), on the database DATABASE_URL names (PostgreSQL is what the target is for).

Each reader is a fresh browser, as a real one is: it GETs the article page and takes from
its comment form what the browser would send back (the CSRF cookie and token, the signed
moment the form was shown, the signed revision, the honeypot left empty), waits longer than
the form's minimum time to submit, and POSTs the form with its own name, email and text.
Every reader comes from its own address: gunicorn runs with DJANGO_TRUSTED_PROXY_COUNT=1 and
each request carries X-Forwarded-For, as from a proxy in front, so the per-address flood
control counts each reader apart. The POSTs are timed; afterwards the comments stored for
the article must number the posts that were accepted (a redirect to the comment).
"""

import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection

from articles.models import Article
from comments.models import Comment, ModerationSettings, Notification
from tests.benchmarks.discussion import _bench_article, _remove

TARGET = "target: at least 30 posts/s, p99 at most 500 ms, stored = accepted"


class _FormFields(HTMLParser):
    """The fields of the page's comment form (`#commentform`) with the values a browser
    would send as the page gave them: inputs, text areas, selected options."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}
        self._in_form = False
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == "commentform":
            self._in_form = True
        if not self._in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.fields[name] = attrs.get("value") or "on"
            elif kind not in ("submit", "button"):
                self.fields[name] = attrs.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and self._first_or_selected(attrs):
            self.fields[self._select] = attrs.get("value") or ""

    def _first_or_selected(self, attrs: dict) -> bool:
        return "selected" in attrs or self._select not in self.fields

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


@dataclass
class _Reader:
    number: int
    address: str
    cookies: dict[str, str] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)

    def headers(self) -> dict[str, str]:
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        return {"X-Forwarded-For": self.address, "User-Agent": "posting-bench", "Cookie": cookie}

    def keep_cookies(self, response: http.client.HTTPResponse) -> None:
        for header in response.headers.get_all("Set-Cookie") or ():
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value


def _address(n: int) -> str:
    """The n-th reader's own address in 10.0.0.0/8 (none ends in .0)."""
    return f"10.{n // 62500 % 250}.{n // 250 % 250}.{n % 250 + 1}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _request(port: int, method: str, path: str, reader: _Reader, body: str | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = reader.headers()
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers["Origin"] = headers["Referer"] = f"http://127.0.0.1:{port}"
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        reader.keep_cookies(response)
        return response.status, data
    finally:
        conn.close()


def _serve(port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_TRUSTED_PROXY_COUNT": "1",
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        # Connections kept between requests, as in production (DJANGO_ENV=production would
        # also redirect to HTTPS, which loopback does not speak).
        "DATABASE_CONN_MAX_AGE": os.environ.get("DATABASE_CONN_MAX_AGE", "60"),
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [str(gunicorn), "config.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", "2", "--log-level", "warning", "--timeout", "120"]
    # Its log (one JSON line per request) goes to a file, as to the journal in production.
    with (Path(settings.VAR_DIR) / "bench-gunicorn.log").open("a") as log:
        return subprocess.Popen(
            command, env=env, cwd=settings.BASE_DIR, stdout=log, stderr=subprocess.STDOUT
        )


def _wait_until_up(port: int, path: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            if _request(port, "GET", path, _Reader(-1, "127.0.0.1"))[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer within a minute")


def _shown_form(port: int, path: str, n: int) -> _Reader:
    reader = _Reader(n, _address(n))
    status, page = _request(port, "GET", path, reader)
    assert status == 200, status
    parser = _FormFields()
    parser.feed(page.decode())
    assert "csrfmiddlewaretoken" in parser.fields and "shown_at" in parser.fields, parser.fields
    reader.fields = parser.fields
    return reader


def _why_refused(page: bytes) -> str:
    """The first sentence a refused post's page says about it."""
    found = re.search(rb'class="form-errors".*?</strong></p>\s*(.*?)</div>', page, re.S)
    text = re.sub(rb"<[^>]+>", b" ", found.group(1) if found else page[:200])
    return " ".join(text.decode(errors="replace").split())[:160]


def _post(port: int, path: str, reader: _Reader) -> tuple[int, float, str]:
    n = reader.number
    data = {
        **reader.fields,
        "name": f"Load Reader {n}",
        "email": f"load{n}@example.com",
        "url": "",
        "body": f"Comment {n} of the posting benchmark: a sentence or two, as readers write.",
    }
    started = time.perf_counter()
    status, page = _request(port, "POST", path, reader, urlencode(data))
    elapsed = (time.perf_counter() - started) * 1000
    return status, elapsed, "" if status == 302 else f"{status}: {_why_refused(page)}"


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(posts: int, clients: int, write: Callable[[str], None]) -> dict:
    if connection.vendor != "postgresql":
        write("Posting under load: skipped, it is measured on PostgreSQL (set DATABASE_URL).")
        return {}
    write(
        f"Posting under load: {posts} anonymous posts through the form, {clients} clients, "
        f"gunicorn with 2 workers on loopback, database {connection.vendor}, every comment held "
        "for a moderator. Distinct X-Forwarded-For per reader, DJANGO_TRUSTED_PROXY_COUNT=1; "
        f"broker {settings.CELERY_BROKER_URL.split('://')[0]}."
    )
    article = _bench_article(posts)
    limits = ModerationSettings.current()
    before = limits.require_approval
    limits.require_approval = True
    limits.save()
    port = _free_port()
    server = _serve(port)
    try:
        page = article.get_absolute_url()
        target = f"/articles/{article.slug}/comments/"
        _wait_until_up(port, page, server)
        with ThreadPoolExecutor(clients) as pool:
            readers = list(pool.map(lambda n: _shown_form(port, page, n), range(posts)))
            # A person takes longer than the form's minimum before sending it.
            time.sleep(limits.min_seconds_to_submit + 0.5)
            started = time.perf_counter()
            results = list(pool.map(lambda reader: _post(port, target, reader), readers))
            elapsed = time.perf_counter() - started
        accepted = sum(status == 302 for status, _, _ in results)
        stored = Comment.objects.filter(article=article).count()
        held = Comment.objects.filter(article=article, status=Comment.Status.PENDING).count()
        latencies = [ms for _, ms, _ in results]
        refusals = Counter(why for _, _, why in results if why)
        figures = {
            "posts_per_s": len(results) / elapsed,
            "p50_ms": statistics.median(latencies),
            "p99_ms": _percentile(latencies, 0.99),
            "accepted": accepted,
            "stored": stored,
        }
        write(
            f"  {figures['posts_per_s']:.1f} posts/s, p50 {figures['p50_ms']:.0f} ms, "
            f"p99 {figures['p99_ms']:.0f} ms; accepted {accepted} of {len(results)}, "
            f"stored {stored} ({held} awaiting moderation)"
        )
        for why, count in refusals.most_common(3):
            write(f"  refused {count}x, {why}")
        write(f"  {TARGET}")
        return figures
    finally:
        server.terminate()
        server.wait(timeout=30)
        limits.require_approval = before
        limits.save()
        Notification.objects.filter(comment__article=article).delete()
        _remove(Article.objects.get(pk=article.pk))
