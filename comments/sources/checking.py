"""The rule for re-checking a cited URL, and the optional lookup of an archived copy.

A source is `pending` until its first check. A check that reaches the page (it answered,
even if with something other than HTML) makes it `ok` and forgets earlier failures. A
failed check (timeout, unreachable, an HTTP error, endless redirects) counts only if it
comes at least a day (24 hours) after the last counted one, so a site that is down for an
afternoon, or a re-check run twice, counts once. The third counted failure makes the source
`unreachable`, "since" the first of them. A URL that now leads somewhere the server must not
go (its name resolves to a private address, a redirect points there) is `refused` at once:
it is not down, it is off limits, and it stays so until a check reaches it again.

`next_state` is pure: the task loads the stored state, fetches, and saves what it returns.

The archived-copy lookup is off unless COMMENT_SOURCES_ARCHIVE_LOOKUP names a callable
("package.module.function", taking a URL and returning an archived copy's URL or None); the
task may call `archived_copy` when a source has just become unreachable.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.conf import settings
from django.utils.module_loading import import_string

from comments.sources import urls
from comments.sources.fetching import Outcome

logger = logging.getLogger(__name__)

PENDING, OK, UNREACHABLE, REFUSED = "pending", "ok", "unreachable", "refused"
STATUSES = (PENDING, OK, UNREACHABLE, REFUSED)
FAILURES_BEFORE_UNREACHABLE = 3
FAILURE_GAP = timedelta(days=1)

REACHED = frozenset({Outcome.OK, Outcome.NOT_HTML})
OFF_LIMITS = frozenset({Outcome.REFUSED_ADDRESS, Outcome.BAD_SCHEME, Outcome.BAD_URL})
FAILED = frozenset(Outcome) - REACHED - OFF_LIMITS


@dataclass(frozen=True)
class CheckState:
    """What is stored of a source's checks. `failures` counts the failures since the last
    success, one a day at most; `first_failed_at` is the first of them (the "since" of an
    unreachable source), `last_failed_at` the last counted one."""

    status: str = PENDING
    checked_at: datetime | None = None
    last_ok_at: datetime | None = None
    failures: int = 0
    first_failed_at: datetime | None = None
    last_failed_at: datetime | None = None

    @property
    def unreachable_since(self) -> datetime | None:
        return self.first_failed_at if self.status == UNREACHABLE else None


def next_state(state: CheckState, outcome: Outcome, *, now: datetime) -> CheckState:
    """The state after a check at `now` ended in `outcome`."""
    if outcome in REACHED:
        return CheckState(status=OK, checked_at=now, last_ok_at=now)
    if outcome in OFF_LIMITS:
        return CheckState(status=REFUSED, checked_at=now, last_ok_at=state.last_ok_at)
    counts = state.last_failed_at is None or now - state.last_failed_at >= FAILURE_GAP
    if counts:
        state = replace(
            state,
            failures=state.failures + 1,
            first_failed_at=state.first_failed_at or now,
            last_failed_at=now,
        )
    if state.failures >= FAILURES_BEFORE_UNREACHABLE:
        status = UNREACHABLE
    else:
        status = state.status if state.status in (OK, PENDING) else PENDING
    return replace(state, status=status, checked_at=now)


def became_unreachable(before: CheckState, after: CheckState) -> bool:
    """True on the check that made the source unreachable: the moment to look for a copy."""
    return after.status == UNREACHABLE and before.status != UNREACHABLE


def archive_lookup() -> Callable[[str], str | None] | None:
    """The configured lookup, or None when archived copies are off (the default)."""
    path = getattr(settings, "COMMENT_SOURCES_ARCHIVE_LOOKUP", None)
    return import_string(path) if path else None


def archived_copy(url: str) -> str | None:
    """An archived copy's URL from the configured lookup, checked like a reader's URL; None
    when the lookup is off, finds nothing, fails, or answers something that is not one."""
    lookup = archive_lookup()
    if lookup is None:
        return None
    try:
        found = lookup(url)
    except Exception:  # a plug-in's failure must not stop the re-checks
        logger.exception("Archive lookup failed for %s", url)
        return None
    if not isinstance(found, str):
        return None
    try:
        return urls.check_url(found)
    except urls.BadSourceURL:
        return None
