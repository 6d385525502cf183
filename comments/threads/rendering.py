"""A reader's Markdown to safe HTML: paragraphs, emphasis, links, quotes, code and lists.

Raw HTML a reader types is shown as text (markdown-it with `html` off), headings, images
and tables are not part of the comment dialect, and the result passes through nh3 as well,
so a comment can never carry script, event handlers or a `javascript:` link.

Two things in a comment refer to the discussion around it, and are resolved while rendering
through a `Surroundings` (`comments.threads.quoting` has the one the site uses):
- a quote: a blockquote whose first line is a link to a comment's permalink
  (`> [NAME wrote:](/comments/42/)`) shows "NAME wrote:" with the quoted comment's real
  author, or, once that comment is gone for a reason that takes its words too, a line saying
  so instead of the words;
- a mention: `@username` of a reader with an account shows as a highlighted name.
Without surroundings (imports, demo content) both stay plain Markdown.
"""

import re
from dataclasses import dataclass, field
from html import escape
from typing import Protocol

import nh3
from django.conf import settings
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from markdown_it.token import Token

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True}).disable(
    ["image", "heading", "lheading", "table", "hr", "html_block", "html_inline"]
)

ALLOWED_TAGS = {
    "a", "blockquote", "br", "code", "em", "li", "ol", "p", "pre", "span", "strong", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href"}, "ol": {"start"}}
# The only classes a comment carries, all of them set here, never by the reader.
ALLOWED_CLASSES = {
    "blockquote": {"quote", "quote--gone"},
    "p": {"quote__cite", "quote__gone"},
    "span": {"mention"},
}
_PERMALINK = re.compile(r"/comments/(\d{1,18})/(?:#[\w-]*)?")
# A username as Django allows it, not inside a word or an address ("ada@example.com").
_MENTION = re.compile(r"(?<![\w.@+-])@(\w[\w.+-]{0,149})")


@dataclass(frozen=True)
class Quoted:
    """What a quote of one comment shows: who wrote it, and instead of its words, if they
    may no longer be shown, why not."""

    name: str
    gone: str = ""


class Surroundings(Protocol):
    def quoted(self, ids: set[int]) -> dict[int, Quoted]:
        """The comments of this discussion among `ids` (others are missing from the answer)."""

    def readers(self, names: set[str]) -> dict[str, str]:
        """Lower-cased name -> username, for the names that are mentionable readers."""


@dataclass(frozen=True)
class Rendered:
    html: str
    quotes: tuple[int, ...] = ()  # the comments of this discussion it quotes
    strangers: tuple[int, ...] = ()  # ids quoted that are not comments of this discussion
    mentions: tuple[str, ...] = ()  # usernames, in the order first written
    gone_quotes: tuple[int, ...] = field(default=())  # quoted comments no longer shown


def _quote_target(tokens: list[Token], i: int) -> int | None:
    """The comment id a blockquote opening at tokens[i] quotes, if it is a quote."""
    if i + 2 >= len(tokens) or tokens[i + 1].type != "paragraph_open":
        return None
    children = tokens[i + 2].children or []
    if len(children) < 3 or children[0].type != "link_open":
        return None
    href = str(children[0].attrs.get("href", ""))
    site = settings.SITE_URL.rstrip("/")
    if href.startswith(site + "/"):
        href = href[len(site) :]
    match = _PERMALINK.fullmatch(href)
    return int(match.group(1)) if match else None


def _closing(tokens: list[Token], i: int) -> int:
    """The index of the blockquote_close matching the blockquote_open at tokens[i]."""
    level = 0
    for j in range(i, len(tokens)):
        if tokens[j].type == "blockquote_open":
            level += 1
        elif tokens[j].type == "blockquote_close":
            level -= 1
            if level == 0:
                return j
    return len(tokens) - 1


def _html_token(html: str) -> Token:
    token = Token("html_block", "", 0)
    token.content = html
    return token


def _quotes(tokens: list[Token], found: dict[int, Quoted]) -> list[Token]:
    """Each quote of a known comment: its attribution made true, or its words taken out."""
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        target = _quote_target(tokens, i) if token.type == "blockquote_open" else None
        if target not in found:
            out.append(token)
            i += 1
            continue
        quoted, end = found[target], _closing(tokens, i)
        permalink = f"/comments/{target}/"
        if quoted.gone:
            out.append(_html_token(
                f'<blockquote class="quote quote--gone"><p class="quote__gone">'
                f"{escape(quoted.gone)}</p></blockquote>\n"
            ))  # fmt: skip
            i = end + 1
            continue
        token.attrSet("class", "quote")
        out.append(token)
        out.append(_html_token(
            f'<p class="quote__cite"><a href="{permalink}">{escape(quoted.name)} wrote:</a></p>\n'
        ))  # fmt: skip
        paragraph_open, inline, rest = tokens[i + 1], tokens[i + 2], tokens[i + 3 : end + 1]
        close = next(k for k, c in enumerate(inline.children) if c.type == "link_close")
        words = inline.children[close + 1 :]
        if words and words[0].type in ("softbreak", "hardbreak"):
            words = words[1:]
        if words:
            inline.children = words
            out += [paragraph_open, inline]
        else:
            rest = rest[1:]  # the attribution was the whole paragraph: drop its closing too
        out += _quotes(rest[:-1], found) + rest[-1:]
        i = end + 1
    return out


def _outside_quotes(tokens: list[Token]) -> list[Token]:
    """The inline tokens of a comment that are not inside a blockquote."""
    found, depth = [], 0
    for token in tokens:
        if token.type == "blockquote_open":
            depth += 1
        elif token.type == "blockquote_close":
            depth -= 1
        elif token.type == "inline" and depth == 0:
            found.append(token)
    return found


def _mention_names(tokens: list[Token]) -> set[str]:
    names: set[str] = set()
    for token in tokens:
        for child, in_link in _texts(token):
            if not in_link:
                for match in _MENTION.finditer(child.content):
                    name = match.group(1)
                    names |= {name.lower(), name.rstrip(".").lower()}
    return names


def _texts(token: Token):
    """(text token, inside a link?) for every text of an inline token."""
    in_link = 0
    for child in token.children or ():
        if child.type == "link_open":
            in_link += 1
        elif child.type == "link_close":
            in_link -= 1
        elif child.type == "text":
            yield child, in_link > 0


def _mentions(tokens: list[Token], readers: dict[str, str]) -> list[str]:
    """Turn each mention of a known reader into a highlighted name; return who, in order."""
    named: list[str] = []
    for token in tokens:
        if token.type != "inline":
            continue
        children: list[Token] = []
        in_link = 0
        for child in token.children or ():
            in_link += {"link_open": 1, "link_close": -1}.get(child.type, 0)
            if child.type != "text" or in_link or "@" not in child.content:
                children.append(child)
                continue
            children += _split_mentions(child.content, readers, named)
        token.children = children
    return named


def _split_mentions(text: str, readers: dict[str, str], named: list[str]) -> list[Token]:
    out: list[Token] = []
    start = 0
    for match in _MENTION.finditer(text):
        written = match.group(1)
        name = written if written.lower() in readers else written.rstrip(".")
        username = readers.get(name.lower())
        if username is None:
            continue
        end = match.start() + 1 + len(name)
        out.append(_text(text[start : match.start()]))
        mention = Token("html_inline", "", 0)
        mention.content = f'<span class="mention">@{escape(username)}</span>'
        out.append(mention)
        if username not in named:
            named.append(username)
        start = end
    out.append(_text(text[start:]))
    return [token for token in out if token.type != "text" or token.content]


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _clean(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener noreferrer",
    ).strip()


def render(text: str, surroundings: Surroundings | None = None) -> Rendered:
    """The comment's HTML, with its quotes and mentions resolved in `surroundings`."""
    tokens = _markdown.parse(text)
    if surroundings is None:
        return Rendered(html=_clean(_markdown.renderer.render(tokens, _markdown.options, {})))
    wanted = {
        target
        for i, token in enumerate(tokens)
        if token.type == "blockquote_open" and (target := _quote_target(tokens, i)) is not None
    }
    found = surroundings.quoted(wanted) if wanted else {}
    tokens = _quotes(tokens, found)
    # A name in quoted words is the quoted author's mention, not this comment's.
    own = _outside_quotes(tokens)
    names = _mention_names(own)
    mentions = _mentions(own, surroundings.readers(names)) if names else []
    html = _clean(_markdown.renderer.render(tokens, _markdown.options, {}))
    return Rendered(
        html=html,
        quotes=tuple(sorted(found)),
        strangers=tuple(sorted(wanted - set(found))),
        mentions=tuple(mentions),
        gone_quotes=tuple(sorted(pk for pk, quoted in found.items() if quoted.gone)),
    )


def render_comment(text: str) -> str:
    """A comment's HTML on its own, with no discussion around it (imports, demo content)."""
    return render(text).html


def preview(text: str, surroundings: Surroundings | None = None) -> SafeString:
    """A comment's HTML before it is posted: what posting would store, for a page to show."""
    return mark_safe(render(text, surroundings).html)  # noqa: S308 - sanitised by nh3 just now


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
