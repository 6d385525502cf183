"""Figures for `make bench`: importing WXR files, each in a fresh process and database, for
the time it takes and the process's peak memory (which must not grow with the file)."""

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[2]
XTD = ROOT / "tests" / "fixtures" / "external" / "django-comments-xtd" / "comments.json"


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _item(post_id: int, title: str, comments: list[tuple]) -> str:
    parts = [
        f"<item><title>{_cdata(title)}</title><wp:post_id>{post_id}</wp:post_id>",
        f"<wp:post_name>bench-{post_id}</wp:post_name><wp:status>publish</wp:status>",
        "<wp:post_type>post</wp:post_type><wp:post_date_gmt>2024-01-01 00:00:00</wp:post_date_gmt>",
        f"<content:encoded>{_cdata('<p>Benchmark article.</p>')}</content:encoded>",
    ]
    for cid, parent, name, email, date, text in comments:
        parts.append(
            f"<wp:comment><wp:comment_id>{cid}</wp:comment_id>"
            f"<wp:comment_author>{_cdata(name)}</wp:comment_author>"
            f"<wp:comment_author_email>{escape(email)}</wp:comment_author_email>"
            f"<wp:comment_date_gmt>{date}</wp:comment_date_gmt>"
            f"<wp:comment_content>{_cdata(text)}</wp:comment_content>"
            f"<wp:comment_approved>1</wp:comment_approved><wp:comment_parent>{parent}</wp:comment_parent>"
            "</wp:comment>"
        )
    parts.append("</item>")
    return "".join(parts)


def _write(path: Path, items) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">'
            "<channel><title>Bench</title><link>https://bench.example</link>"
        )
        for item in items:
            out.write(item)
        out.write("</channel></rss>")


def xtd_wxr(path: Path) -> int:
    """The 901-comment Romeo and Juliet discussion (django-comments-xtd's demo) as WXR."""
    rows = json.loads(XTD.read_text(encoding="utf-8"))
    comments = {r["pk"]: r["fields"] for r in rows if r["model"] == "django_comments.comment"}
    xtd = {r["pk"]: r["fields"] for r in rows if r["model"] == "django_comments_xtd.xtdcomment"}
    by_story: dict[str, list[tuple]] = {}
    for pk, c in sorted(comments.items()):
        parent = xtd.get(pk, {}).get("parent_id", pk)
        date = c["submit_date"].replace("T", " ").rstrip("Z")[:19]
        by_story.setdefault(c["object_pk"], []).append(
            (pk, 0 if parent == pk else parent, c["user_name"], c["user_email"], date, c["comment"])
        )
    _write(path, (_item(int(story), f"Story {story}", items) for story, items in by_story.items()))
    return len(comments)


def generated_wxr(path: Path, posts: int, per_post: int) -> int:
    rng = random.Random(1)  # noqa: S311 - benchmark data

    def comments(post: int):
        base = post * per_post
        for n in range(1, per_post + 1):
            parent = (
                0 if n == 1 or rng.random() < 0.35 else base + rng.randint(max(1, n - 40), n - 1)
            )
            yield (base + n, parent, f"Reader {n % 97}", f"r{n % 997}@bench.example",
                   f"2024-01-{1 + n % 28:02d} {n % 24:02d}:{n % 60:02d}:00",
                   "A considered point about the argument, made at some length. " * 3)  # fmt: skip

    _write(
        path, (_item(post, f"Post {post}", list(comments(post))) for post in range(1, posts + 1))
    )
    return posts * per_post


def _import(path: Path, workdir: Path) -> tuple[float, float]:
    """Seconds and peak RSS (MiB) of `manage.py import_wxr` in a fresh process and database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "DJANGO_VAR"))}
    env["DJANGO_VAR_DIR"] = str(workdir)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    started = time.perf_counter()
    # A small parent per import, so that the peak it reports is that import's alone.
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, *manage, "import_wxr", str(path)],
        env=env, check=True, cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    return elapsed, int(result.stdout.strip().splitlines()[-1]) / 1024


_MEASURE = (
    "import resource, subprocess, sys; "
    "subprocess.run(sys.argv[1:], check=True, "
    "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def run(write: Callable[[str], None]) -> None:
    write("WXR imports, each into a fresh SQLite database in its own process:")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        cases = [
            ("django-comments-xtd demo", xtd_wxr),
            ("generated, 1 post", lambda p: generated_wxr(p, 1, 10_000)),
            ("generated, 10 posts", lambda p: generated_wxr(p, 10, 1_000)),
            ("generated, 20 posts", lambda p: generated_wxr(p, 20, 1_000)),
        ]
        for label, make in cases:
            path = tmp / f"{len(label)}-{label.split()[0]}.xml"
            count = make(path)
            size = path.stat().st_size / 2**20
            work = tmp / f"db-{label.replace(' ', '-').replace(',', '')}"
            seconds, peak = _import(path, work)
            write(
                f"  {label:<26} {count:>7,} comments  {size:>6.1f} MiB file  "
                f"{seconds:>6.1f} s  peak RSS {peak:>6.0f} MiB"
            )
