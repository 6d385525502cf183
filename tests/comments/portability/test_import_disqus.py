"""`manage.py import_disqus`: a Disqus export becomes threaded comments under our articles.

The exports are third-party files in tests/fixtures/external (SOURCES.md there says where
each came from and what is odd about it).
"""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from comments.models import Comment, ImportedRecord
from comments.threads.queries import discussion_for
from comments.threads.readers import Reader
from tests.factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db

EXTERNAL = Path(__file__).resolve().parents[2] / "fixtures" / "external"
# isso/disqus.xml: thread 2 ("some-id", http://example.org/) holds posts 4, 5 (reply to 4),
# 9 (deleted) and 11 (reply to 9); thread 7 (no identifier) holds post 8; post 6 names a
# thread 1337 that is not in the file.
THREAD_LINK = "http://localhost:4000/blog/2013/02/12/redacted/index.html"
SOURCE = "disqus:disqusdev"
PRIVATE = ("foo@bar.com", "baz@email.foo", "127.0.0.1")


@pytest.fixture
def isso() -> Path:
    return EXTERNAL / "isso" / "disqus.xml"


@pytest.fixture
def articles():
    return ArticleFactory(slug="hello-world"), ArticleFactory(slug="redacted")


@pytest.fixture
def mapping(tmp_path, articles) -> Path:
    path = tmp_path / "mapping.json"
    path.write_text(json.dumps({"some-id": "hello-world", THREAD_LINK: "redacted"}))
    return path


def run(*args, **options) -> tuple[str, str]:
    stdout, stderr = StringIO(), StringIO()
    call_command("import_disqus", *map(str, args), stdout=stdout, stderr=stderr, **options)
    return stdout.getvalue(), stderr.getvalue()


def by_source_id() -> dict[str, Comment]:
    """The imported comments by their Disqus post id."""
    records = ImportedRecord.objects.filter(source=SOURCE, kind="comment")
    comments = Comment.objects.in_bulk([r.object_id for r in records])
    return {r.source_id: comments[r.object_id] for r in records}


def counts() -> tuple[int, int]:
    return Comment.objects.count(), ImportedRecord.objects.count()


def test_posts_become_threaded_comments_on_the_mapped_articles(isso, mapping, articles):
    run(isso, mapping=mapping)

    hello, redacted = articles
    imported = by_source_id()
    assert sorted(imported, key=int) == ["4", "5", "8", "9", "11"]
    assert Comment.objects.count() == 5
    assert {sid for sid, c in imported.items() if c.article == hello} == {"4", "5", "9", "11"}
    assert imported["8"].article == redacted
    parents = {sid: c.parent for sid, c in imported.items()}
    assert parents == {
        "4": None,
        "5": imported["4"],
        "8": None,
        "9": None,
        "11": imported["9"],
    }
    assert imported["5"].root_id == imported["4"].pk
    assert imported["5"].depth == 1
    assert imported["5"].body_html == "<p>Hello, World.</p>"
    assert imported["8"].author_name == "Empty"
    assert {c.status for sid, c in imported.items() if sid != "9"} == {Comment.Status.APPROVED}


def test_a_deleted_post_with_a_live_reply_is_a_tombstone(isso, mapping, articles):
    run(isso, mapping=mapping)

    imported = by_source_id()
    deleted, reply = imported["9"], imported["11"]
    assert deleted.status == Comment.Status.DELETED
    assert reply.parent == deleted
    assert reply.status == Comment.Status.APPROVED

    hello = articles[0]
    threads = discussion_for(hello, Reader(user=None, browser="x")).threads
    tombstone = next(node for node in threads if node.comment.id == deleted.pk)
    assert tombstone.is_tombstone
    assert [child.comment.id for child in tombstone.children] == [reply.pk]
    html = Client().get(hello.get_absolute_url()).content.decode()
    assert "This comment was deleted." in html
    assert f'id="comment-{reply.pk}"' in html


def test_the_post_of_a_missing_thread_is_reported_not_dropped_silently(isso, mapping):
    out, _ = run(isso, mapping=mapping)

    assert "posts in missing threads" in out
    assert "thread dsq:id 1337 (not in the file)" in out
    line = next(line for line in out.splitlines() if "posts in missing threads" in line)
    assert line.split()[-1] == "1"
    assert not Comment.objects.filter(author_name="where am I?").exists()


def test_map_url_takes_the_slug_from_the_thread_link(isso, articles):
    # https for an http link: the same page.
    out, _ = run(isso, map_url="https://localhost:4000/blog/2013/02/12/{slug}/index.html")

    assert list(Comment.objects.values_list("article__slug", "author_name")) == [
        ("redacted", "Empty")
    ]
    # Thread 2's four posts have no article: counted, and its link named.
    line = next(line for line in out.splitlines() if "posts in unmatched threads" in line)
    assert line.split()[-1] == "4"
    assert "thread http://example.org/" in out


def test_a_mapping_to_an_unknown_slug_is_reported(isso, tmp_path, articles):
    path = tmp_path / "mapping.json"
    path.write_text(json.dumps({"some-id": "no-such-article", THREAD_LINK: "redacted"}))

    out, _ = run(isso, mapping=path)

    assert Comment.objects.count() == 1
    assert "(no article 'no-such-article')" in out


def test_a_second_import_creates_nothing_and_says_so(isso, mapping):
    run(isso, mapping=mapping)
    before = counts()

    out, _ = run(isso, mapping=mapping)

    assert counts() == before == (5, 5)
    line = next(line for line in out.splitlines() if "comments (already imported)" in line)
    assert line.split()[-3:] == ["0", "skipped", "5"]
    assert "Nothing new" in out


def test_dry_run_writes_nothing_but_reports_what_it_would_do(isso, mapping):
    out, _ = run(isso, mapping=mapping, dry_run=True)

    assert counts() == (0, 0)
    assert "dry run" in out
    line = next(line for line in out.splitlines() if line.split()[0] == "comments")
    assert line.split()[2] == "5"


@pytest.mark.parametrize(
    "name", ["disqus.xml", "disqus-deleted-post.xml", "disqus-deleted-thread.xml"]
)
def test_a_file_that_is_not_well_formed_fails_at_line_1_and_keeps_nothing(isso, mapping, name):
    run(isso, mapping=mapping)
    before = counts()

    with pytest.raises(CommandError, match="line 1") as failed:
        run(EXTERNAL / "remark42" / "malformed" / name, map_url="http://radio-t.com/{slug}/")

    assert failed.value.returncode == 1
    assert "not well-formed" in str(failed.value)
    assert counts() == before


def test_a_file_cut_short_keeps_nothing_of_what_was_read(isso, mapping, tmp_path):
    cut = tmp_path / "cut.xml"
    cut.write_bytes(isso.read_bytes()[:-40])  # every post read, the closing tags missing

    with pytest.raises(CommandError, match=r"not well-formed XML at line \d+") as failed:
        run(cut, mapping=mapping)

    assert str(cut) in str(failed.value)
    assert counts() == (0, 0)


def test_a_way_to_match_threads_is_required(isso):
    with pytest.raises(CommandError, match="--map-url"):
        run(isso)


def test_no_email_or_ip_from_the_file_is_published(isso, mapping, articles):
    CommentFactory(article=articles[0], author_name="Control")  # a comment of our own
    run(isso, mapping=mapping)
    stored = Comment.objects.exclude(author_name="Control")
    assert set(stored.values_list("author_email", flat=True)) == {"foo@bar.com", "baz@email.foo"}
    assert set(stored.values_list("ip_address", flat=True)) == {"127.0.0.1"}

    client = Client()
    for article in articles:
        pages = {
            "page": article.get_absolute_url(),
            "rss": f"/articles/{article.slug}/comments/feed/rss/",
            "atom": f"/articles/{article.slug}/comments/feed/atom/",
            "api": f"/api/v1/articles/{article.slug}/comments/",
            "api tree": f"/api/v1/articles/{article.slug}/comments/tree/",
        }
        for what, url in pages.items():
            response = client.get(url)
            assert response.status_code == 200, (what, url)
            body = response.content.decode()
            imported = article.comments.filter(status="approved").exclude(author_name="Control")
            assert imported.first().author_name in body, (what, url)
            for value in PRIVATE:
                assert value not in body, (what, value)
