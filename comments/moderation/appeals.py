"""Appeals against decisions: who may appeal what, until when, and what deciding one does.

The author of a restricted comment appeals its statement of reasons; a notifier whose notice
was left without action appeals that. Each decision is appealed once, within
APPEAL_WINDOW_DAYS (six months), from a signed link (the statement's mail, the statement's
page, the notice's decision mail): the link is the proof of standing, so an anonymous author
needs no account. A moderator other than the one who decided takes the appeal. A reversal goes
through the same paths as any decision (`transitions`, `decisions`, `bans`), so mail, webhooks
and the change feed follow.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from comments.models import Appeal, Comment, Notice, Statement
from comments.moderation import bans, decisions, notices, pipeline, refusals, transitions
from comments.outbound import recipients

_SALT = "comments.appeal"
S = Comment.Status
ALREADY = "This decision has been appealed already; each decision can be appealed once."
TOO_LATE = "The time to appeal this decision (six months) is over."
NO_LONGER = "This decision no longer applies, so there is nothing to appeal."
SAME_MODERATOR = "An appeal is taken by a moderator other than the one who decided."
DECIDED = "This appeal has been decided already."


def window() -> timedelta:
    return timedelta(days=settings.APPEAL_WINDOW_DAYS)


def token_for(decision: Statement | Notice) -> str:
    kind = "s" if isinstance(decision, Statement) else "n"
    return signing.dumps([kind, decision.pk], salt=_SALT)


def path_for(decision: Statement | Notice) -> str:
    return reverse("comments:appeal", args=[token_for(decision)])


@dataclass(frozen=True)
class Standing:
    """The decision a link names, and whether it can be appealed now (`refusal` if not)."""

    statement: Statement | None
    notice: Notice | None
    decided_at: datetime
    refusal: str = ""

    @property
    def by(self) -> str:
        return Appeal.By.AUTHOR if self.statement is not None else Appeal.By.NOTIFIER

    @property
    def comment(self) -> Comment | None:
        return self.statement.comment if self.statement is not None else self.notice.comment


def standing(token: str) -> Standing | None:
    """What a link names (None for a link this site did not sign, or a decision gone)."""
    try:
        kind, pk = signing.loads(token, salt=_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if kind == "s" and isinstance(pk, int):
        statement = (
            Statement.objects.select_related("comment__article", "clause", "ban", "appeal")
            .filter(pk=pk)
            .first()
        )
        return statement and statement_standing(statement)
    if kind == "n" and isinstance(pk, int):
        notice = Notice.objects.select_related("comment__article", "appeal").filter(pk=pk).first()
        return notice and _notice_standing(notice)
    return None


def _has_appeal(decision) -> bool:
    try:
        return decision.appeal is not None
    except Appeal.DoesNotExist:
        return False


def statement_standing(statement: Statement) -> Standing:
    refusal = ""
    if _has_appeal(statement):
        refusal = ALREADY
    elif timezone.now() - statement.created_at > window():
        refusal = TOO_LATE
    elif statement.ban_id:
        if statement.ban is None or not bans.in_force(statement.ban):
            refusal = NO_LONGER
    elif statement.comment is None or statement.comment.statement_id != statement.pk:
        refusal = NO_LONGER  # the comment has moved on: restored, deleted, or decided again
    return Standing(statement, None, statement.created_at, refusal)


def _notice_standing(notice: Notice) -> Standing:
    refusal = ""
    decided_at = notice.decided_at or notice.created_at
    if _has_appeal(notice):
        refusal = ALREADY
    elif notice.state != Notice.State.NO_ACTION:
        refusal = NO_LONGER  # open still, or the comment was removed as asked
    elif timezone.now() - decided_at > window():
        refusal = TOO_LATE
    elif notice.comment is None or notice.comment.status != S.APPROVED:
        refusal = NO_LONGER
    return Standing(None, notice, decided_at, refusal)


def file(found: Standing, *, explanation: str, user=None) -> Appeal:
    """Store the appeal; NotAllowed (too late, no longer applies) or Conflict (appealed
    already) otherwise, each logged for the moderators."""
    comment_id = found.comment.pk if found.comment is not None else None
    if found.refusal:
        refusals.refused(refusals.Kind.APPEAL, found.refusal, user=user, comment_id=comment_id)
        error = pipeline.Conflict if found.refusal == ALREADY else pipeline.NotAllowed
        raise error(found.refusal)
    try:
        with transaction.atomic():
            return Appeal.objects.create(
                by=found.by,
                statement=found.statement,
                notice=found.notice,
                explanation=explanation,
            )
    except IntegrityError:  # two at once: the other one was first
        refusals.refused(refusals.Kind.APPEAL, ALREADY, user=user, comment_id=comment_id)
        raise pipeline.Conflict(ALREADY) from None


def original_decider(appeal: Appeal) -> int | None:
    decision = appeal.statement if appeal.statement_id else appeal.notice
    return decision.decided_by_id


def decide(
    appeal: Appeal,
    *,
    moderator,
    reverse: bool,
    note: str = "",
    grounds=None,
) -> Appeal:
    """Uphold or reverse the decision appealed. Reversing a statement restores the comment
    (or ends the ban); reversing a notice left alone removes the comment, on the notice's
    grounds or the moderator's. NotAllowed for the moderator who took the decision."""
    if appeal.state != Appeal.State.OPEN:
        raise pipeline.Conflict(DECIDED)
    decider = original_decider(appeal)
    comment_id = (appeal.statement or appeal.notice).comment_id
    if decider is not None and decider == moderator.pk:
        refusals.refused(
            refusals.Kind.APPEAL, SAME_MODERATOR, user=moderator, comment_id=comment_id
        )
        raise pipeline.NotAllowed(SAME_MODERATOR)
    with transaction.atomic():
        # Claimed first: a copy read before another moderator decided cannot decide again.
        if not Appeal.objects.select_for_update().filter(pk=appeal.pk, state=Appeal.State.OPEN):
            raise pipeline.Conflict(DECIDED)
        if reverse:
            _reverse(appeal, moderator=moderator, grounds=grounds)
        appeal.state = Appeal.State.REVERSED if reverse else Appeal.State.UPHELD
        appeal.decided_at, appeal.decided_by = timezone.now(), moderator
        appeal.outcome_note = note or _default_note(appeal)
        appeal.save(update_fields=["state", "decided_at", "decided_by", "outcome_note"])
        recipients.queue_for_appellant(appeal)
    return appeal


def _reverse(appeal: Appeal, *, moderator, grounds) -> None:
    if appeal.notice_id:
        notice = appeal.notice
        cited = notices.grounds_for(notice, grounds)
        comment = decisions.decide(notice.comment, S.REMOVED, moderator=moderator, grounds=cited)
        Notice.objects.filter(pk=notice.pk).update(
            state=Notice.State.ACTIONED, statement_id=comment.statement_id
        )
        return
    statement = appeal.statement
    if statement.ban_id:
        bans.lift(statement.ban, by=moderator, reason=f"appeal {appeal.pk} granted")
        return
    comment = statement.comment
    if transitions.can_move(comment.status, S.APPROVED):
        transitions.change_status(
            comment, S.APPROVED, actor=moderator, reason=f"appeal {appeal.pk} granted"
        )


def _default_note(appeal: Appeal) -> str:
    if appeal.state == Appeal.State.REVERSED:
        if appeal.notice_id:
            return "A second moderator reviewed your appeal and removed the comment."
        return "A second moderator reviewed your appeal and reversed the decision."
    return "A second moderator reviewed your appeal and found the decision right."
