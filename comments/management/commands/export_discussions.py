from django.core.management.base import BaseCommand, CommandError

from articles.models import Article
from comments.portability import exporting


class Command(BaseCommand):
    help = "Export every article's discussion (or one's) as JSON or WXR 1.2, with personal data."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["json", "wxr"], default="json")
        parser.add_argument("--article", metavar="SLUG")
        parser.add_argument("--output", "-o", help="A file to write; standard output if absent.")

    def handle(self, *args, format: str, article: str | None, output: str | None, **options):
        if article and not Article.objects.filter(slug=article).exists():
            raise CommandError(f"No article with the slug {article!r}")
        pieces = exporting.as_wxr(article) if format == "wxr" else exporting.as_json(article)
        if not output:
            for piece in pieces:
                self.stdout.write(piece, ending="")
            return
        try:
            with open(output, "w", encoding="utf-8") as stream:
                for piece in pieces:
                    stream.write(piece)
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror or error}") from None
        self.stderr.write(f"Wrote {output}")
