"""Import a WordPress export (WXR 1.0, 1.1 or 1.2): posts become articles, their comments
threaded comments. The file is read as a stream, one <item> at a time; nothing is downloaded.
"""

import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.html import strip_tags
from django.utils.text import Truncator, slugify

from articles.models import Article, Topic
from articles.services import save_article
from comments.portability.importers.common import (
    ImportFailed,
    IncomingComment,
    Records,
    Summary,
    store_thread,
)

STATUS = {"publish": "published", "future": "scheduled"}
COMMENT_STATUS = {
    "1": "approved",
    "0": "pending",
    "spam": "spam",
    "trash": "removed",
    "post-trashed": "removed",
}
OUR_STATUSES = {"pending", "approved", "rejected", "spam", "removed", "deleted"}
# Zero-width and direction marks: invisible in a name, and a way to spoof one.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")


def _local(tag: str) -> str:
    """'{https://wordpress.org/export/1.2/}post_type' -> 'wp:post_type' (any WXR version)."""
    if not tag.startswith("{"):
        return tag
    uri, _, name = tag[1:].partition("}")
    if "wordpress.org/export/" in uri:
        return f"excerpt:{name}" if uri.rstrip("/").endswith("excerpt") else f"wp:{name}"
    if "purl.org/rss/1.0/modules/content" in uri:
        return f"content:{name}"
    if "purl.org/dc/elements" in uri:
        return f"dc:{name}"
    return name


def _fields(element) -> dict[str, str]:
    return {_local(child.tag): (child.text or "") for child in element}


def _clean_name(value: str) -> str:
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", value)).strip().strip("<>").strip()


def _when(gmt: str, fallback: str = "") -> datetime | None:
    gmt = (gmt or "").strip()
    if gmt and not gmt.startswith("0000"):
        try:
            return datetime.strptime(gmt, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
        except ValueError:
            pass
    if fallback.strip():
        try:
            return parsedate_to_datetime(fallback.strip()).astimezone(UTC)
        except (TypeError, ValueError):
            return None
    return None


def _exact(value: str | None) -> datetime | None:
    """The exact time this platform's own export keeps beside WordPress's seconds."""
    try:
        moment = datetime.fromisoformat(value.strip()) if value else None
    except ValueError:
        return None
    return moment if moment is not None and moment.tzinfo is not None else None


class WxrImporter:
    def __init__(self, path: str, *, posts_only: bool, progress: Callable[[int], None]):
        self.path, self.posts_only, self.progress = path, posts_only, progress
        self.summary = Summary()
        self.records: Records | None = None
        self.authors: dict[str, dict] = {}
        self.users: dict[str, object] = {}

    def run(self) -> Summary:
        items = 0
        channel = None
        try:
            for event, element in iterparse(self.path, events=("start", "end")):
                tag = _local(element.tag)
                if event == "start":
                    if tag == "channel":
                        channel = element
                    continue
                if (
                    tag == "link"
                    and channel is not None
                    and self.records is None
                    and element in list(channel)
                ):
                    self.records = Records(f"wordpress:{(element.text or '').strip().rstrip('/')}")
                elif tag == "wp:author":
                    author = _fields(element)
                    self.authors[_clean_name(author.get("wp:author_login", ""))] = author
                elif tag == "item":
                    self._item(element)
                    items += 1
                    self.progress(items)
                    if channel is not None:
                        channel.remove(element)  # keeps memory flat in the size of the file
        except ET.ParseError as error:
            line, column = error.position
            raise ImportFailed(
                f"{self.path}: not well-formed XML at line {line}, column {column}: {error}"
            ) from None
        except DefusedXmlException as error:
            raise ImportFailed(f"{self.path}: refused, unsafe XML ({error})") from None
        if self.records is None:
            raise ImportFailed(f"{self.path}: not a WordPress export (no <channel><link>)")
        return self.summary

    def _item(self, item) -> None:
        data = _fields(item)
        kind = data.get("wp:post_type") or "post"
        comments = item.findall("{*}comment")
        if kind not in ("post", "page") or (kind == "page" and self.posts_only):
            self.summary.skipped[
                f"{kind}s" if kind != "attachment" else "attachments (not downloaded)"
            ] += 1
            if comments:
                self.summary.skipped["comments on skipped items"] += len(comments)
            return
        if self.records is None:
            self.records = Records("wordpress:unknown")
        article = self._article(item, data)
        article_key = self._post_id(data)
        incoming = []
        for element in comments:
            comment = _fields(element)
            meta = {
                _fields(m).get("wp:meta_key"): _fields(m).get("wp:meta_value")
                for m in element.findall("{*}commentmeta")
            }
            if (comment.get("wp:comment_type") or "comment") in ("pingback", "trackback"):
                self.summary.skipped["pingbacks and trackbacks"] += 1
                continue
            status = meta.get("_discussions_status")
            if status not in OUR_STATUSES:
                status = COMMENT_STATUS.get(
                    (comment.get("wp:comment_approved") or "0").strip(), "pending"
                )
            parent = (comment.get("wp:comment_parent") or "0").strip()
            own_id = (comment.get("wp:comment_id") or "").strip()
            # Qualified by the post: some exports reuse comment ids across posts.
            incoming.append(
                IncomingComment(
                    source_id=f"{article_key}:{own_id}" if own_id else "",
                    parent_source_id=f"{article_key}:{parent}" if parent not in ("", "0") else None,
                    author_name=_clean_name(comment.get("wp:comment_author", "")),
                    author_email=comment.get("wp:comment_author_email", "").strip(),
                    author_url=comment.get("wp:comment_author_url", "").strip(),
                    ip_address=comment.get("wp:comment_author_IP", "").strip() or None,
                    created_at=_exact(meta.get("_discussions_created_at"))
                    or _when(comment.get("wp:comment_date_gmt", ""))
                    or _when(comment.get("wp:comment_date", ""))
                    or article.published_at
                    or article.created_at,
                    html=comment.get("wp:comment_content", ""),
                    status=status,
                )
            )
        store_thread(article, [c for c in incoming if c.source_id], self.records, self.summary)

    @staticmethod
    def _post_id(data: dict) -> str:
        return (data.get("wp:post_id") or data.get("guid") or data.get("link") or "").strip()

    def _article(self, item, data: dict) -> Article:
        post_id = self._post_id(data)
        known = self.records.known("article", [post_id])
        if post_id in known:
            self.summary.skipped["articles (already imported)"] += 1
            return Article.objects.get(pk=known[post_id])
        title = (data.get("title") or "").strip() or "Untitled"
        status = STATUS.get((data.get("wp:status") or "").strip(), "draft")
        if (data.get("wp:post_password") or "").strip():
            status = "draft"  # protected in WordPress: not published here until someone decides
            self.summary.created["password-protected posts (as drafts)"] += 1
        published = _when(data.get("wp:post_date_gmt", ""), data.get("pubDate", ""))
        if status != "draft" and published is None:
            status = "draft"
        html = data.get("content:encoded", "")
        excerpt = strip_tags(data.get("excerpt:encoded", "")).strip()
        article = Article(
            title=title[:200],
            slug=self._slug(data, title, post_id),
            standfirst=(excerpt or Truncator(strip_tags(html)).chars(280) or title)[:400],
            body=html,
            body_format=Article.BodyFormat.HTML,
            status=status,
            published_at=published if status != "draft" else None,
            comment_policy="closed"
            if (data.get("wp:comment_status") or "").strip() == "closed"
            else "open",
        )
        save_article(article=article, editor=None)  # a published post gets its revision 1
        article.authors.set([self._user(_clean_name(data.get("dc:creator", "")))])
        article.topics.set(self._topics(item))
        self.records.remember("article", [(post_id, article.pk)])
        self.summary.created["articles"] += 1
        return article

    def _slug(self, data: dict, title: str, post_id: str) -> str:
        base = (
            slugify((data.get("wp:post_name") or "").strip()) or slugify(title) or f"post-{post_id}"
        )
        base = base[:180]
        slug, n = base, 1
        while Article.objects.filter(slug=slug).exists():
            n += 1
            slug = f"{base}-{post_id or n}" if n == 2 else f"{base}-{n}"
        return slug

    def _user(self, login: str):
        login = login or "wordpress"
        if login not in self.users:
            author = self.authors.get(login, {})
            User = get_user_model()
            user, created = User.objects.get_or_create(
                username=slugify(login)[:150] or "wordpress",
                defaults={
                    "first_name": _clean_name(author.get("wp:author_first_name", ""))[:150],
                    "last_name": _clean_name(author.get("wp:author_last_name", ""))[:150],
                    "email": (author.get("wp:author_email") or "").strip()[:254],
                },
            )
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
                self.summary.created["authors"] += 1
            self.users[login] = user
        return self.users[login]

    def _topics(self, item) -> list[Topic]:
        topics = []
        for category in item.findall("category"):
            if category.get("domain") not in ("category", "post_tag"):
                continue
            name = (category.text or "").strip()[:80]
            slug = slugify(category.get("nicename") or name)[:80]
            if not name or not slug:
                continue
            topic = (
                Topic.objects.filter(slug=slug).first() or Topic.objects.filter(name=name).first()
            )
            if topic is None:
                topic = Topic.objects.create(slug=slug, name=name)
                self.summary.created["topics"] += 1
            topics.append(topic)
        return topics


def import_wxr(
    path: str, *, dry_run: bool = False, posts_only: bool = False, progress=None
) -> Summary:
    """Import in one transaction: a file that fails part-way leaves the database as it was."""
    with transaction.atomic():
        summary = WxrImporter(
            path, posts_only=posts_only, progress=progress or (lambda n: None)
        ).run()
        if dry_run:
            transaction.set_rollback(True)
    return summary
