from django.conf import settings
from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from tests.benchmarks import discussion as benchmark
from tests.benchmarks import fanout as fanout_benchmark
from tests.benchmarks import imports as import_benchmark


class Command(BaseCommand):
    help = "Print how the article page and posting scale with the size of a discussion."

    def add_arguments(self, parser):
        parser.add_argument("--sizes", default="100,1000,10000")
        parser.add_argument("--runs", type=int, default=7)
        parser.add_argument(
            "--subscribers", type=int, default=10_000, help="Fan-out size; 0 skips it."
        )
        parser.add_argument("--no-imports", action="store_true", help="Skip the import figures.")

    def handle(self, *args, sizes: str, runs: int, subscribers: int, no_imports: bool, **options):
        counts = [int(size) for size in sizes.split(",") if size.strip()]
        hosts = [*settings.ALLOWED_HOSTS, "testserver"]
        with override_settings(ALLOWED_HOSTS=hosts, DEBUG=False):
            if subscribers:  # first, so the process's peak memory is the fan-out's own
                fanout_benchmark.run(subscribers, self.stdout.write)
                self.stdout.write("")
            benchmark.run(counts, runs, self.stdout.write)
        if not no_imports:
            self.stdout.write("")
            import_benchmark.run(self.stdout.write)
