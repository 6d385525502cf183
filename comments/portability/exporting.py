"""Moving out: every article's discussion, with thread structure and statuses, as JSON or as
WXR 1.2 (the WordPress export format, which this platform's importer also reads back)."""

import json
from collections.abc import Iterator
from xml.sax.saxutils import escape, quoteattr

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

from articles.models import Article
from articles.text import carriable
from comments.models import Comment

WXR_APPROVED = {"approved": "1", "pending": "0", "spam": "spam", "rejected": "trash",
                "removed": "trash", "deleted": "trash"}  # fmt: skip
WXR_STATUS = {"published": "publish", "scheduled": "future", "draft": "draft"}


def _articles(slug: str | None):
    articles = Article.objects.order_by("pk").prefetch_related("authors", "topics")
    return articles.filter(slug=slug) if slug else articles


def _comments(article: Article):
    return (
        Comment.objects.filter(article=article)
        .order_by("created_at", "id")
        .iterator(chunk_size=2000)
    )


def _cdata(text: str) -> str:
    return "<![CDATA[" + (text or "").replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _gmt(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else "0000-00-00 00:00:00"


def as_json(slug: str | None = None) -> Iterator[str]:
    """The export as JSON text, written piece by piece."""
    yield '{"site": ' + json.dumps(settings.SITE_URL) + ', "articles": ['
    for index, article in enumerate(_articles(slug)):
        head = {
            "slug": article.slug,
            "title": article.title,
            "status": article.status,
            "published_at": article.published_at,
            "authors": [a.username for a in article.authors.all()],
            "topics": [t.slug for t in article.topics.all()],
            "body_html": article.body_html,
        }
        yield (
            ("," if index else "")
            + json.dumps(head, cls=DjangoJSONEncoder)[:-1]
            + ', "comments": ['
        )
        for n, c in enumerate(_comments(article)):
            row = {
                "id": c.pk, "parent": c.parent_id, "depth": c.depth, "status": c.status,
                "author_name": c.author_name, "author_email": c.author_email,
                "author_url": c.author_url, "ip_address": c.ip_address, "created_at": c.created_at,
                "edited_at": c.edited_at, "body": c.body, "body_html": c.body_html,
            }  # fmt: skip
            yield ("," if n else "") + json.dumps(row, cls=DjangoJSONEncoder)
        yield "]}"
    yield "]}\n"


def as_wxr(slug: str | None = None) -> Iterator[str]:
    """The export as WXR 1.2, written piece by piece."""
    yield (
        '<?xml version="1.0" encoding="UTF-8" ?>\n<rss version="2.0"\n'
        '  xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"\n'
        '  xmlns:content="http://purl.org/rss/1.0/modules/content/"\n'
        '  xmlns:wfw="http://wellformedweb.org/CommentAPI/"\n'
        '  xmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        '  xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n'
        f"  <title>{escape(settings.SITE_NAME)}</title>\n"
        f"  <link>{escape(settings.SITE_URL)}</link>\n"
        "  <description></description>\n  <language>en</language>\n"
        "  <wp:wxr_version>1.2</wp:wxr_version>\n"
        f"  <wp:base_site_url>{escape(settings.SITE_URL)}</wp:base_site_url>\n"
        f"  <wp:base_blog_url>{escape(settings.SITE_URL)}</wp:base_blog_url>\n"
    )
    for article in _articles(slug):
        # Rows stored before the input rule may hold characters XML cannot carry.
        yield carriable(_wxr_item(article))
    yield "</channel>\n</rss>\n"


def _comment_status(article: Article) -> str:
    return "closed" if article.comment_policy == "closed" else "open"


def _wxr_item(article: Article) -> str:
    authors = list(article.authors.all())
    parts = [
        "  <item>",
        f"    <title>{_cdata(article.title)}</title>",
        f"    <link>{escape(settings.SITE_URL + article.get_absolute_url())}</link>",
        f"    <dc:creator>{_cdata(authors[0].username if authors else '')}</dc:creator>",
        f'    <guid isPermaLink="false">{escape(settings.SITE_URL)}/?p={article.pk}</guid>',
        "    <description></description>",
        f"    <content:encoded>{_cdata(article.body_html)}</content:encoded>",
        f"    <excerpt:encoded>{_cdata(article.standfirst)}</excerpt:encoded>",
        f"    <wp:post_id>{article.pk}</wp:post_id>",
        f"    <wp:post_date_gmt>{_gmt(article.published_at)}</wp:post_date_gmt>",
        f"    <wp:comment_status>{_comment_status(article)}</wp:comment_status>",
        f"    <wp:post_name>{_cdata(article.slug)}</wp:post_name>",
        f"    <wp:status>{WXR_STATUS[article.status]}</wp:status>",
        "    <wp:post_type>post</wp:post_type>",
        "    <wp:post_password></wp:post_password>",
    ]
    for topic in article.topics.all():
        parts.append(
            f'    <category domain="category" nicename={quoteattr(topic.slug)}>'
            f"{_cdata(topic.name)}</category>"
        )
    for c in _comments(article):
        parts += [
            "    <wp:comment>",
            f"      <wp:comment_id>{c.pk}</wp:comment_id>",
            f"      <wp:comment_author>{_cdata(c.author_name)}</wp:comment_author>",
            f"      <wp:comment_author_email>{_cdata(c.author_email)}</wp:comment_author_email>",
            f"      <wp:comment_author_url>{escape(c.author_url)}</wp:comment_author_url>",
            f"      <wp:comment_author_IP>{escape(c.ip_address or '')}</wp:comment_author_IP>",
            f"      <wp:comment_date_gmt>{_gmt(c.created_at)}</wp:comment_date_gmt>",
            f"      <wp:comment_content>{_cdata(c.body_html)}</wp:comment_content>",
            f"      <wp:comment_approved>{WXR_APPROVED[c.status]}</wp:comment_approved>",
            "      <wp:comment_type>comment</wp:comment_type>",
            f"      <wp:comment_parent>{c.parent_id or 0}</wp:comment_parent>",
            f"      <wp:comment_user_id>{c.user_id or 0}</wp:comment_user_id>",
            "      <wp:commentmeta>",
            "        <wp:meta_key>_discussions_status</wp:meta_key>",
            f"        <wp:meta_value>{c.status}</wp:meta_value>",
            "      </wp:commentmeta>",
            "      <wp:commentmeta>",
            "        <wp:meta_key>_discussions_created_at</wp:meta_key>",
            f"        <wp:meta_value>{c.created_at.isoformat()}</wp:meta_value>",
            "      </wp:commentmeta>",
            "    </wp:comment>",
        ]
    parts.append("  </item>\n")
    return "\n".join(parts)
