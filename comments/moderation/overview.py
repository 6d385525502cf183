"""What moderators read: the overview page and the record around one comment."""

from datetime import timedelta

from django.db.models import Count, Min, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from articles.models import Article
from comments.models import Comment, ModerationEvent, Report
from comments.moderation import queue

DAYS = 30


VOTERS_SHOWN = 200


def comment_record(comment: Comment) -> dict:
    """The thread around a comment (its ancestors, its replies) and its author's record."""
    ancestors = []
    parent_id = comment.parent_id
    if parent_id:
        by_id = {
            c.pk: c
            for c in Comment.objects.filter(root_id=comment.root_id, depth__lt=comment.depth)
        }
        while parent_id in by_id:
            ancestors.insert(0, by_id[parent_id])
            parent_id = by_id[parent_id].parent_id
    replies = list(Comment.objects.filter(parent=comment).order_by("created_at", "id"))
    if comment.user_id:
        same_author = Q(user_id=comment.user_id)
    else:
        same_author = Q(user__isnull=True, author_email__iexact=comment.author_email)
    record = Comment.objects.filter(same_author).aggregate(
        first_seen=Min("created_at"),
        total=Count("id"),
        **{status: Count("id", filter=Q(status=status)) for status in Comment.Status.values},
    )
    from_ip = (
        Comment.objects.filter(ip_address=comment.ip_address).count() if comment.ip_address else 0
    )
    return {
        "ancestors": ancestors,
        "replies": replies,
        # Who marked it Useful: the moderators' view of vote stuffing.
        "useful_votes": list(comment.useful_votes.select_related("voter")[:VOTERS_SHOWN]),
        "author_record": record,
        "author_counts": [
            (label, record[status]) for status, label in Comment.Status.choices if record[status]
        ],
        "from_same_ip": from_ip,
        "events": list(comment.events.select_related("actor")),
        "open_reports": list(comment.reports.filter(resolved_at__isnull=True)),
    }


def moderation_overview(now=None) -> dict:
    now = now or timezone.now()
    since = (now - timedelta(days=DAYS - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    per_day = dict.fromkeys((since.date() + timedelta(days=i) for i in range(DAYS)), (0, 0))
    rows = (
        ModerationEvent.objects.filter(created_at__gte=since)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(
            people=Count("id", filter=Q(actor__isnull=False)),
            automatic=Count("id", filter=Q(actor__isnull=True)),
        )
    )
    for row in rows:
        per_day[row["day"]] = (row["people"], row["automatic"])
    top = max([people + auto for people, auto in per_day.values()] + [1])
    bars = []
    for index, (day, (people, automatic)) in enumerate(per_day.items()):
        automatic_height = round(100 * automatic / top)
        people_height = round(100 * people / top)
        bars.append(
            {
                "day": day,
                "people": people,
                "automatic": automatic,
                "x": index * 20,
                "automatic_height": automatic_height,
                "automatic_y": 110 - automatic_height,
                "people_height": people_height,
                "people_y": 110 - automatic_height - people_height,
            }
        )
    return {
        "pending_count": queue.pending().count(),
        "open_report_count": Report.objects.filter(resolved_at__isnull=True).count(),
        "bars": bars,
        "decisions_total": sum(b["people"] + b["automatic"] for b in bars),
        "top_reasons": list(
            Comment.objects.filter(created_at__gte=since)
            .exclude(status_reason="")
            .values("status", "status_reason")
            .annotate(n=Count("id"))
            .order_by("-n")[:10]
        ),
        "most_reported": list(
            Article.objects.annotate(
                open_reports=Count(
                    "comments__reports", filter=Q(comments__reports__resolved_at__isnull=True)
                )
            )
            .filter(open_reports__gt=0)
            .order_by("-open_reports")
            .values("title", "slug", "open_reports")[:10]
        ),
    }
