import codecs
import json
import time
from datetime import date
from html import escape

import pytest

from articles.text import carriable
from comments.sources.metadata import Metadata, decode, extract, parse_date
from tests.services import ROOT

NAUGHTY = json.loads((ROOT / "tests" / "fixtures" / "blns" / "blns.json").read_text("utf-8"))


def html(head: str, body: str = "") -> bytes:
    return f"<!doctype html><html><head>{head}</head><body>{body}</body></html>".encode()


def test_open_graph_gives_title_publisher_and_date():
    page = html(
        '<meta property="og:title" content="Rivers in Spate">'
        '<meta property="og:site_name" content="The Hydrologist">'
        '<meta property="article:published_time" content="2024-03-05T23:30:00-05:00">'
        "<title>Rivers in Spate | The Hydrologist</title>"
    )

    assert extract(page) == Metadata("Rivers in Spate", "The Hydrologist", date(2024, 3, 5))


def test_citation_tags_of_a_paper_are_read():
    page = html(
        '<meta name="citation_title" content="On the Flow of Rivers">'
        '<meta name="citation_publisher" content="Hydrology Press">'
        '<meta name="citation_journal_title" content="Journal of Rivers">'
        '<meta name="citation_publication_date" content="2021/11/02">'
    )

    assert extract(page) == Metadata("On the Flow of Rivers", "Hydrology Press", date(2021, 11, 2))


def test_a_journal_stands_in_for_a_missing_publisher():
    page = html('<meta name="citation_journal_title" content="Journal of Rivers">')

    assert extract(page).publisher == "Journal of Rivers"


def test_dublin_core_is_read_in_any_case():
    page = html(
        '<META NAME="DC.Title" CONTENT="Estuaries">'
        '<meta name="DCTERMS.publisher" content="Coastal Office">'
        '<meta name="dcterms.issued" content="2019-07-01">'
    )

    assert extract(page) == Metadata("Estuaries", "Coastal Office", date(2019, 7, 1))


def test_json_ld_graph_with_a_publisher_by_reference_is_read():
    data = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "Organization", "@id": "#org", "name": "Delta &amp; Sons"},
            {
                "@type": "NewsArticle",
                "headline": "Floods Recede",
                "datePublished": "2023-01-09T08:00:00Z",
                "publisher": {"@id": "#org"},
            },
        ],
    }
    page = html(f'<script type="application/ld+json">{json.dumps(data)}</script>')

    assert extract(page) == Metadata("Floods Recede", "Delta & Sons", date(2023, 1, 9))


@pytest.mark.parametrize(
    "data",
    [
        [{"@type": "WebSite", "name": "x"}, {"headline": "H", "publisher": "P"}],
        {"headline": ["H", "other"], "publisher": [{"name": "P"}, {"name": "Q"}]},
        {"headline": "H", "publisher": {"@type": "Organization", "name": "P"}},
    ],
)
def test_json_ld_is_read_in_its_common_shapes(data):
    page = html(f'<script type="application/ld+json">{json.dumps(data)}</script>')

    assert (extract(page).title, extract(page).publisher) == ("H", "P")


def test_json_ld_wrapped_in_comment_markers_does_not_break_the_page():
    page = html(
        '<script type="application/ld+json; charset=utf-8">'
        '<!--//<![CDATA[\n{"headline": "H"}\n]]>-->'
        "</script>"
    )

    # A page that wraps JSON in JavaScript comments is not JSON; it is skipped, not a crash.
    assert extract(page).title in ("H", "")


def test_the_title_element_is_the_last_resort():
    page = html("<title>\n  Plain &amp; Simple\n  Title </title>")

    assert extract(page) == Metadata(title="Plain & Simple Title")


@pytest.mark.parametrize(
    ("head", "title"),
    [
        ('<meta name="twitter:title" content="T"><title>X</title>', "T"),
        ('<meta name="twitter:title" content="T"><meta property="og:title" content="O">', "O"),
        ('<meta property="og:title" content=""><meta name="citation_title" content="C">', "C"),
        ('<meta name="citation_title" content="C"><meta name="dc.title" content="D">', "C"),
        ('<meta property="og:title" content="First"><meta property="og:title" content="Again">',
         "First"),
        ('<script type="application/ld+json">{"headline": "L"}</script><title>X</title>', "L"),
        ('<script type="application/ld+json">{"headline": "L"}</script>'
         '<meta name="twitter:title" content="T">', "L"),
    ],
)  # fmt: skip
def test_which_title_wins(head, title):
    assert extract(html(head)).title == title


def test_entities_are_decoded_and_white_space_collapsed():
    page = html('<meta property="og:title" content="  Tom &amp; Jerry&#x21;\n\t Again ">')

    assert extract(page).title == "Tom & Jerry! Again"


def test_long_values_are_cut_with_an_ellipsis():
    page = html(
        f'<meta property="og:title" content="{"word " * 100}">'
        f'<meta property="og:site_name" content="{"p" * 500}">'
    )

    found = extract(page)

    assert len(found.title) == 300 and found.title.endswith("word…")
    assert found.publisher == "p" * 199 + "…"


def test_tags_inside_comments_and_scripts_are_not_read():
    page = html(
        '<!-- <meta property="og:title" content="Commented out"> -->'
        '<script>document.write(\'<meta property="og:title" content="Scripted">\')</script>'
        '<style>/* <meta property="og:title" content="Styled"> */</style>'
        '<meta property="og:title" content="Real">'
    )

    assert extract(page).title == "Real"


@pytest.mark.parametrize(
    "page",
    [
        b"",
        b"<",
        b"<meta",
        b'<meta property="og:title" content="Unclosed',
        b"<meta property='og:title' content='A' <title>B",
        b"<title>Never closed",
        b"<!-- never closed <title>T</title>",
        b"<script>never closed <title>T</title>",
        b'<script type="application/ld+json">{"headline": ',
        b'<script type="application/ld+json">' + b"[" * 100_000 + b"</script>",
        b'<script type="application/ld+json">{"headline": 1' + b"0" * 5000 + b"}</script>",
        b'<script type="application/ld+json">"just a string"</script>',
        b'<script type="application/ld+json">{"@graph": {"@graph": {"@graph": []}}}</script>',
        b"<![CDATA[ <title>x</title>",
        b"<?xml version='1.0'?><title>x</title>",
        b"<title><title><title></title>",
        b"<meta content>" * 3000,
        b"\x00\xff\xfe<title>\x00</title>",
        b"<html><head><meta charset=utf-16><title>T</title>",
        "<title>\ud800 lone surrogate</title>".encode("utf-8", "surrogatepass"),
    ],
)
def test_broken_markup_never_raises(page):
    found = extract(page)

    assert isinstance(found, Metadata)
    assert carriable(found.title) == found.title


@pytest.mark.parametrize(
    "page",
    [
        "<a" * 500_000,
        "</" * 500_000,
        "<!" * 500_000,
        "<meta " * 160_000,
        '<meta "' * 140_000,
        "<title>" * 140_000,
        "<script>" * 120_000,
        "<!--" * 250_000,
        "<meta content='" + "x" * 999_000,
        "&" * 1_000_000,
    ],
    ids=lambda page: page[:8],
)
def test_a_megabyte_of_hostile_markup_is_read_in_linear_time(page):
    start = time.monotonic()

    extract(page.encode())

    assert time.monotonic() - start < 1.5


@pytest.mark.parametrize("text", NAUGHTY)
def test_naughty_strings_in_every_place_a_value_is_read(text):
    value = escape(text)
    ld = json.dumps({"headline": text, "publisher": {"name": text}, "datePublished": text})
    ld = ld.replace("</", "<\\/")
    page = html(
        f'<meta property="og:title" content="{value}">'
        f"<meta property='og:site_name' content='{value}'>"
        f'<meta property="article:published_time" content="{value}">'
        f"<title>{value}</title>"
        f'<script type="application/ld+json">{ld}</script>'
    )

    found = extract(page)

    expected = " ".join(carriable(text).split())[:300]
    if found.title != expected:  # cut with an ellipsis
        assert found.title.endswith("…") and expected.startswith(found.title[:-1])
    assert len(found.publisher) <= 200
    assert found.published is None or isinstance(found.published, date)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2024-03-05", date(2024, 3, 5)),
        ("2024-03-05T23:30:00-05:00", date(2024, 3, 5)),
        ("2024-03-05T01:00:00+14:00", date(2024, 3, 5)),
        ("2024-03-05 10:00", date(2024, 3, 5)),
        (" 2024/3/5", date(2024, 3, 5)),
        ("2024.03.05", date(2024, 3, 5)),
        ("Tue, 05 Mar 2024 10:00:00 GMT", date(2024, 3, 5)),
        ("Tue, 05 Mar 2024 23:59:00 -0800", date(2024, 3, 5)),
        ("2024", None),
        ("2024-03", None),
        ("2024-02-30", None),
        ("2024-13-01", None),
        ("0000-01-01", None),
        ("20240305", None),
        ("05/03/2024", None),
        ("yesterday", None),
        ("", None),
        ("9" * 5000, None),
    ],
)
def test_a_date_is_read_as_written_or_not_at_all(text, day):
    assert parse_date(text) == day


def test_the_first_date_that_parses_wins():
    page = html(
        '<meta property="article:published_time" content="soon">'
        '<meta name="citation_publication_date" content="2020">'
        '<meta name="dc.date" content="2020-06-15">'
    )

    assert extract(page).published == date(2020, 6, 15)


@pytest.mark.parametrize(
    ("body", "charset", "text"),
    [
        ("Kaffee für Ärzte".encode("cp1252"), "iso-8859-1", "Kaffee für Ärzte"),
        ("Кофе".encode("cp1251"), "windows-1251", "Кофе"),
        ("珈琲".encode("shift_jis"), "Shift_JIS", "珈琲"),
        ("Café".encode(), "UTF-8", "Café"),
        ("Café".encode(), "x-no-such-charset", "Café"),
        ("Café".encode(), "rot13", "Café"),
        ("Café".encode(), "base64", "Café"),
        ("Café".encode(), "idna", "Café"),
        ("Café".encode(), "", "Café"),
        ("Café".encode("cp1252"), None, "Café"),
        (codecs.BOM_UTF8 + "Café".encode(), "iso-8859-1", "Café"),
        (codecs.BOM_UTF16_LE + "Café".encode("utf-16-le"), None, "Café"),
        (codecs.BOM_UTF16_BE + "Café".encode("utf-16-be"), "utf-8", "Café"),
    ],
)
def test_the_charset_of_the_header_is_used_when_it_is_a_web_encoding(body, charset, text):
    assert decode(body, charset=charset) == text


@pytest.mark.parametrize(
    ("head", "encoding"),
    [
        ("<meta charset='windows-1251'>", "cp1251"),
        ('<meta charset="koi8-r">', "koi8-r"),
        ('<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-15">', "iso8859-15"),
        ("<meta charset=utf-16>", "utf-8"),
    ],
)
def test_the_charset_of_a_meta_tag_is_used_without_a_header(head, encoding):
    title = "Кофе" if encoding in ("cp1251", "koi8-r") else "Café €"
    page = f"<html><head>{head}<title>{title}</title></head></html>".encode(encoding)

    assert extract(page).title == title


def test_the_header_charset_wins_over_the_meta_tag():
    page = "<meta charset=windows-1251><title>Café</title>".encode()

    assert extract(page, charset="utf-8").title == "Café"


def test_a_character_cut_where_reading_stopped_does_not_change_the_encoding():
    page = "<title>Café</title><p>".encode() + "€".encode()[:2]

    assert extract(page).title == "Café"


def test_bytes_that_are_not_utf8_are_read_as_windows_1252():
    page = "<title>Café € déjà vu</title>".encode("cp1252") + b"\x81"

    assert extract(page).title == "Café € déjà vu"
