"""Figures for `make bench`: re-placing 10,000 anchors across a revision that edits a tenth of
an article's paragraphs (`comments.passages.anchoring.reanchor`)."""

import random
import time
from collections import Counter
from collections.abc import Callable

from comments.passages.anchoring import anchor_at, reanchor

_TEXT = (
    "rates inflation growth the bank said that prices were higher than expected in spring "
    "while housing markets cooled and wages rose slowly across most regions of the country"
)
WORDS = _TEXT.split(" ")


def _article(rng: random.Random, paragraphs: int) -> list[str]:
    return [
        " ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 90))).capitalize() + "."
        for _ in range(paragraphs)
    ]


def _revise(rng: random.Random, paragraphs: list[str], share: float) -> list[str]:
    """Edit `share` of the paragraphs: a third reworded, a third cut, a third moved."""
    revised = list(paragraphs)
    chosen = rng.sample(range(len(paragraphs)), int(len(paragraphs) * share))
    moved = []
    for n, index in enumerate(chosen):
        words = revised[index].split()
        if n % 3 == 0:  # reworded: every fifth word changed
            revised[index] = " ".join(
                rng.choice(WORDS) if i % 5 == 0 else w for i, w in enumerate(words)
            )
        elif n % 3 == 1:  # cut
            revised[index] = ""
        else:  # moved to the end, lightly edited
            moved.append(" ".join(words[:-3]) + " in the end.")
            revised[index] = ""
    return [p for p in revised if p] + moved


def run(write: Callable[[str], None], anchors: int = 10_000, paragraphs: int = 300) -> dict:
    rng = random.Random(7)  # noqa: S311 - a fixed, repeatable article, not a secret
    old_paragraphs = _article(rng, paragraphs)
    old = "\n\n".join(old_paragraphs)
    new = "\n\n".join(_revise(rng, old_paragraphs, 0.10))
    placed_anchors = []
    for _ in range(anchors):
        start = rng.randrange(0, len(old) - 200)
        start = old.rfind(" ", 0, start) + 1
        end = old.find(" ", start + rng.randint(15, 120))
        placed_anchors.append(anchor_at(old, start, end if end != -1 else len(old)))
    started = time.perf_counter()
    placed = reanchor(old, new, placed_anchors)
    seconds = time.perf_counter() - started
    states = Counter(p.state for p in placed)
    write(
        f"\nRe-anchoring {anchors:,} anchors in an article of {paragraphs} paragraphs "
        f"({len(old):,} characters) across a revision editing 10% of them: {seconds:.2f} s "
        f"(target < 10 s); anchored {states['anchored']:,}, moved {states['moved']:,}, "
        f"orphaned {states['orphaned']:,}."
    )
    return {"seconds": seconds, **states}


def run_stored(write: Callable[[str], None], runs: int = 7) -> dict:
    """The same through the database and the task's own code (`placing.reanchor_article`):
    an article of 300 paragraphs, 10,000 comments each on a passage, a revision that edits a
    tenth of the paragraphs; and the article page with 1,000 comments, half of them on a
    passage, beside the same page before they were."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import override_settings
    from django.utils import timezone

    from articles.models import Article
    from articles.services import save_article
    from comments.models import Anchor, Comment
    from comments.passages import placing
    from comments.threads.seeding import seed_discussion
    from tests.benchmarks.discussion import _measure, _page, _remove

    rng = random.Random(11)  # noqa: S311 - a fixed, repeatable article, not a secret
    paragraphs = _article(rng, 300)
    author = get_user_model().objects.get_or_create(username="bench-author")[0]
    figures: dict = {}
    for size, anchored in ((1_000, 500), (10_000, 10_000)):
        article = Article(
            title=f"Benchmark passages {size}", slug=f"bench-passages-{size}-{int(time.time())}",
            standfirst="Throwaway article for the benchmark.", body="\n\n".join(paragraphs),
            status=Article.Status.PUBLISHED, published_at=timezone.now(),
        )  # fmt: skip
        save_article(article=article, editor=author)
        article.authors.set([author])
        try:
            seed_discussion(article, size)
            client = Client()
            if size == 1_000:
                with override_settings(COMMENTS_PER_PAGE=0):
                    before = _measure(_page(client, article), runs)
            revision = article.revisions.get(number=1)
            blocks = [b for b in placing.blocks_of(revision) if b.id]
            ids = list(Comment.objects.filter(article=article).values_list("pk", flat=True))
            rows = []
            for n, comment_id in enumerate(ids[:anchored]):
                block = blocks[n % len(blocks)]
                start = min(block.end - 1, block.start + rng.randrange(0, 80))
                end = min(block.end, start + rng.randint(15, 90))
                a = anchor_at(revision.plain_text, start, end)
                rows.append(Anchor(
                    comment_id=comment_id, article=article, exact=a.exact, prefix=a.prefix,
                    suffix=a.suffix, start=start, end=end, revision=1, written_on=1,
                    block=block.id,
                ))  # fmt: skip
            Anchor.objects.bulk_create(rows, batch_size=2000)
            if size == 1_000:
                with override_settings(COMMENTS_PER_PAGE=0):
                    after = _measure(_page(client, article), runs)
                change = after.median_ms / before.median_ms - 1
                write(
                    "\nArticle page, whole discussion of 1,000 comments: "
                    f"{before.median_ms:.1f} ms ({before.queries} queries) without passages, "
                    f"{after.median_ms:.1f} ms ({after.queries} queries) with 500 of them on a "
                    f"passage: {change:+.1%} (target within 15%)."
                )
                figures["page_change"] = change
                continue
            article.body = "\n\n".join(_revise(rng, paragraphs, 0.10))
            save_article(article=article, editor=author, note="bench")
            started = time.perf_counter()
            states = placing.reanchor_article(article.pk)
            seconds = time.perf_counter() - started
            write(
                f"Re-anchoring {anchored:,} stored anchors (the Celery task's code, with its "
                f"reads and writes) across a revision editing 10% of 300 paragraphs: "
                f"{seconds:.2f} s (target < 10 s); anchored {states['anchored']:,}, moved "
                f"{states['moved']:,}, orphaned {states['orphaned']:,}."
            )
            figures.update(seconds=seconds, **states)
        finally:
            Anchor.objects.filter(article=article).delete()
            article.revisions.all().delete()
            _remove(article)
    return figures
