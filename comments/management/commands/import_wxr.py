import sys
import time

from django.core.management.base import BaseCommand, CommandError

from comments.portability.importers.common import ImportFailed
from comments.portability.importers.wxr import import_wxr


class Command(BaseCommand):
    help = "Import a WordPress export (WXR 1.0-1.2): posts and pages become articles."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="Read and count; keep nothing.")
        parser.add_argument(
            "--posts-only",
            action="store_true",
            help="Skip pages (imported as articles by default).",
        )

    def handle(self, *args, file: str, dry_run: bool, posts_only: bool, **options):
        started = time.perf_counter()

        def progress(items: int) -> None:
            if items % 25 == 0:
                sys.stderr.write(f"\r  {items} items read…")
                sys.stderr.flush()

        try:
            summary = import_wxr(file, dry_run=dry_run, posts_only=posts_only, progress=progress)
        except ImportFailed as failed:
            raise CommandError(str(failed)) from None
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror or error}") from None
        sys.stderr.write("\n")
        verb = "Would import (dry run, nothing kept)" if dry_run else "Imported"
        self.stdout.write(f"{verb} {file} in {time.perf_counter() - started:.1f} s:")
        for line in summary.lines():
            self.stdout.write(line)
