"""The word-level diff between two texts (articles/revisions.py): pure functions, fixed texts."""

import random
import time

import pytest

from articles.revisions import changed_words, compare, diff_html, diff_words, map_offset, tokens

CASES = [
    # (before, after, the diff as (kind, text) steps)
    ("the cat sat", "the black cat sat", [("equal", "the "), ("insert", "black "), ("equal", "cat sat")]),
    ("the black cat sat", "the cat sat", [("equal", "the "), ("delete", "black "), ("equal", "cat sat")]),
    ("the cat sat", "the dog sat", [("equal", "the "), ("delete", "cat"), ("insert", "dog"), ("equal", " sat")]),
    ("Costs rose.", "Costs rose!", [("equal", "Costs rose"), ("delete", "."), ("insert", "!")]),
    # a rewritten sentence is one deletion and one insertion, not a comb of single words
    (
        "Freight was cheap and schedules were predictable.",
        "Shipping became costly and nobody could plan.",
        [("delete", "Freight was cheap and schedules were predictable"), ("insert", "Shipping became costly and nobody could plan"), ("equal", ".")],
    ),
    # but two changes around a real stretch of kept words stay two
    (
        "I think the plan works",
        "I know the plan fails",
        [("equal", "I "), ("delete", "think"), ("insert", "know"), ("equal", " the plan "), ("delete", "works"), ("insert", "fails")],
    ),
    # whole paragraphs (blocks between blank lines) come and go whole
    ("One.\n\nTwo.", "One.\n\nNew.\n\nTwo.", [("equal", "One.\n\n"), ("insert", "New.\n\n"), ("equal", "Two.")]),
    ("One.\n\nOld.\n\nTwo.", "One.\n\nTwo.", [("equal", "One.\n\n"), ("delete", "Old.\n\n"), ("equal", "Two.")]),
    ("a b\n\nc d", "a B\n\nc D", [("equal", "a "), ("delete", "b"), ("insert", "B"), ("equal", "\n\nc "), ("delete", "d"), ("insert", "D")]),
    ("", "", []),
    ("", "New.", [("insert", "New.")]),
    ("Gone.", "", [("delete", "Gone.")]),
    # Unicode: words in any script, and never half a character
    ("Un café noir", "Un café crème", [("equal", "Un café "), ("delete", "noir"), ("insert", "crème")]),
    ("Привет мир", "Привет, мир", [("equal", "Привет"), ("insert", ","), ("equal", " мир")]),
    ("e\u0301te\u0301 et hiver", "e\u0301te\u0301 ou hiver", [("equal", "e\u0301te\u0301 "), ("delete", "et"), ("insert", "ou"), ("equal", " hiver")]),
    ("Thumbs 👍🏽 up", "Thumbs 👍🏿 up", [("equal", "Thumbs "), ("delete", "👍🏽"), ("insert", "👍🏿"), ("equal", " up")]),
    ("🇫🇷🇩🇪", "🇫🇷🇮🇹", [("equal", "🇫🇷"), ("delete", "🇩🇪"), ("insert", "🇮🇹")]),
    ("👨\u200d👩\u200d👧 home", "👨\u200d👩\u200d👦 home", [("delete", "👨\u200d👩\u200d👧"), ("insert", "👨\u200d👩\u200d👦"), ("equal", " home")]),
    ("東京は大きい", "東京は小さい", [("equal", "東京は"), ("delete", "大き"), ("insert", "小さ"), ("equal", "い")]),
]  # fmt: skip


@pytest.mark.parametrize(("before", "after", "steps"), CASES)
def test_word_level_diff_of_fixed_texts(before, after, steps):
    assert [(op.kind, op.text) for op in diff_words(before, after)] == steps


def _pairs():
    yield from ((before, after) for before, after, _ in CASES)
    rng = random.Random(7)
    words = ["risk", "the", "cost", "ship", "Strait", "—", "café", "👍🏽", "東", "\n\n", ",", "."]
    for _ in range(200):
        before = " ".join(rng.choice(words) for _ in range(rng.randrange(0, 40)))
        after = " ".join(rng.choice(words) for _ in range(rng.randrange(0, 40)))
        yield before, after


def test_the_steps_rebuild_both_texts_at_their_offsets():
    for before, after in _pairs():
        ops = diff_words(before, after)
        assert "".join(op.text for op in ops if op.kind != "insert") == before
        assert "".join(op.text for op in ops if op.kind != "delete") == after
        a_at = b_at = 0
        for op in ops:
            assert (op.a_start, op.b_start) == (a_at, b_at), (before, after)
            if op.kind != "insert":
                assert before[op.a_start : op.a_end] == op.text
            if op.kind != "delete":
                assert after[op.b_start : op.b_end] == op.text
            a_at, b_at = op.a_end, op.b_end
        assert (a_at, b_at) == (len(before), len(after))


def test_a_token_never_splits_a_character_a_reader_sees_as_one():
    assert tokens("e\u0301t\u00e9 👍🏽!") == ["e\u0301t\u00e9", " ", "👍🏽", "!"]
    assert tokens("🇫🇷🇩🇪") == ["🇫🇷", "🇩🇪"]
    assert tokens("a\u200db") == ["a\u200db"]
    assert tokens("東京 Tokyo") == ["東", "京", " ", "Tokyo"]


def test_offsets_map_from_one_revision_to_the_next():
    before = "Ships pay war-risk premiums.\n\nRates follow."
    after = "Insurers say ships pay war-risk premiums.\n\nRates follow quickly."
    ops = diff_words(before, after)

    for word in ("war-risk", "Rates", "follow"):
        mapped, kept = map_offset(ops, before.index(word))
        assert kept and after[mapped : mapped + len(word)] == word
    # a deleted character lands where its deletion was; the end goes to the end
    assert map_offset(ops, 0) == (0, False)  # "Ships" became "Insurers say ships"
    assert map_offset(ops, len(before)) == (len(after), True)


def test_the_html_marks_each_change_for_eyes_and_for_screen_readers():
    html = diff_html(diff_words("the cat sat", "the dog sat"))
    assert html == (
        "<p>the "
        '<del><span class="visually-hidden">deleted: </span>cat'
        '<span class="visually-hidden"> end of deletion</span></del>'
        '<ins><span class="visually-hidden">inserted: </span>dog'
        '<span class="visually-hidden"> end of insertion</span></ins>'
        " sat</p>"
    )


def test_the_html_keeps_paragraphs_and_line_breaks_and_escapes_the_text():
    html = diff_html(diff_words("One <b>.\n\nTwo", "One <b>.\n\nNew\nline\n\nTwo"))
    assert html.startswith("<p>One &lt;b&gt;.</p><p><ins>")
    assert "New<br>line" in html
    assert html.endswith("</ins></p><p>Two</p>")
    assert "<b>" not in html


def test_changed_words_counts_words_not_spaces_or_punctuation():
    ops = diff_words("The cat sat.", "The big black cat sat, alone!")
    assert changed_words(ops) == (3, 0)


def test_compare_reports_each_field():
    title, body = compare([("Title", "Same", "Same"), ("Text", "Old words.", "New words.")])
    assert (title.name, title.changed, title.inserted, title.deleted) == ("Title", False, 0, 0)
    assert body.changed and (body.inserted, body.deleted) == (1, 1)
    assert "<del>" in body.html and "<ins>" in body.html


@pytest.mark.parametrize("vocabulary", [2, 10, 50, 5000])
def test_long_texts_of_few_words_are_diffed_in_bounded_time(vocabulary):
    # difflib alone takes minutes on 20,000 words drawn from 50 (its work grows with the square)
    rng = random.Random(vocabulary)
    words = [f"w{n}" for n in range(vocabulary)]
    before = " ".join(rng.choice(words) for _ in range(20_000))
    after = " ".join(rng.choice(words) for _ in range(20_000))

    started = time.perf_counter()
    ops = diff_words(before, after)

    # A guard against the quadratic case (minutes), not a speed target: seconds here even on
    # a loaded machine; the figures are in `make bench`.
    assert time.perf_counter() - started < 60
    assert "".join(op.text for op in ops if op.kind != "delete") == after


def test_a_long_paragraph_with_few_changes_keeps_word_precision():
    rng = random.Random(3)
    words = [f"w{n}" for n in range(3000)]
    before = " ".join(rng.choice(words) for _ in range(2000))  # one block, far past the limit
    after = before.replace(before.split()[1000], "CHANGED", 1)

    changes = [op for op in diff_words(before, after) if op.kind != "equal"]

    assert [op.kind for op in changes] == ["delete", "insert"]
    assert changes[1].text == "CHANGED"
