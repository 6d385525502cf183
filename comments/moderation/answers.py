"""Answered questions: one of the article's authors or a moderator marks a published comment
labelled Question answered, pointing at the reply that answers it: a published comment of
the same thread, posted after the question. Marking another reply moves the mark; it can be
taken back. "Unanswered questions" is a filter of the discussion (comments.threads.kinds).

An answer that stops being public (removed, deleted, held again) takes the mark with it: the
question is open again, as a reader would expect when the answer they were pointed at is gone.
"""

from django.db import transaction
from django.utils import timezone

from articles.models import Article
from comments.models import Comment, Resolution
from comments.moderation import corrections, roles
from comments.moderation.pipeline import Conflict, NotAllowed
from config import pagecache

ANSWERED = Resolution.State.ANSWERED
ONLY_AUTHORS_AND_MODERATORS = "Only the article's authors and moderators mark answers."
NOT_A_QUESTION = "Only a published comment labelled Question can be marked answered."
NOT_IN_ITS_THREAD = (
    "The answer must be a published comment in the question's thread, posted after it."
)
NOT_ANSWERED = "This question is not marked answered."


def may_mark(user, article: Article) -> bool:
    return roles.is_moderator(user) or roles.is_author_of(user, article)


def is_question(comment: Comment) -> bool:
    return comment.kind == Comment.Kind.QUESTION and comment.status == Comment.Status.APPROVED


def can_answer(question: Comment, answer: Comment) -> bool:
    """Whether `answer` may be marked as the answer to `question` (see the module's rule)."""
    return (
        answer.pk != question.pk
        and answer.status == Comment.Status.APPROVED
        and answer.article_id == question.article_id
        and answer.root_id == question.root_id
        and (answer.created_at, answer.pk) > (question.created_at, question.pk)
    )


def _check(question: Comment, by) -> None:
    if not may_mark(by, question.article):
        raise NotAllowed(ONLY_AUTHORS_AND_MODERATORS)
    if not is_question(question):
        raise Conflict(NOT_A_QUESTION)


def mark_answer(question: Comment, answer: Comment, *, by, note: str = "") -> Resolution:
    """`answer` answers `question` (in place of any answer marked before)."""
    _check(question, by)
    if not can_answer(question, answer):
        raise Conflict(NOT_IN_ITS_THREAD, field="answer")
    now = timezone.now()
    with transaction.atomic():
        resolution, _ = Resolution.objects.update_or_create(
            comment=question,
            defaults={
                "state": ANSWERED,
                "answer": answer,
                "note": corrections.one_line_note(note),
                "revision": None,
                "decided_by": by,
                "decided_at": now,
            },
        )
        Comment.objects.filter(pk=question.pk).update(updated_at=now)  # ETags, change feed
        pagecache.comments_changed(question.article_id, listed=False)
    return resolution


def unmark_answer(question: Comment, *, by) -> None:
    """The question is open again."""
    _check(question, by)
    with transaction.atomic():
        gone, _ = Resolution.objects.filter(comment=question, state=ANSWERED).delete()
        if not gone:
            raise Conflict(NOT_ANSWERED)
        Comment.objects.filter(pk=question.pk).update(updated_at=timezone.now())
        pagecache.comments_changed(question.article_id, listed=False)


def reopen_answered_by(comment_ids: list[int]) -> int:
    """The comments `comment_ids` stopped being public: questions they answered are open
    again. One query when none of them is an answer. Call inside the transaction of the
    change."""
    if not comment_ids:
        return 0
    marks = Resolution.objects.filter(state=ANSWERED, answer_id__in=comment_ids)
    questions = list(marks.values_list("comment_id", flat=True))
    if questions:
        Resolution.objects.filter(comment_id__in=questions, state=ANSWERED).delete()
        Comment.objects.filter(pk__in=questions).update(updated_at=timezone.now())
    return len(questions)
