"""Labels on comments (Question, Evidence, Counterpoint, Correction): their words on the page,
the filters of a discussion by label ("Unanswered questions" among them), and the counts the
filter shows, worked out from the rows the page reads anyway, so labels cost no query.

A filter keeps the comments that carry the label and are shown in full (published, or the
reader's own awaiting moderation); tombstones and unlabelled comments are left out.
"""

from dataclasses import dataclass, field

from comments.models import Comment, Resolution

K = Comment.Kind
# Plain strings (not the enum's members): they are keys of JSON objects too.
FILTERED = tuple(str(k.value) for k in (K.QUESTION, K.EVIDENCE, K.COUNTERPOINT, K.CORRECTION))
LABELS = {kind: K(kind).label for kind in FILTERED}
PLURALS = {
    K.QUESTION: "Questions",
    K.EVIDENCE: "Evidence",
    K.COUNTERPOINT: "Counterpoints",
    K.CORRECTION: "Corrections",
}
UNANSWERED = "Unanswered questions"
_ANSWERED = str(Resolution.State.ANSWERED.value)
_ACCEPTED = str(Resolution.State.ACCEPTED.value)
_APPROVED = str(Comment.Status.APPROVED.value)


class BadFilter(ValueError):
    """A filter the discussion does not have; the message says which there are."""


@dataclass(frozen=True)
class KindFilter:
    kind: str
    unanswered: bool = False

    def keeps(self, kind: str, state: str | None) -> bool:
        return kind == self.kind and not (self.unanswered and state == _ANSWERED)

    @property
    def query(self) -> str:
        """The filter as URL parameters (without the leading ? or &)."""
        return f"kind={self.kind}" + ("&unanswered=1" if self.unanswered else "")

    @property
    def title(self) -> str:
        return UNANSWERED if self.unanswered else PLURALS[self.kind]


def filter_from(kind: str | None, unanswered: str | None) -> KindFilter | None:
    """The filter that `?kind=` and `?unanswered=` ask for; None for the whole discussion.
    `unanswered=1` alone means unanswered questions; with another label it is a BadFilter."""
    wants_unanswered = unanswered not in (None, "", "0")
    if unanswered not in (None, "", "0", "1"):
        raise BadFilter("Give unanswered=1, or leave it out.")
    if kind in (None, "") and not wants_unanswered:
        return None
    kind = kind or K.QUESTION
    if kind not in FILTERED:
        raise BadFilter(f"Give one of: {', '.join(FILTERED)}.")
    if wants_unanswered and kind != K.QUESTION:
        raise BadFilter("Only questions are answered: give unanswered=1 with kind=question.")
    return KindFilter(kind=kind, unanswered=wants_unanswered)


@dataclass(frozen=True)
class Counts:
    """Published comments per label, and the questions among them not answered yet."""

    by_kind: dict[str, int] = field(default_factory=dict)
    unanswered: int = 0

    @property
    def labelled(self) -> int:
        return sum(self.by_kind.values())

    def of(self, kind: str) -> int:
        return self.by_kind.get(kind, 0)


@dataclass(frozen=True)
class Labels:
    """What the page needs to know of labels across the whole discussion, from its rows."""

    counts: Counts
    answer_ids: frozenset[int]  # comments that answer a question
    has_accepted_corrections: bool  # whether the article's change log has entries


def labels_of(rows) -> Labels:
    """From rows starting (id, parent, status, user, kind, resolution state, its answer)."""
    by_kind: dict[str, int] = {}
    unanswered = 0
    answers = set()
    accepted = False
    for _id, _parent, status, _user, kind, state, answer_id, *_ in rows:
        if state is not None:
            if answer_id is not None and state == _ANSWERED and status == _APPROVED:
                answers.add(answer_id)  # the answer of a published question
            accepted = accepted or state == _ACCEPTED
        if kind == K.COMMENT or status != _APPROVED:
            continue
        by_kind[kind] = by_kind.get(kind, 0) + 1
        unanswered += kind == K.QUESTION and state != _ANSWERED
    return Labels(
        counts=Counts(by_kind=by_kind, unanswered=unanswered),
        answer_ids=frozenset(answers),
        has_accepted_corrections=accepted,
    )


@dataclass(frozen=True)
class FilterLink:
    """One link of the filter above the discussion."""

    title: str
    query: str  # "" for the whole discussion
    count: int
    current: bool


def filter_links(counts: Counts, only: KindFilter | None, total: int) -> list[FilterLink]:
    """The link to "All comments" (`total` of them), then each label that has comments (or is being
    shown), "Unanswered questions" after "Questions". Empty when no comment carries a label
    and none is asked for."""
    if not counts.labelled and only is None:
        return []
    links = [FilterLink("All comments", "", total, only is None)]
    for kind in FILTERED:
        this = KindFilter(kind)
        if counts.of(kind) or this == only:
            links.append(FilterLink(PLURALS[kind], this.query, counts.of(kind), this == only))
        if kind == K.QUESTION:
            unanswered = KindFilter(kind, unanswered=True)
            if counts.of(kind) or unanswered == only:
                links.append(
                    FilterLink(UNANSWERED, unanswered.query, counts.unanswered, unanswered == only)
                )
    return links
