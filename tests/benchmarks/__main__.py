"""`make bench`: how the article page and posting scale with the size of a discussion, the
fan-out of one approval to many subscribers, the probes and metrics, imports, anonymous
posting over HTTP under load, and pages under HTTP load (`tests/benchmarks/http.py`, alone
with `--http-only`). Run as `python -m tests.benchmarks` (after `manage.py migrate`); it
writes throwaway articles into the configured database and removes them afterwards."""

import argparse
import os

import django


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks", description=__doc__)
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--subscribers", type=int, default=10_000, help="Fan-out size; 0 skips it.")
    parser.add_argument("--no-imports", action="store_true", help="Skip the import figures.")
    parser.add_argument(
        "--posts",
        type=int,
        default=600,
        help="Anonymous posts over HTTP to gunicorn (2 workers), moderation on; 0 skips them.",
    )
    parser.add_argument("--clients", type=int, default=8, help="Concurrent posting clients.")
    parser.add_argument("--no-http", action="store_true", help="Skip the HTTP load figures.")
    parser.add_argument(
        "--http-only", action="store_true", help="Only the HTTP load figures (gunicorn, wrk)."
    )
    parser.add_argument("--http-seconds", type=int, default=10)
    options = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    if options.http_only:
        from tests.benchmarks import http

        http.run(print, seconds=options.http_seconds)
        return
    run(
        sizes=[int(size) for size in options.sizes.split(",") if size.strip()],
        runs=options.runs,
        subscribers=options.subscribers,
        imports=not options.no_imports,
        posts=options.posts,
        clients=options.clients,
        http_seconds=0 if options.no_http else options.http_seconds,
    )


def run(
    *,
    sizes: list[int],
    runs: int,
    subscribers: int,
    imports: bool,
    posts: int = 0,
    clients: int = 8,
    http_seconds: int = 0,
    write=print,
) -> None:
    """Every figure, each line given to `write`."""
    from django.conf import settings
    from django.test.utils import override_settings

    from tests.benchmarks import anchoring, discussion, fanout, http, probes
    from tests.benchmarks import imports as importing

    hosts = [*settings.ALLOWED_HOSTS, "testserver"]
    # The in-process figures are of rendering: cache misses, every time. The HTTP figures
    # below give the page cache's own.
    with override_settings(ALLOWED_HOSTS=hosts, DEBUG=False, PAGE_CACHE_ENABLED=False):
        if subscribers:  # first, so the process's peak memory is the fan-out's own
            fanout.run(subscribers, write)
            write("")
        discussion.run(sizes, runs, write)
        anchoring.run(write)
        anchoring.run_stored(write, runs)
        probes.run(write)
    if imports:
        write("")
        importing.run(write)
    if posts:
        from tests.benchmarks import posting_load

        write("")
        posting_load.run(posts, clients, write)
    if http_seconds:
        write("")
        http.run(write, seconds=http_seconds)


if __name__ == "__main__":
    main()
