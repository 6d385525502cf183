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
