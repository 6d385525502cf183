import json
import time

from django.core.management.base import BaseCommand, CommandError

from comments.portability.importers.common import ImportFailed
from comments.portability.importers.disqus import import_disqus


class Command(BaseCommand):
    help = (
        "Import a Disqus export: threads are matched to articles by URL pattern or by a "
        "mapping file, posts become comments. Run it again and it adds only what is new."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The Disqus XML export.")
        how = parser.add_mutually_exclusive_group()
        how.add_argument(
            "--map-url",
            metavar="PATTERN",
            help="The articles' address with {slug}, e.g. https://example.com/articles/{slug}/",
        )
        how.add_argument(
            "--mapping",
            metavar="FILE.json",
            help='A JSON object: thread identifier or link -> article slug, {"some-id": "slug"}.',
        )
        parser.add_argument("--dry-run", action="store_true", help="Read and count; keep nothing.")

    def handle(self, *args, file: str, map_url, mapping, dry_run: bool, **options):
        if not map_url and not mapping:
            raise CommandError("Say how threads match articles: --map-url PATTERN or --mapping.")
        started = time.perf_counter()
        try:
            summary = import_disqus(
                file,
                map_url=map_url,
                mapping=_mapping(mapping) if mapping else None,
                dry_run=dry_run,
                out=self.stderr,
            )
        except ImportFailed as failed:
            raise CommandError(str(failed)) from None
        verb = "Would import (dry run, nothing kept)" if dry_run else "Imported"
        self.stdout.write(f"{verb} {file} in {time.perf_counter() - started:.1f} s:")
        for line in summary.lines():
            self.stdout.write(line)
        if not summary.created["comments"] and summary.skipped["comments (already imported)"]:
            self.stdout.write("Nothing new: every comment in the file was imported before.")


def _mapping(path: str) -> dict[str, str]:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as error:
        raise CommandError(f"{path}: {error.strerror or error}") from None
    except ValueError as error:
        raise CommandError(f"{path}: not JSON: {error}") from None
    if not isinstance(data, dict) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in data.items()
    ):
        raise CommandError(
            f'{path}: expected an object of strings, {{"identifier or link": "slug"}}'
        )
    return data
