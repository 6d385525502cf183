"""What changed between two texts, word by word: the diff the revision pages show, and the
offsets that carry a position in one revision's plain text over to another's.

Pure functions on strings, no database: give them two revisions' `plain_text` (or titles).

A text is cut into tokens: runs of letters and digits (a word), runs of whitespace, and every
other character on its own (punctuation, a symbol, an emoji, a CJK ideograph or kana, which
have no spaces between words). A token never splits a user-perceived character: combining
marks, variation selectors, skin-tone modifiers, zero-width joiners with what they join, and
pairs of regional indicators (flags) stay with the character they belong to. The token lists
are compared with difflib (within blocks, see `diff_words`), and the result is cleaned up as
diff-match-patch's "semantic" pass does: an unchanged run of fewer words than the changes on
either side of it (the space between two replaced words, a lone "the") is folded into them,
so a rewritten sentence reads as one deletion and one insertion, not a comb of single words.
"""

import bisect
import difflib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Literal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from articles.rendering import BLOCK_SEPARATOR

Kind = Literal["equal", "delete", "insert"]
EXACT_LIMIT = 160_000  # tokens before times tokens after that difflib is given at once


@dataclass(frozen=True)
class Op:
    """One step from text `a` to text `b`. `a[a_start:a_end]` is kept (equal) or removed
    (delete); `b[b_start:b_end]` is kept or added (insert). A deletion is empty in `b` and an
    insertion empty in `a`, at the position where it happens. In order, the ops cover both
    texts end to end: joining equal and delete texts gives `a`, equal and insert texts `b`."""

    kind: Kind
    a_start: int
    a_end: int
    b_start: int
    b_end: int
    text: str


def diff_words(a: str, b: str) -> list[Op]:
    """The word-level diff from `a` to `b`; where a change replaces text, its deletion comes
    just before its insertion.

    Blocks (the paragraphs of a plain text, between blank lines) are lined up first, whole,
    and words are compared only inside a run of blocks that changed: a new paragraph shows as
    one insertion, and no word of one paragraph is matched with a word of another."""
    a_blocks, b_blocks = _blocks(a), _blocks(b)
    matcher = difflib.SequenceMatcher(
        None,
        [a[start:end].removesuffix(BLOCK_SEPARATOR) for start, end in a_blocks],
        [b[start:end].removesuffix(BLOCK_SEPARATOR) for start, end in b_blocks],
        autojunk=False,
    )
    ops: list[Op] = []
    for _, i1, i2, j1, j2 in matcher.get_opcodes():
        a_lo, a_hi = _span(a_blocks, i1, i2, len(a))
        b_lo, b_hi = _span(b_blocks, j1, j2, len(b))
        ops += _diff_tokens(a, b, a_lo, a_hi, b_lo, b_hi)
    return _merge(ops, a, b)


def _opcodes(a_tokens: list[str], b_tokens: list[str], a_lo: int, b_lo: int) -> list[tuple]:
    """difflib's opcodes for two token lists, offset by `a_lo` and `b_lo`, in bounded time.

    difflib's work can grow with the square of the length (a long text of a few repeated
    words takes minutes), so it only gets runs small enough. A longer run is first cut at
    tokens found once in each text, in the same order (patience diff's anchors), and each
    piece is diffed the same way; a long piece without such a token is one replacement."""
    if len(a_tokens) * len(b_tokens) <= EXACT_LIMIT:
        # Spaces only join words to their neighbours' matches; block separators anchor
        # matches as words do.
        matcher = difflib.SequenceMatcher(_is_plain_space, a_tokens, b_tokens, autojunk=False)
        return [
            (tag, i1 + a_lo, i2 + a_lo, j1 + b_lo, j2 + b_lo)
            for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        ]
    anchors = _unique_common(a_tokens, b_tokens)
    if not anchors:
        return [("replace", a_lo, a_lo + len(a_tokens), b_lo, b_lo + len(b_tokens))]
    opcodes, i0, j0 = [], 0, 0
    for i, j in [*anchors, (len(a_tokens), len(b_tokens))]:
        opcodes += _opcodes(a_tokens[i0:i], b_tokens[j0:j], a_lo + i0, b_lo + j0)
        if i < len(a_tokens):
            opcodes.append(("equal", a_lo + i, a_lo + i + 1, b_lo + j, b_lo + j + 1))
        i0, j0 = i + 1, j + 1
    return opcodes


def _unique_common(a_tokens: list[str], b_tokens: list[str]) -> list[tuple[int, int]]:
    """Positions (i, j) of tokens found once in each list, the longest series of them that
    is in the same order in both."""
    a_count, b_count = Counter(a_tokens), Counter(b_tokens)
    in_b = {token: j for j, token in enumerate(b_tokens) if b_count[token] == 1}
    pairs = [
        (i, in_b[token])
        for i, token in enumerate(a_tokens)
        if a_count[token] == 1 and token in in_b and not _is_plain_space(token)
    ]
    # longest increasing subsequence of the j's (patience sorting)
    tails: list[int] = []  # tails[k]: index in pairs ending the best series of length k + 1
    tail_js: list[int] = []  # and its j
    previous: list[int] = []
    for index, (_, j) in enumerate(pairs):
        k = bisect.bisect_left(tail_js, j)
        previous.append(tails[k - 1] if k else -1)
        if k == len(tails):
            tails.append(index)
            tail_js.append(j)
        else:
            tails[k], tail_js[k] = index, j
    series, index = [], tails[-1] if tails else -1
    while index >= 0:
        series.append(pairs[index])
        index = previous[index]
    return series[::-1]


def _blocks(text: str) -> list[tuple[int, int]]:
    """Where each block of `text` starts and ends, its following separator included."""
    blocks, start = [], 0
    for piece in text.split(BLOCK_SEPARATOR) if text else []:
        end = min(len(text), start + len(piece) + len(BLOCK_SEPARATOR))
        blocks.append((start, end))
        start = end
    return blocks


def _span(blocks: list[tuple[int, int]], first: int, stop: int, length: int) -> tuple[int, int]:
    if first == stop:
        at = blocks[first][0] if first < len(blocks) else length
        return at, at
    return blocks[first][0], blocks[stop - 1][1]


def _diff_tokens(a: str, b: str, a_lo: int, a_hi: int, b_lo: int, b_hi: int) -> list[Op]:
    """The word-level diff of `a[a_lo:a_hi]` against `b[b_lo:b_hi]`, in offsets of a and b."""
    if a[a_lo:a_hi] == b[b_lo:b_hi]:
        return [Op("equal", a_lo, a_hi, b_lo, b_hi, a[a_lo:a_hi])]
    a_tokens, b_tokens = tokens(a[a_lo:a_hi]), tokens(b[b_lo:b_hi])
    a_at = [a_lo + offset for offset in _offsets(a_tokens)]
    b_at = [b_lo + offset for offset in _offsets(b_tokens)]
    ops: list[Op] = []
    for tag, i1, i2, j1, j2 in _opcodes(a_tokens, b_tokens, 0, 0):
        a_range, b_range = (a_at[i1], a_at[i2]), (b_at[j1], b_at[j2])
        if tag == "equal":
            ops.append(Op("equal", *a_range, *b_range, a[slice(*a_range)]))
        if tag in ("delete", "replace"):
            ops.append(Op("delete", *a_range, b_range[0], b_range[0], a[slice(*a_range)]))
        if tag in ("insert", "replace"):
            ops.append(Op("insert", a_range[1], a_range[1], *b_range, b[slice(*b_range)]))
    return _fold_short_equalities(ops, a, b)


@dataclass(frozen=True)
class Part:
    """One field of two revisions compared, ready for a page."""

    name: str
    html: SafeString
    changed: bool
    inserted: int  # words
    deleted: int


def compare(fields: list[tuple[str, str, str]]) -> list[Part]:
    """Each (name, before, after) diffed and rendered."""
    parts = []
    for name, before, after in fields:
        ops = diff_words(before, after)
        inserted, deleted = changed_words(ops)
        changed = any(op.kind != "equal" for op in ops)
        parts.append(Part(name, diff_html(ops), changed, inserted, deleted))
    return parts


def compare_revisions(before, after) -> list[Part]:
    """What the revision pages compare of two revisions (anything with their `title`,
    `standfirst` and `plain_text`): each field as readers read it."""
    return compare(
        [
            ("Title", before.title, after.title),
            ("Standfirst", before.standfirst, after.standfirst),
            ("Text", before.plain_text, after.plain_text),
        ]
    )


def map_offset(ops: list[Op], offset: int) -> tuple[int, bool]:
    """Where position `offset` of text `a` lies in text `b`, and whether the character there
    is unchanged. A position inside deleted text goes to where the deletion was; the end of
    `a` goes to the end of `b`."""
    for op in ops:
        if op.kind != "insert" and op.a_start <= offset < op.a_end:
            if op.kind == "equal":
                return op.b_start + offset - op.a_start, True
            return op.b_start, False
    return (ops[-1].b_end if ops else 0), True


def changed_words(ops: list[Op]) -> tuple[int, int]:
    """How many words (tokens with a letter or digit) the diff inserts and deletes."""
    counts = {"insert": 0, "delete": 0}
    for op in ops:
        if op.kind in counts:
            counts[op.kind] += sum(1 for token in tokens(op.text) if _is_word(token))
    return counts["insert"], counts["delete"]


def diff_html(ops: list[Op]) -> SafeString:
    """The diff as paragraphs (one per block of the plain text), with <del> and <ins> around
    the changes. Each change also says what it is in words a screen reader speaks and the page
    does not show ("deleted: … end of deletion"), since not every one announces <del> and
    <ins>, and a sighted reader is told by strike-through and underline, not colour alone."""
    paragraphs: list[list[str]] = [[]]
    for op in ops:
        for index, piece in enumerate(op.text.split(BLOCK_SEPARATOR)):
            if index:
                paragraphs.append([])
            if piece:
                paragraphs[-1].append(_marked(op.kind, piece))
    shown = ("".join(pieces) for pieces in paragraphs)
    return mark_safe("".join(f"<p>{html}</p>" for html in shown if html.strip()))  # noqa: S308


_LABELS = {
    "delete": ("del", "deleted: ", " end of deletion"),
    "insert": ("ins", "inserted: ", " end of insertion"),
}


def _marked(kind: Kind, text: str) -> str:
    html = str(escape(text)).replace("\n", "<br>")
    if kind == "equal":
        return html
    tag, start, end = _LABELS[kind]
    return (
        f'<{tag}><span class="visually-hidden">{start}</span>{html}'
        f'<span class="visually-hidden">{end}</span></{tag}>'
    )


# --- Tokens ---------------------------------------------------------------------------------


def tokens(text: str) -> list[str]:
    """`text` cut into words, whitespace runs and single other characters (see the module)."""
    result: list[str] = []
    for cluster in _clusters(text):
        kind = _kind(cluster)
        if result and kind in ("word", "space") and _kind(result[-1]) == kind:
            result[-1] += cluster
        else:
            result.append(cluster)
    return result


def _clusters(text: str) -> list[str]:
    """User-perceived characters, near enough for a diff (not all of UAX #29)."""
    clusters: list[str] = []
    for char in text:
        if clusters and _extends(clusters[-1], char):
            clusters[-1] += char
        else:
            clusters.append(char)
    return clusters


ZWJ = "\u200d"
_REGIONAL = range(0x1F1E6, 0x1F200)
_SKIN_TONES = range(0x1F3FB, 0x1F400)
_TAGS = range(0xE0020, 0xE0080)  # subdivision flags: 🏴 + tag letters + cancel tag


def _extends(cluster: str, char: str) -> bool:
    code, last = ord(char), cluster[-1]
    if unicodedata.category(char) in ("Mn", "Mc", "Me") or char == ZWJ or last == ZWJ:
        return True
    if code in _SKIN_TONES or code in _TAGS:
        return True
    # a flag is two regional indicators; a third starts the next flag
    return code in _REGIONAL and ord(cluster[0]) in _REGIONAL and len(cluster) == 1


def _kind(cluster: str) -> str:
    first = cluster[0]
    if first.isspace():
        return "space"
    if (first.isalnum() or first == "_") and not _is_unspaced_script(first):
        return "word"
    return "other"


def _is_unspaced_script(char: str) -> bool:
    """Scripts written without spaces between words: each character is a token of its own."""
    code = ord(char)
    return (
        0x3040 <= code <= 0x30FF  # hiragana, katakana
        or 0x3400 <= code <= 0x4DBF  # CJK extension A
        or 0x4E00 <= code <= 0x9FFF  # CJK unified ideographs
        or 0xF900 <= code <= 0xFAFF  # CJK compatibility ideographs
        or 0x0E00 <= code <= 0x0EFF  # Thai, Lao
        or 0x20000 <= code <= 0x3FFFF  # CJK extensions B onwards
    )


def _is_plain_space(token: str) -> bool:
    return token.isspace() and BLOCK_SEPARATOR not in token


def _is_word(token: str) -> bool:
    return any(char.isalnum() for char in token)


def _offsets(token_list: list[str]) -> list[int]:
    offsets, at = [0], 0
    for token in token_list:
        at += len(token)
        offsets.append(at)
    return offsets


# --- Clean-up -------------------------------------------------------------------------------


def _fold_short_equalities(ops: list[Op], a: str, b: str) -> list[Op]:
    """Fold each unchanged run with fewer words than the changes on both sides of it into
    those changes, until none is left (diff-match-patch's cleanupSemantic, counted in words
    rather than characters). A run that holds a block separator stays, so that paragraphs
    stay apart."""
    while True:
        ops = _merge(ops, a, b)
        for index, op in enumerate(ops):
            if op.kind != "equal" or index in (0, len(ops) - 1) or BLOCK_SEPARATOR in op.text:
                continue
            before, after = _change_size(ops, index, -1), _change_size(ops, index, 1)
            if _word_count(op.text) < min(before, after):
                ops[index : index + 1] = [
                    Op("delete", op.a_start, op.a_end, op.b_start, op.b_start, op.text),
                    Op("insert", op.a_end, op.a_end, op.b_start, op.b_end, op.text),
                ]
                break
        else:
            return ops


def _change_size(ops: list[Op], index: int, step: int) -> int:
    """The larger of the words deleted and inserted next to `ops[index]`, on one side."""
    sizes = {"delete": 0, "insert": 0}
    index += step
    while 0 <= index < len(ops) and ops[index].kind != "equal":
        sizes[ops[index].kind] += _word_count(ops[index].text)
        index += step
    return max(sizes.values())


_WORD = re.compile(r"[^\W_]+")


def _word_count(text: str) -> int:
    return len(_WORD.findall(text))


def _merge(ops: list[Op], a: str, b: str) -> list[Op]:
    """Join neighbouring ops of a kind, and each run of changes into one deletion followed by
    one insertion; drop empty ops."""
    merged: list[Op] = []
    index = 0
    while index < len(ops):
        if ops[index].kind == "equal":
            start = index
            while index < len(ops) and ops[index].kind == "equal":
                index += 1
            first, last = ops[start], ops[index - 1]
            text = a[first.a_start : last.a_end]
            merged.append(Op("equal", first.a_start, last.a_end, first.b_start, last.b_end, text))
            continue
        start = index
        while index < len(ops) and ops[index].kind != "equal":
            index += 1
        run = ops[start:index]
        a_start, a_end = run[0].a_start, run[-1].a_end
        b_start, b_end = run[0].b_start, run[-1].b_end
        if a_end > a_start:
            merged.append(Op("delete", a_start, a_end, b_start, b_start, a[a_start:a_end]))
        if b_end > b_start:
            merged.append(Op("insert", a_end, a_end, b_start, b_end, b[b_start:b_end]))
    return [op for op in merged if op.text]
