"""`make bench`: how the article page and posting scale with the size of a discussion, the
fan-out of one approval to many subscribers, the probes and metrics, imports, and anonymous
posting over HTTP under load. Run as `python -m tests.benchmarks` (after `manage.py
migrate`); it writes throwaway articles into the configured database and removes them
afterwards."""

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
    options = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    run(
        sizes=[int(size) for size in options.sizes.split(",") if size.strip()],
        runs=options.runs,
        subscribers=options.subscribers,
        imports=not options.no_imports,
        posts=options.posts,
        clients=options.clients,
    )


def run(
    *,
    sizes: list[int],
    runs: int,
    subscribers: int,
    imports: bool,
    posts: int = 0,
    clients: int = 8,
    write=print,
) -> None:
    """Every figure, each line given to `write`."""
    from django.conf import settings
    from django.test.utils import override_settings

    from tests.benchmarks import anchoring, discussion, fanout, probes
    from tests.benchmarks import imports as importing

    hosts = [*settings.ALLOWED_HOSTS, "testserver"]
    with override_settings(ALLOWED_HOSTS=hosts, DEBUG=False):
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


if __name__ == "__main__":
    main()
