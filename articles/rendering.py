"""Markdown to safe HTML, once, when an article is written.

Editors write Markdown; readers get HTML that passed through an allow-list sanitizer (nh3),
so nothing in an article body can run script, carry event handlers or smuggle a
`javascript:` or `data:` URL, whatever the Markdown or raw HTML says.
"""

import math
import re
from dataclasses import dataclass, field

import markdown
import nh3
from django.utils.html import strip_tags

WORDS_PER_MINUTE = 230

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "figcaption", "figure",
    "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "strong",
    "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "td": {"align"},
    "th": {"align"},
    **{f"h{level}": {"id"} for level in range(2, 7)},
}
ALLOWED_CLASSES = {"a": {"headerlink"}}
URL_SCHEMES = {"http", "https", "mailto"}

# The page title is the only <h1>; a top-level heading in the body becomes a section.
_H1 = re.compile(r"<(/?)h1(\s|>)", re.IGNORECASE)
# A wide table scrolls sideways inside a region a keyboard can reach and a screen reader names
# (WCAG 2.1.1). Added after sanitising: the markup is ours, not the editor's.
_TABLE_OPEN = re.compile(r"<table>")
_TABLE_CLOSE = re.compile(r"</table>")
_SCROLLER = '<div class="table-scroll" role="region" tabindex="0" aria-label="Table {n}">'


def _scrollable_tables(html: str) -> str:
    count = iter(range(1, 10_000))
    html = _TABLE_OPEN.sub(lambda _: _SCROLLER.format(n=next(count)) + "<table>", html)
    return _TABLE_CLOSE.sub("</table></div>", html)


@dataclass(frozen=True)
class Rendered:
    html: str
    toc: list[dict] = field(default_factory=list)
    word_count: int = 0

    @property
    def reading_minutes(self) -> int:
        return max(1, math.ceil(self.word_count / WORDS_PER_MINUTE))


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )


def render_markdown(text: str) -> Rendered:
    md = markdown.Markdown(
        extensions=["toc", "tables", "fenced_code", "sane_lists", "smarty"],
        extension_configs={
            "toc": {"permalink": "#", "permalink_title": "Link to this section"},
            "tables": {"use_align_attribute": True},
        },
    )
    html = _scrollable_tables(sanitize(_H1.sub(r"<\1h2\2", md.convert(text))))
    return Rendered(
        html=html,
        toc=_flatten_toc(md.toc_tokens, max_level=3),
        word_count=len(strip_tags(html).split()),
    )


def _flatten_toc(tokens: list[dict], max_level: int) -> list[dict]:
    entries = []
    for token in tokens:
        level = max(2, token["level"])
        if level <= max_level:
            entries.append({"id": token["id"], "title": token["name"], "level": level})
        entries.extend(_flatten_toc(token["children"], max_level))
    return entries


_BLOCK = re.compile(r"<(p|div|h[1-6]|ul|ol|table|blockquote|pre|figure)[\s>]", re.IGNORECASE)


def paragraphs(html: str) -> str:
    """Blank-line-separated text without block tags becomes paragraphs (as WordPress shows it)."""
    if _BLOCK.search(html):
        return html
    parts = [part.strip() for part in re.split(r"\n\s*\n", html) if part.strip()]
    return "".join(f"<p>{part.replace(chr(10), '<br>')}</p>" for part in parts)


def render_html(html: str) -> Rendered:
    """HTML written elsewhere (an import): sanitised like Markdown output, no contents list."""
    clean = sanitize(_H1.sub(r"<\1h2\2", paragraphs(html)))
    return Rendered(html=clean, toc=[], word_count=len(strip_tags(clean).split()))
