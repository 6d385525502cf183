import pytest

from articles.rendering import render_markdown

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
