"""Markdown to safe HTML, once, when an article is written.

Editors write Markdown; readers get HTML that passed through an allow-list sanitizer (nh3),
so nothing in an article body can run script, carry event handlers or smuggle a
`javascript:` or `data:` URL, whatever the Markdown or raw HTML says.
"""

import hashlib
import html as html_lib
import math
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import markdown
import nh3
from django.utils.html import strip_tags
from django.utils.text import slugify

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


# Paragraphs and headings as nh3 writes them when they carry no attributes (it allows none on
# <p>, and only `id` on headings).
_BARE_BLOCK = re.compile(r"<(p|h[2-6])>(.*?)</\1>", re.DOTALL)
_ID = re.compile(r'\sid="([^"]*)"')


def _block_ids(html: str) -> str:
    """Give every paragraph, and every heading without one, an id made from its own text, so
    that a link to a passage survives edits elsewhere in the article: an unchanged paragraph
    keeps its id wherever it moves, and only an edited one gets a new id.

    Paragraphs get `p-` and 8 hex digits of a hash of their text (whitespace collapsed, markup
    ignored; the inner HTML when there is no text, as for an image); headings a slug of their
    text, as the contents list makes them. Repeats take `-2`, `-3`... in order. Added after
    sanitising: the markup is ours, not the editor's."""
    taken = set(_ID.findall(html))

    def unique(base: str) -> str:
        ident, n = base, 1
        while ident in taken:
            n += 1
            ident = f"{base}-{n}"
        taken.add(ident)
        return ident

    def with_id(match: re.Match) -> str:
        tag, inner = match.group(1), match.group(2)
        text = " ".join(html_lib.unescape(strip_tags(inner)).split())
        if tag == "p":
            digest = hashlib.sha256((text or inner).encode()).hexdigest()[:8]
            ident = unique(f"p-{digest}")
        else:
            ident = unique(slugify(text) or "section")
        return f'<{tag} id="{ident}">{inner}</{tag}>'

    return _BARE_BLOCK.sub(with_id, html)


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
    html = _block_ids(_scrollable_tables(sanitize(_H1.sub(r"<\1h2\2", md.convert(text)))))
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
    clean = _block_ids(sanitize(_H1.sub(r"<\1h2\2", paragraphs(html))))
    return Rendered(html=clean, toc=[], word_count=len(strip_tags(clean).split()))


# --- Plain text -----------------------------------------------------------------------------

BLOCK_SEPARATOR = "\n\n"
_BLOCK_TAGS = {
    "blockquote", "caption", "dd", "div", "dl", "dt", "figcaption", "figure", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "li", "ol", "p", "pre", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "ul",
}  # fmt: skip


@dataclass(frozen=True)
class TextBlock:
    id: str  # the id of the innermost element around the text that has one; "" if none
    text: str


def text_blocks(html: str) -> list[TextBlock]:
    """The text a reader reads in rendered HTML, one block per paragraph, heading, list item,
    table cell or code block, in document order. See `plain_text` for the rules."""
    parser = _TextBlockParser()
    parser.feed(html)
    parser.close()
    parser.flush()
    return parser.blocks


def plain_text(html: str) -> str:
    """The rendered text as one string, blocks joined by a blank line: what a revision's
    offsets (and a passage's anchor) count in. Deterministic for a given HTML:

    - each block element (paragraph, heading, list item, table cell, code block...) starts a
      new block, and text outside any block is a block of its own; empty blocks are dropped;
    - in a block, any run of whitespace is one space, a <br> is a line break, and lines are
      trimmed; in <pre>, lines keep their spaces (trailing ones trimmed) and blank lines are
      dropped; so a blank line occurs only between blocks;
    - character references are decoded; markup, images and the "#" links that headings carry
      for the contents list are not text.
    """
    return BLOCK_SEPARATOR.join(block.text for block in text_blocks(html))


class _TextBlockParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[TextBlock] = []
        self._parts: list[str] = []
        self._open: list[tuple[str, str]] = []  # block elements around the text: (tag, id)
        self._in_headerlink = False
        self._pre = 0

    def handle_starttag(self, tag, attrs):
        if tag == "a" and "headerlink" in (dict(attrs).get("class") or "").split():
            self._in_headerlink = True
        elif tag == "br":
            self._parts.append("\n")
        elif tag == "hr":  # a void element: it ends a block and opens none
            self.flush()
        elif tag in _BLOCK_TAGS:
            self.flush()
            self._open.append((tag, dict(attrs).get("id") or ""))
            self._pre += tag == "pre"

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in _BLOCK_TAGS and tag != "hr":
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag == "a":
            self._in_headerlink = False
        elif tag in _BLOCK_TAGS:
            self.flush()
            while self._open:
                opened, _ = self._open.pop()
                self._pre -= opened == "pre"
                if opened == tag:
                    break

    def handle_data(self, data):
        if self._in_headerlink:
            return
        self._parts.append(data if self._pre else re.sub(r"\s", " ", data))

    def flush(self) -> None:
        raw, self._parts = "".join(self._parts), []
        if self._pre:
            lines = [line.rstrip() for line in raw.split("\n")]
        else:
            lines = [" ".join(line.split()) for line in raw.split("\n")]
        text = "\n".join(line for line in lines if line.strip())
        if text:
            ident = next((ident for _, ident in reversed(self._open) if ident), "")
            self.blocks.append(TextBlock(id=ident, text=text))
