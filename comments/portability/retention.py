"""How long the site keeps where a comment came from: IP addresses and user agents are
cleared after COMMENT_IP_RETENTION_DAYS. Bans hold their own values, so they keep working."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from comments.models import Comment, Notice, Report

logger = logging.getLogger(__name__)
BATCH = 1000


def _clear_in_batches(rows, changes: dict) -> int:
    """Update `rows` (a queryset that no longer matches a row once changed) in batches of
    ids, each its own short transaction: memory and locks stay small on any table."""
    cleared = 0
    while True:
        ids = list(rows.order_by("pk").values_list("pk", flat=True)[:BATCH])
        if not ids:
            return cleared
        cleared += rows.model.objects.filter(pk__in=ids).update(**changes)


def clear_old_request_facts() -> int:
    """Forget the IP address and user agent of comments older than the retention period (and
    the IP of reports and notices as old). Returns the comments cleared."""
    days = settings.COMMENT_IP_RETENTION_DAYS
    if days <= 0:
        return 0
    cutoff = timezone.now() - timedelta(days=days)
    comments = _clear_in_batches(
        Comment.objects.filter(created_at__lt=cutoff).filter(
            Q(ip_address__isnull=False) | ~Q(user_agent="")
        ),
        # updated_at stays: nothing the API's change feed shows has changed.
        {"ip_address": None, "user_agent": ""},
    )
    reports = _clear_in_batches(
        Report.objects.filter(created_at__lt=cutoff, ip_address__isnull=False),
        {"ip_address": None},
    )
    notices = _clear_in_batches(
        Notice.objects.filter(created_at__lt=cutoff, ip_address__isnull=False),
        {"ip_address": None},
    )
    if comments or reports or notices:
        logger.info(
            "cleared the IP address and user agent of %d comments, and the IP address of "
            "%d reports and %d notices, older than %d days",
            comments,
            reports,
            notices,
            days,
        )
    return comments
