import re

import pytest

from articles.rendering import plain_text, render_html, render_markdown, text_blocks

ATTACKS = [
    ("<script>alert('x')</script>Hello", ["<script", "alert("]),
    ('<img src="x.png" onerror="alert(1)">', ["onerror", "alert("]),
    ("<svg onload=alert(1)><circle /></svg>", ["<svg", "onload"]),
    ("[click](javascript:alert(1))", ["javascript:"]),
    ('<a href="JaVaScRiPt:alert(1)">click</a>', ["javascript:", "JaVaScRiPt"]),
    ('<a href="vbscript:msgbox(1)">click</a>', ["vbscript:"]),
    ("![pixel](data:image/png;base64,iVBORw0KGgo=)", ["data:"]),
    ('<a href="data:text/html,<script>alert(1)</script>">x</a>', ["data:", "<script"]),
    ('<iframe src="https://evil.example/"></iframe>', ["<iframe"]),
    ('<p style="position:fixed;inset:0">cover</p>', ["style="]),
    ('<form action="/steal"><input name="pw"></form>', ["<form", "<input"]),
    ('<a href="/x" onclick="steal()">x</a>', ["onclick", "steal("]),
    ("<style>body{display:none}</style>text", ["<style", "display:none"]),
    ('<object data="x.swf"></object><embed src="x.swf">', ["<object", "<embed"]),
]


@pytest.mark.parametrize(("markdown", "forbidden"), ATTACKS)
def test_dangerous_markup_is_removed(markdown, forbidden):
    html = render_markdown(markdown).html
    for needle in forbidden:
        assert needle.lower() not in html.lower()


def test_long_form_markdown_keeps_its_structure():
    html = render_markdown(
        "Intro with **bold** and *emphasis*.\n\n"
        "## First section\n\n1. one\n2. two\n\n- a\n- b\n\n> A quote\n\n"
        "| Scenario | Odds |\n|:--|--:|\n| Base | 60% |\n\n"
        "[IMF](https://www.imf.org/) and ![chart](/media/chart.png)\n"
    ).html
    for fragment in [
        "<strong>bold</strong>",
        "<em>emphasis</em>",
        '<h2 id="first-section">',
        "<ol>",
        "<ul>",
        "<blockquote>",
        "<table>",
        '<td align="right">60%</td>',
        'href="https://www.imf.org/"',
        'rel="noopener noreferrer"',
        '<img alt="chart" src="/media/chart.png">',
    ]:
        assert fragment in html


def test_headings_get_anchors_and_a_table_of_contents():
    rendered = render_markdown("## Why it matters\n\ntext\n\n### The detail\n\n#### Too deep\n")
    assert rendered.toc == [
        {"id": "why-it-matters", "title": "Why it matters", "level": 2},
        {"id": "the-detail", "title": "The detail", "level": 3},
    ]
    assert 'href="#why-it-matters"' in rendered.html


def test_a_top_level_heading_in_the_body_becomes_a_section():
    html = render_markdown("# Not the title\n\ntext").html
    assert "<h1" not in html
    assert '<h2 id="not-the-title">' in html


@pytest.mark.parametrize(("words", "minutes"), [(1, 1), (230, 1), (231, 2), (2300, 10)])
def test_reading_time_rounds_up_at_230_words_a_minute(words, minutes):
    assert render_markdown(" ".join(["word"] * words)).reading_minutes == minutes


def test_a_wide_table_scrolls_in_a_region_the_keyboard_reaches():
    html = render_markdown("| a | b |\n|---|---|\n| 1 | 2 |\n\ntext\n\n| c |\n|---|\n| 3 |\n").html

    assert html.count('<div class="table-scroll" role="region" tabindex="0"') == 2
    assert 'aria-label="Table 1"' in html and 'aria-label="Table 2"' in html
    assert html.count("</table></div>") == 2


def _paragraph_ids(html: str) -> dict[str, str]:
    return {text: ident for ident, text in re.findall(r'<p id="([^"]+)">(.*?)</p>', html)}


def test_every_paragraph_has_an_id_that_survives_edits_elsewhere():
    before = _paragraph_ids(render_markdown("First.\n\nSecond.\n\nThird.").html)
    after = _paragraph_ids(
        render_markdown("A new opening.\n\nFirst.\n\nSecond, edited.\n\nThird.").html
    )

    assert set(before) == {"First.", "Second.", "Third."}
    assert all(re.fullmatch(r"p-[0-9a-f]{8}", ident) for ident in before.values())
    assert after["First."] == before["First."] and after["Third."] == before["Third."]
    assert after["Second, edited."] not in before.values()


def test_repeated_paragraphs_get_ids_of_their_own():
    html = render_markdown("Same.\n\nSame.\n\n![a](/a.png)\n\n![b](/b.png)").html
    ids = re.findall(r'<p id="([^"]+)">', html)
    assert len(ids) == len(set(ids)) == 4
    assert ids[1] == ids[0] + "-2"


def test_imported_headings_and_paragraphs_get_ids_too():
    html = render_html("<h2>Context</h2><p>Text.</p><h2>Context</h2><h3 id='kept'>Kept</h3>").html
    assert '<h2 id="context">' in html and '<h2 id="context-2">' in html
    assert '<h3 id="kept">' in html
    assert re.search(r'<p id="p-[0-9a-f]{8}">Text.</p>', html)


def test_plain_text_is_the_rendered_text_block_by_block():
    html = render_markdown(
        "Opening &amp; *emphasis*,\nwrapped.\n\n"
        "## A section\n\n"
        "- one\n- two\n\n"
        "> quoted\n\n"
        "```\ncode  line\n\n  indented\n```\n\n"
        "| Scenario | Odds |\n|---|---|\n| Base | 60% |\n\n"
        "![chart](/chart.png)\n\n"
        "Line one  \nline two\n\n"
        "---\n\n"
        '"Smart" quotes -- and more...'
    ).html

    assert plain_text(html) == (
        "Opening & emphasis, wrapped.\n\n"
        "A section\n\n"  # without the "#" link that headings carry
        "one\n\ntwo\n\n"
        "quoted\n\n"
        "code  line\n  indented\n\n"
        "Scenario\n\nOdds\n\nBase\n\n60%\n\n"
        "Line one\nline two\n\n"
        "\u201cSmart\u201d quotes \u2013 and more\u2026"
    )
    blocks = text_blocks(html)
    assert blocks[1].id == "a-section" and blocks[0].id.startswith("p-")
    assert blocks[2].id == ""  # a list item has no id of its own


def test_plain_text_is_the_same_for_the_same_html():
    html = render_markdown("Some *text*.\n\n## Head\n\nMore.").html
    assert plain_text(html) == plain_text(html) == "Some text.\n\nHead\n\nMore."
    assert plain_text("") == ""
