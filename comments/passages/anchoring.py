"""Placing anchors in a text, and again in the next revision of it. Pure: no database.

Re-placing an anchor after a revision goes in two steps, as Hypothesis does:
1. map its offsets through the diff between the two texts (the word diff the revision pages
   show, computed once for every anchor of the article); where the words at the mapped
   offsets are still the exact words, the anchor is `anchored`;
2. otherwise search the new text for the quote, fuzzily (rapidfuzz's alignment of the quote
   with the text, near the mapped place first, then anywhere), and score each candidate on
   the quote (50), prefix (20) and suffix (20) it has around it, and its closeness to the
   mapped place (2). The best candidate whose quote is close enough makes the anchor `moved`;
   with none the anchor is `orphaned`, and keeps its last place and words: a comment is never
   dropped because the text it answered went.

The diff is the project's own (one diff for the pages that show changes and for anchors, so
a passage moves exactly as the diff a reader sees says it did). The fuzzy search is
rapidfuzz's: its C++ alignment finds the best approximate occurrence of a quote in a long
text in well under a millisecond, where diff-match-patch's Bitap search (what Hypothesis
first used) stops at 32 characters and approx-string-match has no Python port.
"""

from bisect import bisect_right
from dataclasses import dataclass

from rapidfuzz import fuzz

from articles.revisions import diff_words

CONTEXT = 32  # characters of prefix and suffix kept with an anchor
QUOTE_LENGTH = 2000  # the longest passage a comment may answer
ANCHORED, MOVED, ORPHANED = "anchored", "moved", "orphaned"
STATES = (ANCHORED, MOVED, ORPHANED)
# How much a candidate's quote, prefix, suffix and place count (the weights Hypothesis uses).
WEIGHTS = {"quote": 50, "prefix": 20, "suffix": 20, "place": 2}
MIN_QUOTE_SIMILARITY = 0.75  # below this, the words are gone, not moved
NEARBY = 2000  # characters either side of the mapped place searched first
SHORT = 12  # a quote shorter than this moves only to its exact words: fuzzy is guessing


@dataclass(frozen=True)
class Anchor:
    exact: str
    prefix: str
    suffix: str
    start: int
    end: int


@dataclass(frozen=True)
class Placed:
    start: int
    end: int
    state: str
    score: float = 1.0


def anchor_at(text: str, start: int, end: int) -> Anchor:
    """The anchor of text[start:end], with its context."""
    return Anchor(
        exact=text[start:end],
        prefix=text[max(0, start - CONTEXT) : start],
        suffix=text[end : end + CONTEXT],
        start=start,
        end=end,
    )


def why_not_anchorable(text: str, anchor: Anchor) -> str:
    """Why `anchor` does not describe a passage of `text` ("" when it does): a form's check
    that the quote is in the revision the reader was reading, where the reader's browser
    said it was (its context as well, so that it says which of several occurrences)."""
    if not anchor.exact.strip():
        return "Select the words of the article your comment is about."
    if len(anchor.exact) > QUOTE_LENGTH:
        return f"A passage has at most {QUOTE_LENGTH:,} characters; select fewer words."
    if not 0 <= anchor.start < anchor.end <= len(text):
        return "That passage is not in the article as you read it."
    if anchor_at(text, anchor.start, anchor.end) != anchor:
        return "That passage is not in the article as you read it."
    return ""


class OffsetMap:
    """Offsets of one text mapped to the next, through the word diff the revision pages
    show (`articles.revisions.diff_words`); built once, O(log n) a lookup. An offset inside
    deleted text maps to where the deletion was."""

    def __init__(self, old: str, new: str):
        runs = [op for op in diff_words(old, new) if op.kind != "insert"]
        self._old = [op.a_start for op in runs]
        self._new = [op.b_start for op in runs]
        self._kept = [op.kind == "equal" for op in runs]
        self._end = len(new)

    def __call__(self, offset: int) -> int:
        run = bisect_right(self._old, offset) - 1
        if run < 0:
            return 0
        if self._kept[run]:
            return min(self._end, self._new[run] + (offset - self._old[run]))
        return self._new[run]


def _similarity(a: str, b: str) -> float:
    if not a and not b:
        return 1.0
    return fuzz.ratio(a, b) / 100


def _candidates(text: str, anchor: Anchor, hint: int) -> list[tuple[int, int]]:
    exact = anchor.exact
    found: set[tuple[int, int]] = set()
    at = text.find(exact)
    while at != -1 and len(found) < 50:
        found.add((at, at + len(exact)))
        at = text.find(exact, at + 1)
    if len(exact) < SHORT:
        return sorted(found)
    window_start = max(0, hint - NEARBY)
    for lo, hi in ((window_start, hint + len(exact) + NEARBY), (0, len(text))):
        piece = text[lo:hi]
        if not piece:
            continue
        alignment = fuzz.partial_ratio_alignment(exact, piece)
        if alignment is not None and alignment.score:
            found.add((lo + alignment.dest_start, lo + alignment.dest_end))
    return sorted(found)


def _refine(text: str, exact: str, start: int, end: int) -> tuple[int, int]:
    """Move a candidate's ends to where its words are most like the quote (an alignment
    has the quote's length; an edited passage rarely does): the start first, then the end."""
    slack = max(2, len(exact) // 5)

    def best(options, span):
        return max(options, key=lambda option: (_similarity(exact, text[span(option)]), -abs(
            option - options[len(options) // 2]
        )))  # fmt: skip

    starts = [s for s in range(start - slack, start + slack + 1) if 0 <= s < end]
    start = best(starts, lambda s: slice(s, end))
    ends = [e for e in range(end - slack, end + slack + 1) if start < e <= len(text)]
    end = best(ends, lambda e: slice(start, e))
    return start, end


def locate(text: str, anchor: Anchor, hint: int) -> Placed:
    """The best place for `anchor` in `text`, searching near `hint`; ORPHANED if none."""
    best: Placed | None = None
    total = sum(WEIGHTS.values())
    for start, end in _candidates(text, anchor, hint):
        if text[start:end] != anchor.exact:
            start, end = _refine(text, anchor.exact, start, end)
        quote = _similarity(anchor.exact, text[start:end])
        if quote < MIN_QUOTE_SIMILARITY:
            continue
        prefix = _similarity(anchor.prefix, text[max(0, start - len(anchor.prefix)) : start])
        suffix = _similarity(anchor.suffix, text[end : end + len(anchor.suffix)])
        place = 1 - min(1.0, abs(start - hint) / max(1, len(text)))
        score = (
            WEIGHTS["quote"] * quote
            + WEIGHTS["prefix"] * prefix
            + WEIGHTS["suffix"] * suffix
            + WEIGHTS["place"] * place
        ) / total
        if best is None or score > best.score:
            best = Placed(start, end, MOVED, round(score, 4))
    return best or Placed(anchor.start, anchor.end, ORPHANED, 0.0)


def reanchor(old: str, new: str, anchors: list[Anchor]) -> list[Placed]:
    """Where each anchor of `old` is in `new` (see the module's docstring)."""
    if old == new:
        return [Placed(a.start, a.end, ANCHORED) for a in anchors]
    mapped = OffsetMap(old, new)
    placed = []
    for anchor in anchors:
        start, end = mapped(anchor.start), mapped(anchor.end)
        if new[start:end] == anchor.exact:
            placed.append(Placed(start, end, ANCHORED))
        else:
            placed.append(locate(new, anchor, start))
    return placed
