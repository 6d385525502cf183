"""The moderators' queues: what waits for a decision, and what readers reported.

The admin's lists and badges, the API's queue endpoint and the overview all read the queues
from here, so "which comments wait for a moderator" has one answer.
"""

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from comments.models import Comment, Report

QUEUES = ("pending", "reported")


def _open_reports():
    return _unresolved().filter(comment=OuterRef("pk"))


def _unresolved():
    return Report.objects.filter(resolved_at__isnull=True)


def with_report_counts(comments: QuerySet) -> QuerySet:
    """`report_count` (every report) and `open_reports` (not yet resolved) on each row."""
    return comments.annotate(
        report_count=Count("reports"),
        open_reports=Count("reports", filter=Q(reports__resolved_at__isnull=True)),
    )


def pending(comments: QuerySet | None = None) -> QuerySet:
    """Comments waiting for a decision, oldest first."""
    comments = Comment.objects.all() if comments is None else comments
    return comments.filter(status=Comment.Status.PENDING).order_by("created_at", "id")


def reported(comments: QuerySet | None = None) -> QuerySet:
    """Comments with at least one open report (most reported first once counted)."""
    comments = Comment.objects.all() if comments is None else comments
    return comments.filter(Exists(_open_reports()))


def queue(name: str, comments: QuerySet | None = None) -> QuerySet:
    """One of QUEUES by name; ValueError for any other name."""
    if name == "pending":
        return pending(comments)
    if name == "reported":
        return reported(comments)
    raise ValueError(f"no queue named {name!r}")


def next_pending_after(comment: Comment) -> int | None:
    """The id of the held comment a moderator sees after deciding on `comment`."""
    return (
        pending()
        .filter(created_at__gte=comment.created_at)
        .exclude(pk=comment.pk)
        .values_list("pk", flat=True)
        .first()
    )


def open_reports_on(comment: Comment) -> int:
    return _unresolved().filter(comment=comment).count()


def sizes() -> dict[str, int]:
    """How many comments each queue holds: the badges on the moderators' pages."""
    return {"pending": pending().count(), "reported": reported().count()}
