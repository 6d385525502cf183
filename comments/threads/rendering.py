"""A reader's Markdown to safe HTML: paragraphs, emphasis, links, quotes, code and lists.

Raw HTML a reader types is shown as text (markdown-it with `html` off), headings, images
and tables are not part of the comment dialect, and the result passes through nh3 as well,
so a comment can never carry script, event handlers or a `javascript:` link.
"""

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True}).disable(
    ["image", "heading", "lheading", "table", "hr", "html_block", "html_inline"]
)

ALLOWED_TAGS = {"a", "blockquote", "br", "code", "em", "li", "ol", "p", "pre", "strong", "ul"}
ALLOWED_ATTRIBUTES = {"a": {"href"}, "ol": {"start"}}


def render_comment(text: str) -> str:
    return nh3.clean(
        _markdown.render(text),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener noreferrer",
    ).strip()


def preview(text: str) -> SafeString:
    """A comment's HTML before it is posted: what posting would store, for a page to show."""
    return mark_safe(render_comment(text))  # noqa: S308 - sanitised by nh3 just now


def sanitize_comment_html(html: str) -> str:
    """A comment written as HTML elsewhere (an import), cleaned to the comment dialect."""
    from articles.rendering import paragraphs

    return nh3.clean(
        paragraphs(html),
        tags=ALLOWED_TAGS | {"b", "i"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener noreferrer",
        clean_content_tags={"script", "style"},
    ).strip()
