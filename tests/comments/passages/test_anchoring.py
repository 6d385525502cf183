"""Anchors find their words again in the next revision: mapped through the diff where the
words are intact, searched for where they moved or changed a little, orphaned (never lost)
where they are gone."""

import pytest

from comments.passages.anchoring import (
    ANCHORED,
    MOVED,
    ORPHANED,
    QUOTE_LENGTH,
    OffsetMap,
    anchor_at,
    locate,
    reanchor,
    why_not_anchorable,
)

OLD = (
    "Growth held up in the third quarter. Consumers kept spending despite high rates.\n\n"
    "Inflation fell to 2 percent in October, the lowest in three years.\n\n"
    "The central bank signalled that rates will stay where they are until spring.\n\n"
    "Housing remains the weak spot: permits dropped for the fifth month running."
)


def _anchor(text, words):
    start = text.index(words)
    return anchor_at(text, start, start + len(words))


def test_an_anchor_keeps_its_context():
    anchor = _anchor(OLD, "Inflation fell to 2 percent")
    assert anchor.exact == "Inflation fell to 2 percent"
    assert anchor.prefix == OLD[anchor.start - 32 : anchor.start]
    assert anchor.suffix == " in October, the lowest in three"
    assert why_not_anchorable(OLD, anchor) == ""


@pytest.mark.parametrize(
    "change",
    [
        {"exact": "Inflation fell to 3 percent"},
        {"start": 0},
        {"prefix": "something else entirely"},
        {"exact": ""},
        {"start": 10**6, "end": 10**6 + 5},
    ],
    ids=["words not there", "offsets elsewhere", "other context", "empty", "out of range"],
)
def test_an_anchor_that_is_not_in_the_text_is_refused(change):
    anchor = _anchor(OLD, "Inflation fell to 2 percent")
    forged = anchor.__class__(**{**anchor.__dict__, **change})
    assert why_not_anchorable(OLD, forged) != ""


def test_a_passage_longer_than_the_limit_is_refused():
    text = "word " * QUOTE_LENGTH
    assert "at most" in why_not_anchorable(text, anchor_at(text, 0, QUOTE_LENGTH + 1))


def test_offsets_map_through_insertions_and_deletions():
    old, new = "abc def ghi", "abc XX def ghi"
    mapped = OffsetMap(old, new)
    assert [mapped(i) for i in (0, 4, 8, 11)] == [0, 7, 11, 14]
    gone = OffsetMap("abc def ghi", "abc ghi")
    assert gone(8) == 4
    assert gone(5) == 4  # inside the deleted words: where they were


def test_an_unchanged_text_keeps_every_anchor():
    anchors = [_anchor(OLD, "Housing remains the weak spot")]
    assert reanchor(OLD, OLD, anchors)[0].state == ANCHORED


def test_a_revision_anchors_moves_and_orphans_and_loses_nothing():
    new = (
        "Breaking: the central bank cut rates by a quarter point this morning.\n\n"
        "Growth held up in the third quarter. Consumers kept spending despite high rates.\n\n"
        "Housing remains the weak spot: permits dropped for the sixth month running.\n\n"
        "Inflation fell to 2.1 percent in October, the lowest in three years."
    )
    anchors = [
        _anchor(OLD, "Consumers kept spending despite high rates"),  # intact, shifted
        _anchor(OLD, "Inflation fell to 2 percent in October"),  # edited and moved down
        _anchor(OLD, "permits dropped for the fifth month running"),  # edited in place
        _anchor(OLD, "rates will stay where they are until spring"),  # deleted
    ]
    placed = reanchor(OLD, new, anchors)
    assert len(placed) == len(anchors)
    assert [p.state for p in placed] == [ANCHORED, MOVED, MOVED, ORPHANED]
    assert new[placed[0].start : placed[0].end] == anchors[0].exact
    assert new[placed[1].start : placed[1].end] == "Inflation fell to 2.1 percent in October"
    assert new[placed[2].start : placed[2].end] == "permits dropped for the sixth month running"
    # The orphan keeps its old place; its words are kept with the comment.
    assert (placed[3].start, placed[3].end) == (anchors[3].start, anchors[3].end)


def test_the_context_decides_between_two_occurrences_of_the_same_words():
    old = "In spring, rates rose sharply. In autumn, rates rose slowly."
    second = old.rindex("rates rose")
    anchor = anchor_at(old, second, second + len("rates rose"))
    new = "In autumn, rates rose slowly. In spring, rates rose sharply."
    placed = locate(new, anchor, hint=second)
    assert new[: placed.start] == "In autumn, "


def test_a_short_quote_moves_only_to_its_exact_words():
    old = "The cat sat. The dog ran."
    anchor = _anchor(old, "cat")
    assert reanchor(old, "A bat sat. The dog ran.", [anchor])[0].state == ORPHANED
    assert reanchor(old, "Now the cat sat.", [anchor])[0].state in (ANCHORED, MOVED)


def test_naughty_text_does_not_break_anchoring():
    old = (
        "\uff34\uff48\uff45 \U0001d565 \U0001f469\U0001f3fd\u200d\U0001f680 and "
        "\u202ereversed\u202c text, \u0000 and <script>."
    )
    anchor = _anchor(old, "\U0001f469\U0001f3fd\u200d\U0001f680 and \u202ereversed\u202c")
    placed = reanchor(old, "Intro. " + old, [anchor])[0]
    assert placed.state == ANCHORED
