"""Statements of reasons: what every restricting decision tells its author (DSA Art. 17).

`transitions` makes one per comment it removes, rejects, marks spam or holds, in the same
transaction as the change; `bans` one per ban. An automatic verdict's statement says so
(source automated, detection and decision fully automated) and its facts are the pipeline's
reason. A moderator's statement cites a clause of the guidelines or, for illegal content, a
category of the Transparency Database; the moderators' entry points (`decisions`) refuse a
removal that cites neither. A programmatic change with no grounds is recorded honestly as
what it is: on guideline grounds with no clause cited, the reason given as the explanation.
Nothing here ever names whoever reported or notified the comment.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from comments.models import Ban, Comment, Guideline, ModerationEvent, Statement

S, M = Comment.Status, Statement.Measure
Ground, Source, Auto = Statement.Ground, Statement.Source, Statement.Automation
MEASURES = {S.REMOVED: M.REMOVAL, S.REJECTED: M.REJECTION, S.SPAM: M.SPAM, S.PENDING: M.HOLD}
BAN_MEASURES = {
    Ban.Kind.USER: M.BAN_ACCOUNT,
    Ban.Kind.EMAIL: M.BAN_EMAIL,
    Ban.Kind.DOMAIN: M.BAN_DOMAIN,
    Ban.Kind.NETWORK: M.BAN_NETWORK,
}
SCOPES = {
    M.REMOVAL: "This comment is no longer shown; where it has replies, a notice keeps its place.",
    M.REJECTION: "This comment is not published.",
    M.SPAM: "This comment is not published.",
    M.HOLD: "This comment is not shown to others until a moderator has reviewed it.",
}
REDRESS = (
    "To contest this decision, appeal it within six months, once, saying why it should change: "
    "from the link in the mail that brought you this statement, or from the statement's page "
    "({url}). A moderator who did not take the decision reviews the appeal, and you are told "
    "the outcome. You may also turn to a certified out-of-court dispute settlement body "
    "(Art. 21 DSA) or to a court."
)


@dataclass(frozen=True)
class Grounds:
    """What a moderator gives for a restricting decision."""

    ground: str = Ground.GUIDELINES
    clause: Guideline | None = None
    category: str = ""
    legal_ground: str = ""
    explanation: str = ""
    source: str = ""  # empty: a moderator's own initiative, or an automatic check

    @property
    def is_cited(self) -> bool:
        return self.clause is not None or (self.ground == Ground.ILLEGAL and bool(self.category))

    @property
    def public_reason(self) -> str:
        """What a tombstone shows: the clause, or the category of illegal content."""
        if self.ground == Ground.ILLEGAL and self.category:
            return Statement.Category(self.category).label
        if self.clause is not None:
            return f"guideline {self.clause.number}: {self.clause.title}"
        return ""


def grounds_from(
    *, clause: Guideline | None = None, category: str = "", explanation: str = ""
) -> Grounds | None:
    """A category makes the ground illegal content; a clause alone, the guidelines."""
    if category:
        return Grounds(Ground.ILLEGAL, clause, category, explanation=explanation)
    if clause is not None:
        return Grounds(Ground.GUIDELINES, clause, explanation=explanation)
    return None


def statement_path(comment_id: int) -> str:
    return reverse("comments:statement", args=[comment_id])


def _statement_url(comment_id: int) -> str:
    """Absolute: the redress text is read in mail too."""
    return f"{settings.SITE_URL}{statement_path(comment_id)}"


def _explanation(grounds: Grounds, facts: str, automated: bool) -> str:
    if grounds.explanation:
        return grounds.explanation
    if automated:
        return f"An automatic check set by the site's moderators decided: {facts}."
    if grounds.ground == Ground.ILLEGAL and grounds.category:
        label = Statement.Category(grounds.category).label.lower()
        return f"The moderator found the comment to be illegal content ({label})."
    if grounds.clause is not None:
        return f"The comment breaks guideline {grounds.clause.number}: {grounds.clause.title}."
    return facts  # no clause was cited: the moderator's reason is all the statement has


def _statement(
    *, measure: str, scope: str, facts: str, actor, grounds: Grounds | None, now: datetime, **ids
) -> Statement:
    automated = actor is None
    grounds = grounds or Grounds()
    return Statement(
        measure=measure,
        scope=scope,
        facts=facts,
        source=grounds.source or (Source.AUTOMATED if automated else Source.OWN_INITIATIVE),
        automated_detection=Auto.FULLY if automated else Auto.NOT,
        automated_decision=Auto.FULLY if automated else Auto.NOT,
        ground=grounds.ground,
        clause=grounds.clause,
        category=grounds.category,
        legal_ground=grounds.legal_ground,
        explanation=_explanation(grounds, facts, automated),
        public_reason=grounds.public_reason,
        decided_by=actor,
        created_at=now,
        **ids,
    )


def for_events(
    events: Iterable[ModerationEvent], *, actor, grounds: Grounds | None = None
) -> list[Statement]:
    """One statement per restricting event, stored, and each comment pointed at its own (one
    insert and one update for the batch). Call inside the transaction of the change."""
    now = timezone.now()
    rows = [
        _statement(
            measure=MEASURES[event.to_status],
            scope=SCOPES[MEASURES[event.to_status]],
            facts=event.reason,
            actor=actor,
            grounds=grounds,
            now=now,
            comment_id=event.comment_id,
            event=event,
            redress=REDRESS.format(url=_statement_url(event.comment_id)),
        )
        for event in events
        if event.to_status in MEASURES
    ]
    if rows:
        Statement.objects.bulk_create(rows)
        Comment.objects.bulk_update(
            [Comment(pk=row.comment_id, statement_id=row.pk) for row in rows], ["statement"]
        )
    return rows


def for_ban(ban: Ban, *, comment: Comment | None, actor, grounds: Grounds | None) -> Statement:
    """The statement of a ban, about the comment it was made from; states how long it lasts."""
    until = (
        f"until {timezone.localtime(ban.ends_at):%-d %B %Y %H:%M}"
        if ban.ends_at
        else "indefinitely"
    )
    scope = f"New comments from this {ban.get_kind_display().lower()} are not published, {until}."
    statement = _statement(
        measure=BAN_MEASURES[ban.kind],
        scope=scope,
        facts=ban.reason or "banned by a moderator",
        actor=actor,
        grounds=grounds,
        now=timezone.now(),
        comment=comment,
        ban=ban,
        ends_at=ban.ends_at,
        redress=REDRESS.format(url=_statement_url(comment.pk) if comment else "(none)"),
    )
    statement.save()
    return statement
