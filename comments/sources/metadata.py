"""A page's own title, publisher and publication date, read from its HTML.

Where each comes from, first found wins:
    title       og:title, citation_title, dc.title, dcterms.title, JSON-LD headline,
                twitter:title, then <title>
    publisher   og:site_name, citation_publisher, dc.publisher, dcterms.publisher,
                JSON-LD publisher (its name), citation_journal_title
    published   article:published_time, citation_publication_date, citation_date,
                citation_online_date, dcterms.issued, dc.date.issued, dc.date, dcterms.date,
                dcterms.created, JSON-LD datePublished, itemprop=datePublished, name=date
A date is the calendar date as the page writes it (2024-03-05T23:30-05:00 is 5 March), from
ISO 8601 (also 2024/03/05) or RFC 2822; a value that is not a whole date is skipped. Titles
are cut to 300 characters and publishers to 200 (with an ellipsis), white space runs become
one space and the characters `articles.text.carriable` drops are dropped.

The bytes are decoded as the HTML standard says, in short: a byte order mark, else the
charset of the Content-Type header, else a <meta charset> in the first 1,024 bytes, else
UTF-8 if the bytes are UTF-8 (but for a character cut in two at the end, where reading
stopped), else windows-1252. Unknown or non-web charsets are ignored.

Why not one `html.parser.HTMLParser` over the whole page: on Python 3.11 it takes quadratic
time on some broken markup ("<a" repeated over a megabyte takes minutes), and a fetched page
is anyone's markup. So a linear scan finds the few tags that matter (meta, the first title,
JSON-LD scripts, skipping comments, scripts and styles), and HTMLParser reads the attributes
of each of those tags alone, a few hundred bytes at a time. Nothing here raises on any input.
"""

import codecs
import email.utils
import html
import json
import re
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser

from articles.text import carriable

TITLE_LENGTH = 300
PUBLISHER_LENGTH = 200

TITLE_KEYS = ("og:title", "citation_title", "dc.title", "dcterms.title")
LATE_TITLE_KEYS = ("twitter:title",)
PUBLISHER_KEYS = ("og:site_name", "citation_publisher", "dc.publisher", "dcterms.publisher")
LATE_PUBLISHER_KEYS = ("citation_journal_title",)
DATE_KEYS = (
    "article:published_time",
    "citation_publication_date",
    "citation_date",
    "citation_online_date",
    "dcterms.issued",
    "dc.date.issued",
    "dc.date",
    "dcterms.date",
    "dcterms.created",
)
LATE_DATE_KEYS = ("datepublished", "date")

_MAX_TAG = 8192
_MAX_TAGS = 2000
_MAX_NODES = 1000
_TAGS_OF_INTEREST = re.compile(r"<(?:(!--)|(meta|title|script|style)(?![a-z0-9-]))", re.I | re.A)
# A start tag up to its ">", quoted values included; never across a "<", so that scanning
# from each candidate stops at the next one and the whole scan stays linear.
_START_TAG = re.compile(r"""<[a-z]+(?:[^<>"']|"[^"<]*"|'[^'<]*')*>""", re.I | re.A)
_END_TAGS = {
    name: re.compile(rf"</{name}(?![a-z0-9-])[^<>]*>?", re.I | re.A)
    for name in ("title", "script", "style")
}
_WHITE_SPACE = re.compile(r"\s+")
_ISO_DATE = re.compile(r"\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?![\d])", re.A)
_META_CHARSET = re.compile(
    rb"""<meta[^<>]{0,512}?charset\s*=\s*["']?\s*([a-z0-9._:-]{1,40})""", re.I
)

# The encodings of the WHATWG Encoding standard, by their Python names.
_WEB_ENCODINGS = frozenset(
    {
        "utf-8", "cp866", "iso8859-2", "iso8859-3", "iso8859-4", "iso8859-5", "iso8859-6",
        "iso8859-7", "iso8859-8", "iso8859-10", "iso8859-13", "iso8859-14", "iso8859-15",
        "iso8859-16", "koi8-r", "koi8-u", "mac-roman", "cp874", "cp1250", "cp1251", "cp1252",
        "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258", "mac-cyrillic", "gbk",
        "gb18030", "big5", "euc_jp", "iso2022_jp", "shift_jis", "euc_kr", "utf-16-be",
        "utf-16-le",
    }
)  # fmt: skip
# Labels Python does not know, and what the standard reads some others as.
_LABELS = {"windows-874": "cp874", "x-mac-cyrillic": "mac-cyrillic", "x-sjis": "shift_jis"}
_READ_AS = {"iso8859-1": "cp1252", "ascii": "cp1252", "gb2312": "gbk", "utf-16": "utf-16-le"}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True)
class Metadata:
    title: str = ""
    publisher: str = ""
    published: date | None = None


def extract(body: bytes, *, charset: str | None = None) -> Metadata:
    """What the page says of itself; empty fields for what it does not say. `charset` is the
    one the Content-Type header declared, if any."""
    found = _scan(decode(body, charset=charset))
    ld = _linked_data(found.scripts)
    metas = found.metas
    title = _first(metas, TITLE_KEYS) or ld.get("headline") or _first(metas, LATE_TITLE_KEYS)
    publisher = (
        _first(metas, PUBLISHER_KEYS) or ld.get("publisher") or _first(metas, LATE_PUBLISHER_KEYS)
    )
    dates = [metas.get(key) for key in DATE_KEYS]
    dates += [ld.get("datePublished"), *(metas.get(key) for key in LATE_DATE_KEYS)]
    return Metadata(
        title=_clean(title or found.title or "", TITLE_LENGTH),
        publisher=_clean(publisher or "", PUBLISHER_LENGTH),
        published=next((d for text in dates if text and (d := parse_date(text))), None),
    )


def decode(body: bytes, *, charset: str | None = None) -> str:
    """The page's text (see the module's docstring for how the encoding is chosen)."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body.decode(encoding, errors="replace")
    encoding = _web_encoding(charset)
    if encoding is None and (declared := _META_CHARSET.search(body[:1024])):
        encoding = _web_encoding(declared[1].decode("ascii"))
        if encoding in ("utf-16-le", "utf-16-be"):
            encoding = "utf-8"  # a page that can say so in ASCII is not UTF-16
    if encoding is not None:
        return body.decode(encoding, errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        # UTF-8 (it has multi-byte characters) up to a character cut where reading stopped.
        if error.reason == "unexpected end of data" and not body[: error.start].isascii():
            return body.decode("utf-8", errors="replace")
        return body.decode("cp1252", errors="replace")


def _web_encoding(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().lower()
    try:
        name = codecs.lookup(_LABELS.get(label, label)).name
    except LookupError:
        return None
    name = _READ_AS.get(name, name)
    return name if name in _WEB_ENCODINGS else None


def parse_date(text: str) -> date | None:
    """The calendar date `text` names, as written, or None."""
    if match := _ISO_DATE.match(text):
        try:
            return date(*(int(part) for part in match.groups()))
        except ValueError:
            return None
    try:
        return email.utils.parsedate_to_datetime(text.strip()).date()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


@dataclass
class _Found:
    metas: dict[str, str] = field(default_factory=dict)
    title: str | None = None
    scripts: list[str] = field(default_factory=list)


def _scan(text: str) -> _Found:
    """The meta tags (first value of each name), the first <title> and the JSON-LD scripts,
    in one pass that never looks back."""
    found, position, tags = _Found(), 0, 0
    while tags < _MAX_TAGS and (match := _TAGS_OF_INTEREST.search(text, position)):
        tags += 1
        if match[1]:  # a comment: skip to its end
            end = text.find("-->", match.end())
            position = len(text) if end < 0 else end + 3
            continue
        tag = _START_TAG.match(text, match.start())
        if tag is None or len(tag[0]) > _MAX_TAG:
            position = match.end()
            continue
        name, attributes, position = match[2].lower(), _attributes(tag[0]), tag.end()
        if name == "meta":
            key = attributes.get("property") or attributes.get("name") or ""
            key = key or attributes.get("itemprop") or ""
            content = attributes.get("content")
            if key and content:
                found.metas.setdefault(key.strip().lower(), content)
            continue
        end = _END_TAGS[name].search(text, position)
        content = text[position : end.start() if end else len(text)]
        position = end.end() if end else len(text)
        if name == "title" and found.title is None:
            found.title = html.unescape(content[:2000])
        elif name == "script" and _is_linked_data(attributes):
            found.scripts.append(content)
    return found


class _StartTag(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.attributes: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        if not self.attributes:
            for name, value in attrs:
                self.attributes.setdefault(name, value or "")

    handle_startendtag = handle_starttag


def _attributes(tag: str) -> dict[str, str]:
    parser = _StartTag()
    try:
        parser.feed(tag)
        parser.close()
    except (AssertionError, ValueError):  # old html.parser releases raise on odd markup
        pass
    return parser.attributes


def _is_linked_data(attributes: dict[str, str]) -> bool:
    kind = attributes.get("type", "").partition(";")[0].strip().lower()
    return kind == "application/ld+json"


def _linked_data(scripts: list[str]) -> dict[str, str]:
    """headline, publisher and datePublished of the first JSON-LD node that has them."""
    nodes: list[dict] = []
    for script in scripts:
        text = script.strip().removeprefix("<!--").removesuffix("-->").strip()
        text = text.removeprefix("<![CDATA[").removesuffix("]]>")
        try:
            nodes += _nodes(json.loads(text))
        except (ValueError, RecursionError):
            continue
    by_id = {node["@id"]: node for node in nodes if isinstance(node.get("@id"), str)}
    facts: dict[str, str] = {}
    for node in nodes:
        for key in ("headline", "datePublished"):
            if key not in facts and (value := _text(node.get(key))):
                facts[key] = value
        if "publisher" not in facts and (publisher := _name(node.get("publisher"), by_id)):
            facts["publisher"] = publisher
    return facts


def _nodes(data: object) -> list[dict]:
    """The objects of a JSON-LD document: the top one, a list of them, or an @graph."""
    nodes, waiting = [], [data]
    while waiting and len(nodes) < _MAX_NODES:
        item = waiting.pop(0)
        if isinstance(item, list):
            waiting += item[:_MAX_NODES]
        elif isinstance(item, dict):
            nodes.append(item)
            if "@graph" in item:
                waiting.append(item["@graph"])
    return nodes


def _name(value: object, by_id: dict[str, dict]) -> str:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        if "name" not in value and isinstance(value.get("@id"), str):
            value = by_id.get(value["@id"], {})
        return _text(value.get("name"))
    return _text(value)


def _text(value: object) -> str:
    if isinstance(value, list):
        value = value[0] if value else None
    return html.unescape(value) if isinstance(value, str) else ""


def _first(metas: dict[str, str], keys: tuple[str, ...]) -> str:
    return next((value for key in keys if (value := metas.get(key, "").strip())), "")


def _clean(text: str, length: int) -> str:
    text = _WHITE_SPACE.sub(" ", carriable(text)).strip()
    if len(text) > length:
        text = text[: length - 1].rstrip() + "…"
    return text
