"""Figures for `make bench`: requests per second and latency under load, over real HTTP.

gunicorn with WORKERS workers on loopback (persistent database connections, as in
production, unless DATABASE_CONN_MAX_AGE says otherwise), wrk with CONNECTIONS connections,
anonymous readers: the home page (a full page of ten articles) and an article with 200
comments, first with the page cache off (PAGE_CACHE=false: every request renders) and then
on. The cache is the one the settings name: Redis when REDIS_CACHE_URL is set, else each
worker's own memory. Targets: the cached article at least 600 requests/s with p99 at most
100 ms, the cached home at least 1,000."""

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.db import connection

from articles.models import Article
from comments.threads.seeding import seed_discussion
from tests.benchmarks.discussion import _bench_article, _remove
from tests.services import free_port

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 2
CONNECTIONS = 4
COMMENTS = 200
HOME_ARTICLES = 10
TARGETS = {"home": (1000, None), "article": (600, 100.0)}


def run(write, seconds: int = 10) -> None:
    wrk = shutil.which("wrk")
    if wrk is None:
        write("http: wrk is not installed (make bench installs it with apt-get): skipped")
        return
    article = _bench_article(COMMENTS)
    seed_discussion(article, COMMENTS)
    cards = _home_articles(article, HOME_ARTICLES - 1)
    cache = "Redis" if settings.CACHES["default"]["BACKEND"].endswith("RedisCache") else "memory"
    write(
        f"HTTP load: gunicorn {WORKERS} workers, wrk {CONNECTIONS} connections, {seconds} s "
        f"each, database {connection.vendor}, page cache in {cache}"
    )
    write(f"{'page':<28}{'cache':>8}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}  target")
    try:
        for cached in (False, True):
            with _gunicorn(cached) as base:
                for name, path in (("home", "/"), ("article", article.get_absolute_url())):
                    label = "home" if name == "home" else f"article, {COMMENTS} comments"
                    rate, p50, p99 = _load(wrk, base + path, seconds)
                    write(
                        f"{label:<28}{'on' if cached else 'off':>8}{rate:>10.0f}{p50:>9.1f}"
                        f"{p99:>9.1f}  {_verdict(name, rate, p99) if cached else ''}"
                    )
    finally:
        Article.objects.filter(pk__in=[card.pk for card in cards]).delete()
        _remove(article)


def _home_articles(like: Article, count: int) -> list[Article]:
    """A full first page for the home page, beside the discussion's article."""
    stamp = int(time.time())
    cards = [
        Article.objects.create(
            title=f"Benchmark card {n}",
            slug=f"bench-card-{n}-{stamp}",
            standfirst="Throwaway article for the HTTP benchmark. " * 3,
            body="## Section\n\n" + "A paragraph of the analysis, long enough to read. " * 400,
            status=Article.Status.PUBLISHED,
            published_at=like.published_at,
        )
        for n in range(count)
    ]
    for card in cards:
        card.authors.set(like.authors.all())
    return cards


def _verdict(name: str, rate: float, p99: float) -> str:
    least, worst = TARGETS[name]
    ok = rate >= least and (worst is None or p99 <= worst)
    wanted = f">= {least}/s" + (f", p99 <= {worst:.0f} ms" if worst else "")
    return f"{'met' if ok else 'MISSED'} ({wanted})"


class _gunicorn:
    """gunicorn serving the site on a free loopback port, stopped (by its pid) on exit."""

    def __init__(self, cached: bool):
        self.cached = cached

    def __enter__(self) -> str:
        port = free_port()
        env = {
            "DATABASE_CONN_MAX_AGE": "60",  # persistent connections, as in production
            **os.environ,
            "DJANGO_DEBUG": "false",
            "PAGE_CACHE": str(self.cached).lower(),
        }
        # Its log (one JSON line per request) goes to a file, as to the journal in production.
        log = (Path(settings.VAR_DIR) / "bench-gunicorn.log").open("a")
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}",
                "--workers", str(WORKERS), "--log-level", "warning",
            ],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        log.close()  # the child has its own copy
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(base + "/", timeout=2).read()
                return base
            except OSError:
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError("gunicorn did not answer within 30 s")

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _load(wrk: str, url: str, seconds: int) -> tuple[float, float, float]:
    """(requests/s, p50 ms, p99 ms) of `url`, after a short warm-up."""
    subprocess.run([wrk, "-t2", "-c4", "-d2s", url], capture_output=True, check=True)
    out = subprocess.run(
        [wrk, "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"{url} answered errors under load:\n{out}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
    p50, p99 = (re.search(rf"^\s+{n}%\s+(\S+)$", out, re.MULTILINE)[1] for n in (50, 99))
    return rate, _ms(p50), _ms(p99)


def _ms(value: str) -> float:
    """wrk's latency (`870.00us`, `3.20ms`, `1.02s`, `1.10m`) in milliseconds."""
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    if found is None:
        raise RuntimeError(f"wrk printed a latency this does not read: {value!r}")
    number, unit = found.groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]
