"""Figures for `make bench`: how the article page and posting scale with a discussion's size.

Each size gets its own throwaway article, filled by the seeder, measured through Django's test
client (the whole request: middleware, view, template), and removed afterwards.
"""

import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from articles.models import Article
from comments.forms import form_shown_token
from comments.models import Comment, UsefulVote
from comments.threads.quoting import render_in
from comments.threads.seeding import seed_discussion

FLOOR_SQL = (
    "SELECT id, parent_id, status, user_id, root_id, depth, author_name, author_url, "
    "body_html, created_at, edited_at FROM comments_comment "
    "WHERE article_id = %s ORDER BY created_at, id"
)


@dataclass
class Measure:
    median_ms: float
    queries: int
    peak_mib: float | None = None


def _measure(action: Callable[[], object], runs: int, memory: bool = False) -> Measure:
    action()  # warm caches and connections
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as captured:
        action()
    queries = len(captured)  # now: the next request clears the log it reads
    peak = None
    if memory:
        tracemalloc.start()
        action()
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return Measure(statistics.median(times), queries, peak)


def _floor(article: Article) -> Callable[[], list]:
    def fetch():
        with connection.cursor() as cursor:
            cursor.execute(FLOOR_SQL, [article.pk])
            return cursor.fetchall()

    return fetch


def _page(client: Client, article: Article) -> Callable[[], object]:
    url = article.get_absolute_url()

    def get():
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        return response

    return get


def _api_url(article: Article) -> str:
    return f"/api/v1/articles/{article.slug}/comments/"


def _api(client: Client, article: Article, etag: str | None = None, expect: int = 200):
    url = _api_url(article)
    headers = {"HTTP_IF_NONE_MATCH": etag} if etag else {}

    def get():
        response = client.get(url, **headers)
        assert response.status_code == expect, response.status_code
        return response

    return get


def _bench_article(size: int) -> Article:
    author = get_user_model().objects.get_or_create(username="bench-author")[0]
    article = Article.objects.create(
        title=f"Benchmark discussion of {size}",
        slug=f"bench-discussion-{size}-{int(time.time())}",
        standfirst="Throwaway article for the benchmark.",
        body="## Section\n\nText.",
        status=Article.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    article.authors.set([author])
    return article


def _engage(article: Article) -> None:
    """What readers add to a discussion: two Useful votes on every comment, every tenth one
    quoting the first comment and mentioning two readers, every twentieth an editor's pick."""
    User = get_user_model()
    voters = [User.objects.get_or_create(username=f"bench-voter-{n}")[0] for n in range(2)]
    ids = list(Comment.objects.filter(article=article).values_list("pk", flat=True))
    UsefulVote.objects.bulk_create(
        (UsefulVote(comment_id=pk, voter=voter) for pk in ids for voter in voters), batch_size=5000
    )
    Comment.objects.filter(article=article).update(useful_count=len(voters))
    quote = render_in(
        article.pk, f"> [x](/comments/{ids[0]}/)\n> The claim.\n\nNo, @bench-voter-0.",
        signed_in=True,
    )  # fmt: skip
    Comment.objects.filter(pk__in=ids[::10]).update(
        body_html=quote.html, mentions=[*quote.mentions, "bench-voter-1"]
    )
    Comment.quotes.through.objects.bulk_create(
        Comment.quotes.through(from_comment_id=pk, to_comment_id=ids[0]) for pk in ids[::10]
    )
    Comment.objects.filter(pk__in=ids[::20]).update(picked_at=timezone.now(), pick_note="Sharp.")


def _remove(article: Article) -> None:
    # Synthetic rows only: removed in one statement, the thread's own links checked at commit.
    with transaction.atomic(), connection.cursor() as cursor:
        for table, column in (
            ("comments_statement", "comment_id"),
            ("comments_moderationevent", "comment_id"),
            ("comments_report", "comment_id"),
            ("comments_usefulvote", "comment_id"),
            ("comments_comment_quotes", "from_comment_id"),
        ):
            cursor.execute(
                f"DELETE FROM {table} WHERE {column} IN "  # noqa: S608 - fixed names
                "(SELECT id FROM comments_comment WHERE article_id = %s)",
                [article.pk],
            )
        cursor.execute("DELETE FROM comments_comment WHERE article_id = %s", [article.pk])
        article.delete()


def run(sizes: list[int], runs: int, write: Callable[[str], None]) -> list[dict]:
    results = []
    client = Client()
    vendor = connection.vendor
    write(f"Database: {vendor}. Medians of {runs} runs through the test client.\n")
    header = (
        f"{'comments':>9} {'page':>6} {'ms':>8} {'queries':>8} {'peak MiB':>9} "
        f"{'floor ms':>9} {'page/floor':>10}"
    )
    write(header)
    write("-" * len(header))
    for size in sizes:
        article = _bench_article(size)
        try:
            started = time.perf_counter()
            seed_discussion(article, size)
            seeded = time.perf_counter() - started
            floor = _measure(_floor(article), runs)
            for label, per_page in (("whole", 0), ("first", 50)):
                with override_settings(COMMENTS_PER_PAGE=per_page):
                    page = _measure(_page(client, article), runs, memory=True)
                ratio = page.median_ms / floor.median_ms
                write(
                    f"{size:>9,} {label:>6} {page.median_ms:>8.1f} {page.queries:>8} "
                    f"{page.peak_mib:>9.1f} {floor.median_ms:>9.2f} {ratio:>10.1f}"
                )
                results.append(
                    {"size": size, "page": label, "ms": page.median_ms, "queries": page.queries,
                     "peak_mib": page.peak_mib, "floor_ms": floor.median_ms, "ratio": ratio}
                )  # fmt: skip
            plain = {row["page"]: row["ms"] for row in results if row["size"] == size}
            _engage(article)
            for label, per_page in (("whole", 0), ("first", 50)):
                with override_settings(COMMENTS_PER_PAGE=per_page):
                    page = _measure(_page(client, article), runs, memory=True)
                change = page.median_ms / plain[label] - 1
                write(
                    f"{'':>9} {label[:5] + '+v':>6} {page.median_ms:>8.1f} {page.queries:>8} "
                    f"{page.peak_mib:>9.1f}   with votes, quotes, mentions, picks: "
                    f"{change:+.1%} on the page without"
                )
                results.append(
                    {"size": size, "page": f"{label}+votes", "ms": page.median_ms,
                     "queries": page.queries, "peak_mib": page.peak_mib, "change": change}
                )  # fmt: skip
            api = _measure(_api(client, article), runs, memory=True)
            write(
                f"{'':>9} {'api':>6} {api.median_ms:>8.1f} {api.queries:>8} {api.peak_mib:>9.1f} "
                f"{floor.median_ms:>9.2f} {api.median_ms / floor.median_ms:>10.1f}"
            )
            etag = client.get(_api_url(article))["ETag"]
            revalidate = _measure(_api(client, article, etag=etag, expect=304), runs)
            write(f"{'':>9} {'304':>6} {revalidate.median_ms:>8.1f} {revalidate.queries:>8}")
            results.append(
                {
                    "size": size,
                    "page": "api",
                    "ms": api.median_ms,
                    "queries": api.queries,
                    "peak_mib": api.peak_mib,
                    "floor_ms": floor.median_ms,
                    "ratio": api.median_ms / floor.median_ms,
                }
            )
            posting = _posting(client, article, runs)
            write(
                f"{'':>9} post   {posting[0].median_ms:>8.1f} {posting[0].queries:>8}   "
                f"reply {posting[1].median_ms:.1f} ms, {posting[1].queries} queries; "
                f"seeded in {seeded:.1f} s"
            )
        finally:
            _remove(article)
    return results


def _posting(client: Client, article: Article, runs: int) -> tuple[Measure, Measure]:
    url = f"/articles/{article.slug}/comments/"
    parent = Comment.objects.filter(article=article, depth=0).first()
    counter = iter(range(1_000_000))
    shown_at = form_shown_token(time.time() - 60)

    def post(parent_id=None):
        def send():
            n = next(counter)
            data = {
                "name": "Bench Reader",
                "email": f"bench{n}@example.com",
                "body": f"Benchmark comment {n}",
                "shown_at": shown_at,
                **({"parent": parent_id} if parent_id else {}),
            }
            # A reader per post, each from its own address: flood control stays out of the way.
            response = client.post(
                url, data, REMOTE_ADDR=f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
            )
            assert response.status_code == 302, response.status_code

        return send

    with override_settings(COMMENTS_PER_PAGE=50):
        return _measure(post(), runs), _measure(post(parent.pk), runs)
