"""The rule for text a reader sends, at its home: what is dropped, and what is kept."""

import pytest

from articles.text import carriable, carriable_values


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("Roses are \x1b[0;31mred\x1b[0m", "Roses are [0;31mred[0m"),
        ("The quic\x08\x08k", "The quick"),
        ("vertical\x0btab and form\x0cfeed", "verticaltab and formfeed"),
        ("nul\x00byte", "nulbyte"),
        ("bell\x07", "bell"),
        ("del\x7f and c1\x85\x9f", "del and c1"),
        ("lone \ud800 surrogate", "lone  surrogate"),
        ("non\ufffecharacters\uffff\U0001fffe\U0010ffff\ufdd0", "noncharacters"),
        ("tab\tnew line\ncarriage\r", "tab\tnew line\ncarriage\r"),
        ("é 中文 😀 \u200b zero width \u202e rtl", "é 中文 😀 \u200b zero width \u202e rtl"),
        ("<script>alert(1)</script>", "<script>alert(1)</script>"),  # escaping is the output's job
        ("", ""),
    ],
)
def test_only_characters_xml_and_html_cannot_carry_are_dropped(sent, stored):
    assert carriable(sent) == stored


def test_values_are_cleaned_inside_lists_and_dicts_and_others_are_left():
    assert carriable_values({"a": "x\x1b", "b": ["y\x00", 3], "c": None}) == {
        "a": "x",
        "b": ["y", 3],
        "c": None,
    }
