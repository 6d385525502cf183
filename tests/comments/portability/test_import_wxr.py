"""Importing WordPress exports from other projects, exporting, and the round trip."""

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from articles.models import Article, ArticleRevision
from comments.models import Comment, ImportedRecord
from tests.factories import ArticleFactory, CommentFactory, TopicFactory

pytestmark = pytest.mark.django_db

# Exports from other projects; tests/fixtures/external/SOURCES.md says where each came from.
EXTERNAL = Path(__file__).resolve().parents[2] / "fixtures" / "external"


def fixture(name: str) -> Path:
    return EXTERNAL / name


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_theme_unit_test_data_imports_as_wordpress_describes_it():
    output = run("import_wxr", str(fixture("wordpress-importer/theme-unit-test-data.xml")))

    comments = Comment.objects.all()
    assert Article.objects.count() == 58 + 21  # posts and pages; attachments and menus skipped
    assert Article.objects.filter(status="scheduled").count() == 1
    assert comments.count() == 29  # the 33 less 4 pings
    assert comments.filter(status="pending").count() == 3
    assert re.search(r"pingbacks and trackbacks\s+created\s+0\s+skipped\s+4", output)
    assert re.search(r"attachments \(not downloaded\)\s+created\s+0\s+skipped\s+37", output)
    chain = {c.body_html: c for c in comments.filter(body_html__contains="Comment Depth")}
    depth = {int(re.search(r"Depth (\d+)", text).group(1)): c for text, c in chain.items()}
    assert [depth[n].depth for n in range(1, 11)] == [0, 1, 2, 3, 4, 4, 4, 4, 4, 4]
    assert all(depth[n].parent_id == depth[4].pk for n in range(5, 11))  # beside, at depth 4
    assert len({c.root_id for c in depth.values()}) == 1


def test_imported_posts_that_are_public_start_at_revision_1():
    run("import_wxr", str(fixture("wordpress-importer/theme-unit-test-data.xml")))

    live = Article.objects.exclude(status="draft")
    assert live.exists() and set(live.values_list("revision", flat=True)) == {1}
    assert set(Article.objects.filter(status="draft").values_list("revision", flat=True)) <= {0}
    first = ArticleRevision.objects.filter(number=1).select_related("article")
    assert first.count() == live.count()
    assert all(revision.body == revision.article.body for revision in first)


def test_a_second_import_changes_nothing():
    path = str(fixture("wptest/wptest.xml"))
    run("import_wxr", path)
    counts = (Article.objects.count(), Comment.objects.count(), ImportedRecord.objects.count())

    output = run("import_wxr", path)

    assert (
        Article.objects.count(),
        Comment.objects.count(),
        ImportedRecord.objects.count(),
    ) == counts
    assert re.search(r"articles \(already imported\)\s+created\s+0\s+skipped\s+52", output)
    assert counts[:2] == (37 + 15, 26)


@pytest.mark.parametrize(
    "name",
    [
        "wordpress-importer/a11y-unit-test-data.xml",
        "wordpress-importer/edge-cases/valid-wxr-1.0.xml",
        "wordpress-importer/edge-cases/valid-wxr-1.1.xml",
        "wordpress-importer/edge-cases/small-export.xml",
        "wordpress-importer/edge-cases/slashes.xml",
        "wordpress-importer/edge-cases/test-serialized-comment-meta.xml",
        "wordpress-importer/edge-cases/wxr-comprehensive.xml",
        "wordpress-importer/edge-cases/wxr-utf-8-challenges.xml",
        "isso/wordpress.xml",
    ],
)
def test_every_wordpress_file_imports_and_renders(client, name):
    run("import_wxr", str(fixture(name)))
    assert Article.objects.exists()
    for article in Article.objects.published():
        assert client.get(article.get_absolute_url()).status_code == 200


def test_backslashes_and_unicode_survive():
    run("import_wxr", str(fixture("wordpress-importer/edge-cases/slashes.xml")))
    assert "\\o/ ¯\\_(ツ)_/¯" in Comment.objects.get().body_html


def test_invisible_characters_are_taken_out_of_author_names():
    run("import_wxr", str(fixture("wordpress-importer/edge-cases/wxr-utf-8-challenges.xml")))
    author = Article.objects.get().authors.get()
    assert author.username == "admin"


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("wordpress-importer/malformed/malformed.xml", 90),
        ("wordpress-importer/malformed/crazy-cdata.xml", 18),
    ],
)
def test_a_malformed_file_fails_with_its_line_and_writes_nothing(name, line):
    ArticleFactory()
    before = (Article.objects.count(), Comment.objects.count(), ImportedRecord.objects.count())

    with pytest.raises(CommandError, match=rf"line {line}, column"):
        run("import_wxr", str(fixture(name)))

    assert (
        Article.objects.count(),
        Comment.objects.count(),
        ImportedRecord.objects.count(),
    ) == before


def test_dry_run_keeps_nothing():
    output = run("import_wxr", str(fixture("wptest/wptest.xml")), "--dry-run")
    assert "dry run" in output
    assert not Article.objects.exists() and not ImportedRecord.objects.exists()


def test_no_email_or_ip_from_the_files_is_published(client):
    files = [
        "wordpress-importer/theme-unit-test-data.xml",
        "wptest/wptest.xml",
        "isso/wordpress.xml",
    ]
    secrets = set()
    for name in files:
        text = fixture(name).read_text(encoding="utf-8")
        secrets |= set(
            re.findall(r"comment_author_email>(?:<!\[CDATA\[)?\s*([^<\]\s]+@[^<\]\s]+)", text)
        )
        secrets |= set(
            re.findall(r"comment_author_IP>(?:<!\[CDATA\[)?\s*([0-9a-fA-F:.]{7,})", text)
        )
        run("import_wxr", str(fixture(name)))
    assert len(secrets) > 5

    pages = [client.get("/").content, client.get("/feeds/rss/").content]
    for article in Article.objects.published():
        pages.append(client.get(article.get_absolute_url()).content)
        pages.append(client.get(f"/articles/{article.slug}/comments/feed/atom/").content)
        pages.append(client.get(f"/api/v1/articles/{article.slug}/comments/").content)
    everything = b"\n".join(pages).decode()
    leaked = sorted(secret for secret in secrets if secret in everything)
    assert leaked == []


def test_wxr_export_round_trips_into_an_empty_database():
    energy = TopicFactory(name="Energy")
    article = ArticleFactory(title="Grid & <power>", topics=[energy])
    draft = ArticleFactory(status="draft", published_at=None)
    root = CommentFactory(article=article, author_email="a@example.org", ip_address="192.0.2.5")
    reply = CommentFactory(parent=root, status="pending")
    CommentFactory(parent=reply, status="spam")
    CommentFactory(article=article, status="deleted")
    CommentFactory(article=draft, status="removed", body="Under ]]> a CDATA end")

    def snapshot():
        comments = Comment.objects.order_by("created_at", "id")
        index = {c.pk: n for n, c in enumerate(comments)}
        return (
            sorted(Article.objects.values_list("slug", "title", "status")),
            [
                (c.article.slug, c.author_name, c.author_email, c.ip_address, c.status, c.depth,
                 index.get(c.parent_id), c.body_html)
                for c in comments
            ],
        )  # fmt: skip

    before = snapshot()
    exported = io.StringIO()
    call_command("export_discussions", "--format", "wxr", stdout=exported)
    path = Path(__import__("tempfile").mkdtemp()) / "export.xml"
    path.write_text(exported.getvalue(), encoding="utf-8")
    Comment.objects.update(parent=None, root=None, depth=0)
    Comment.objects.all().delete()
    Article.objects.all().delete()

    run("import_wxr", str(path))

    assert snapshot() == before


def test_json_export_has_the_thread_and_statuses():
    import json

    article = ArticleFactory()
    root = CommentFactory(article=article)
    CommentFactory(parent=root, status="pending")
    out = io.StringIO()
    call_command("export_discussions", "--article", article.slug, stdout=out)
    data = json.loads(out.getvalue())
    comments = data["articles"][0]["comments"]
    assert [(c["parent"], c["status"]) for c in comments] == [
        (None, "approved"),
        (root.pk, "pending"),
    ]
    with pytest.raises(CommandError, match="No article"):
        call_command("export_discussions", "--article", "nope", stdout=io.StringIO())


def test_the_import_benchmark_builds_files_the_importer_reads(tmp_path):
    from tests.benchmarks import imports as import_benchmark

    path = tmp_path / "generated.xml"
    assert import_benchmark.generated_wxr(path, posts=2, per_post=30) == 60
    run("import_wxr", str(path))
    assert Comment.objects.count() == 60
    assert Comment.objects.filter(depth__gt=0).exists()


def test_the_import_benchmark_turns_the_romeo_and_juliet_fixture_into_threads(tmp_path):
    from tests.benchmarks import imports as import_benchmark

    path = tmp_path / "xtd.xml"
    assert import_benchmark.xtd_wxr(path) == 901
    run("import_wxr", str(path))
    assert Comment.objects.count() == 901
    assert Comment.objects.filter(parent=None).count() == 33


def test_a_newer_export_adds_replies_to_earlier_comments_in_their_thread(tmp_path):
    from tests.benchmarks import imports as import_benchmark

    def export(path, comments):
        import_benchmark._write(path, [import_benchmark._item(7, "Post", comments)])

    first, second = tmp_path / "first.xml", tmp_path / "second.xml"
    older = [(1, 0, "Ann", "a@example.org", "2024-01-01 10:00:00", "Root."),
             (2, 1, "Bo", "b@example.org", "2024-01-01 11:00:00", "Reply.")]  # fmt: skip
    export(first, older)
    export(second, [*older, (3, 2, "Cy", "c@example.org", "2024-01-02 09:00:00", "Later reply.")])

    run("import_wxr", str(first))
    run("import_wxr", str(second))

    root = Comment.objects.get(body="Root.")
    later = Comment.objects.get(body="Later reply.")
    assert (later.root_id, later.depth, later.parent.body) == (root.pk, 2, "Reply.")
    assert Comment.objects.count() == 3


def test_files_that_cannot_be_read_or_written_are_clear_errors(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        run("import_wxr", str(tmp_path / "missing.xml"))
    with pytest.raises(CommandError, match=r"Cannot write .*nowhere"):
        call_command("export_discussions", "-o", str(tmp_path / "nowhere" / "x.json"))
    written = tmp_path / "export.json"
    call_command("export_discussions", "-o", str(written), stderr=io.StringIO())
    assert written.read_text().startswith('{"site": ')
