"""Realistic discussions in bulk, for demos and benchmarks.

Comments are made level by level (all top-level comments, then all first replies, ...), so
each level is one bulk insert whose parents already have ids: 10,000 comments in seconds.
"""

import random
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from articles.models import Article
from comments.models import Comment, ModerationSettings
from comments.threads import placement
from comments.threads.rendering import render_comment

# Share of the comments at each depth; the rest of a deep thread stays at the last level.
LEVEL_SHARES = (0.36, 0.28, 0.17, 0.11, 0.08)
# The longest a reply waits after its parent (a top-level comment after the start): six
# hours, or less for an article published lately, but never below a minute.
MAX_WAIT = timedelta(hours=6)
MIN_WAIT = timedelta(minutes=1)

_SENTENCES = (
    "The insurance angle is underrated: premiums move long before freight rates do.",
    "I would push back on the base case, which assumes policy makers act in time.",
    "Has anyone modelled what happens if two chokepoints close in the same quarter?",
    "This matches what we see in procurement: buffers are back, and they are expensive.",
    "Good piece, but the table understates how quickly capacity can be redeployed.",
    "The *real* constraint is permitting, not capital. Every developer will tell you so.",
    "Markets price the headline and forget the second-order effects within a month.",
    "I am less sure the trend is durable; cycles like this have reversed before.",
    "Worth reading alongside the [IEA outlook](https://www.iea.org/) for the supply side.",
    "> Chokepoint risk is a recurring cost of doing business\n\nExactly this.",
    "Where would you put the odds on the disruption scenario? It feels higher than 15%.",
    "Small firms cannot hedge this at all; the article could say more about them.",
    "Counterpoint: redundancy has a cost, and shareholders will not pay it for long.",
    "Thanks for the clear framing. The key takeaways section alone is worth sharing.",
    "We tried dual sourcing in 2022 and it doubled our overhead for a year.",
    "The historical comparison is apt, though the scale of trade today is different.",
    "1. Insurance\n2. Freight\n3. Inventory\n\nIn that order, in my experience.",
    "I disagree with the conclusion, but the argument is well made.",
    "Does the analysis hold for landlocked economies, which depend on transit rights?",
    "Regulators move slowly for good reasons; speed is not always the virtue here.",
)
_NAMES = (
    "Alex Morgan", "Sam Okafor", "Lena Fischer", "Ravi Menon", "Chloe Martin",
    "Diego Alvarez", "Hana Sato", "Tom Becker", "Nadia Rahman", "Oskar Nilsson",
    "Grace Liu", "Mateo Rossi", "Zainab Bello", "Ewan Reid", "Ines Duarte",
)  # fmt: skip


def _body(rng: random.Random) -> str:
    return "\n\n".join(rng.sample(_SENTENCES, k=rng.choice((1, 1, 1, 2, 2, 3, 5))))


def _level_sizes(total: int, levels: int) -> list[int]:
    shares = LEVEL_SHARES[:levels]
    sizes = [max(1, round(total * share / sum(shares))) for share in shares]
    sizes[0] += total - sum(sizes)
    while sizes[0] < 1:  # tiny totals: keep at least one thread
        sizes[sizes.index(max(sizes))] -= 1
        sizes[0] += 1
    return [size for size in sizes if size > 0]


def _reply_window(article: Article, levels: int) -> tuple[datetime, int]:
    """Where the discussion starts, and the longest wait (in seconds) before each comment.

    A comment at depth d is at most d + 1 waits after the start, and the start is `levels`
    waits before now, so no seeded comment is dated in the future. Waits shrink so that
    the discussion also starts after the article was published, unless that was only
    minutes ago.
    """
    end = timezone.now() - timedelta(minutes=1)
    span = levels * MAX_WAIT
    if article.published_at is not None and article.published_at < end:
        span = min(span, max(end - article.published_at, levels * MIN_WAIT))
    wait = span // levels
    return end - wait * levels, int(wait.total_seconds())


def seed_discussion(article: Article, count: int, *, seed: int = 1, batch_size: int = 2000) -> int:
    """Add `count` approved comments to `article` in threads of varied depth and length.

    Every comment is dated after the one it replies to and before now.
    """
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    User = get_user_model()
    users = [
        User.objects.get_or_create(username=f"seed-reader-{i}", defaults={"first_name": name})[0]
        for i, name in enumerate(_NAMES[:6])
    ]
    levels = max(1, min(ModerationSettings.current().max_depth, len(LEVEL_SHARES)))
    start, longest_wait = _reply_window(article, levels)
    made = 0
    with transaction.atomic():
        parents: list[Comment] = []
        for size in _level_sizes(count, levels):
            rows = []
            for _ in range(size):
                spot = placement.place(rng.choice(parents) if parents else None, max_depth=levels)
                parent = spot.parent
                created = (parent.created_at if parent else start) + timedelta(
                    seconds=rng.randint(30, longest_wait)
                )
                user = rng.choice(users) if rng.random() < 0.35 else None
                body = _body(rng)
                rows.append(
                    Comment(
                        article=article,
                        parent=parent,
                        root_id=spot.root_id,
                        depth=spot.depth,
                        user=user,
                        author_name=user.first_name if user else rng.choice(_NAMES),
                        author_email="" if user else f"reader{rng.randint(1, 5000)}@example.com",
                        author_url="" if rng.random() < 0.8 else "https://example.org/",
                        body=body,
                        body_html=render_comment(body),
                        status=Comment.Status.APPROVED,
                        created_at=created,
                    )
                )
            parents = Comment.objects.bulk_create(rows, batch_size=batch_size)
            placement.root_new_threads(parents)
            made += len(parents)
    return made
