import time

from django.core.management.base import BaseCommand, CommandError

from articles.models import Article
from comments.threads.seeding import seed_discussion


class Command(BaseCommand):
    help = "Fill an article with N approved comments in realistic thread shapes."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--comments", type=int, default=100)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, slug: str, comments: int, seed: int, **options):
        if comments < 1 or comments > 1_000_000:
            raise CommandError("--comments must be between 1 and 1,000,000")
        article = Article.objects.filter(slug=slug).first()
        if article is None:
            raise CommandError(f"No article with the slug {slug!r}")
        started = time.perf_counter()
        made = seed_discussion(article, comments, seed=seed)
        elapsed = time.perf_counter() - started
        self.stdout.write(f"Added {made} comments to {article.title!r} in {elapsed:.1f}s.")
