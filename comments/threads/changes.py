"""Cursors into a discussion's changes: a moment and the last comment id seen at it.

The API's change feed (`?since=`) hands them out and reads them back; the article page gives
one to its script, which asks the feed for what became public while the page is open.
"""

import base64
import binascii
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime


def encode(moment: datetime, last_id: int) -> str:
    raw = f"{moment.isoformat()}|{last_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(token: str) -> tuple[datetime, int]:
    """The (moment, last id) of a cursor; ValueError for anything this site did not give out."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValueError("not a cursor") from None
    stamp, _, last_id = raw.partition("|")
    moment = parse_datetime(stamp)
    if moment is None or moment.utcoffset() is None or not last_id.isdigit():
        raise ValueError("not a cursor")
    if abs(moment.utcoffset()) > timedelta(hours=14):
        raise ValueError("not a cursor")
    return moment, int(last_id)


def settled() -> datetime:
    """The feed holds back the last API_FEED_LAG_SECONDS, so that a change still committing
    is never skipped."""
    return timezone.now() - timedelta(seconds=settings.API_FEED_LAG_SECONDS)


def from_now() -> str:
    """A cursor for a page being shown now: the feed answers with what changes after it."""
    return encode(settled(), 0)
