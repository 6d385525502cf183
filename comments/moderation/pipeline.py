"""Which status a new or edited comment gets, and why: the one home of that decision.

The pipeline is an ordered list of checks. Each looks at the submission and at what the site
knows (`Facts`: the moderators' settings, bans, the reader's history) and may decide a status
with a short reason a moderator can read ("3 links (limit 2)"), or refuse the comment with a
message for the form (`Refused`), or pass. `facts_for` reads the database (three queries);
`verdict_for` itself is pure, so a check can be tested with hand-made facts and importers
can dry-run it.
"""

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Max, Q
from django.utils import timezone

from articles.models import Article
from comments.models import Ban, Comment, ModerationSettings
from comments.moderation import spamcheck
from comments.threads.readers import Reader

APPROVED, PENDING, SPAM, REJECTED = (
    Comment.Status.APPROVED,
    Comment.Status.PENDING,
    Comment.Status.SPAM,
    Comment.Status.REJECTED,
)
_LINK = re.compile(r"https?://|(?<![/\w.])www\.", re.IGNORECASE)


@dataclass(frozen=True)
class Verdict:
    status: str
    reason: str


class Refused(Exception):
    """The comment is not taken; `message` is shown to the reader next to the form.

    The subclasses say why, for entry points that answer differently (the API's status code);
    the form shows every refusal the same way."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(Refused):
    """This reader may not do this here: comments are closed, or the edit window is over."""


class Conflict(Refused):
    """What is already there stands in the way: the same comment posted before, a report made
    before, a parent that takes no replies."""


class TooSoon(Refused):
    """Fine in itself, but too soon after the last one: try again in `retry_after` seconds."""

    def __init__(self, message: str, retry_after: int, field: str | None = None):
        super().__init__(message, field)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Submission:
    article: Article
    reader: Reader
    name: str
    email: str
    body: str
    url: str = ""
    is_edit: bool = False
    honeypot: str = ""
    # Seconds between showing the form and sending it; None where there is no form (API).
    seconds_to_submit: float | None = None


@dataclass(frozen=True)
class History:
    """What the site knows of this reader (by account or email) and of their IP address."""

    approved: int = 0
    spam: int = 0
    last_by_reader: datetime | None = None
    last_by_ip: datetime | None = None
    duplicates: int = 0


@dataclass(frozen=True)
class Facts:
    settings: ModerationSettings
    bans: list[Ban] = field(default_factory=list)
    history: History = field(default_factory=History)
    now: datetime = field(default_factory=timezone.now)


Check = Callable[[Submission, Facts], Verdict | None]


def _is_staff(sub: Submission) -> bool:
    user = sub.reader.user
    return user is not None and (user.is_staff or user.is_superuser)


def check_staff(sub: Submission, facts: Facts) -> Verdict | None:
    if _is_staff(sub):
        return Verdict(APPROVED, "staff member")
    return None


def check_bans(sub: Submission, facts: Facts) -> Verdict | None:
    email = sub.email.lower()
    domain = email.rpartition("@")[2]
    user_id = str(sub.reader.user.pk) if sub.reader.user else None
    address = _ip(sub.reader.ip)
    for ban in facts.bans:
        hit = (
            (ban.kind == Ban.Kind.USER and ban.value == user_id)
            or (ban.kind == Ban.Kind.EMAIL and ban.value == email)
            or (ban.kind == Ban.Kind.DOMAIN and domain and ban.value == domain)
            or (ban.kind == Ban.Kind.NETWORK and address and _in_network(address, ban.value))
        )
        if hit:
            return Verdict(ban.outcome, f"banned {ban.get_kind_display().lower()} {ban.value}")
    return None


def check_bot_traps(sub: Submission, facts: Facts) -> Verdict | None:
    if sub.is_edit:
        return None
    if sub.honeypot:
        return Verdict(SPAM, "hidden honeypot field was filled in")
    if sub.seconds_to_submit is not None and sub.seconds_to_submit < 0:
        return Verdict(SPAM, "form without a valid timestamp")
    minimum = facts.settings.min_seconds_to_submit
    if sub.seconds_to_submit is not None and sub.seconds_to_submit < minimum:
        return Verdict(
            SPAM,
            f"form sent {sub.seconds_to_submit:.1f} s after it was shown (minimum {minimum} s)",
        )
    return None


def check_flood(sub: Submission, facts: Facts) -> Verdict | None:
    if sub.is_edit or not facts.settings.flood_seconds:
        return None
    window = timedelta(seconds=facts.settings.flood_seconds)
    history = facts.history
    latest = max((t for t in (history.last_by_reader, history.last_by_ip) if t), default=None)
    if latest and facts.now - latest < window:
        wait = max(1, int((latest + window - facts.now).total_seconds()) + 1)
        raise TooSoon(
            f"You are posting comments too quickly. Please wait {wait} seconds and send it again.",
            retry_after=wait,
        )
    return None


def check_duplicate(sub: Submission, facts: Facts) -> Verdict | None:
    if not sub.is_edit and facts.history.duplicates:
        raise Conflict("You have already posted this comment here.", field="body")
    return None


def _find_word(text: str, words: list[str]) -> str | None:
    lowered = text.lower()
    for word in words:
        if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", lowered):
            return word
    return None


def check_disallowed_words(sub: Submission, facts: Facts) -> Verdict | None:
    text = " ".join((sub.name, sub.email, sub.url, sub.body))
    if word := _find_word(text, facts.settings.disallowed_word_list):
        return Verdict(SPAM, f"contains disallowed word '{word}'")
    return None


def check_held_words(sub: Submission, facts: Facts) -> Verdict | None:
    text = " ".join((sub.name, sub.url, sub.body))
    if word := _find_word(text, facts.settings.held_word_list):
        return Verdict(PENDING, f"contains held word '{word}'")
    return None


def check_links(sub: Submission, facts: Facts) -> Verdict | None:
    links = len(_LINK.findall(sub.body))
    limit = facts.settings.link_limit
    if links > limit:
        return Verdict(PENDING, f"{links} links (limit {limit})")
    return None


def check_everything_held(sub: Submission, facts: Facts) -> Verdict | None:
    if facts.settings.require_approval:
        return Verdict(PENDING, "every comment is approved by a moderator")
    return None


def check_history(sub: Submission, facts: Facts) -> Verdict | None:
    history = facts.history
    who = "account" if sub.reader.user else "address"
    if history.spam:
        return Verdict(PENDING, f"this {who} has comments marked spam")
    if history.approved:
        return Verdict(APPROVED, f"this {who} has approved comments")
    if facts.settings.hold_first_comments:
        return Verdict(PENDING, f"first comment from this {who}")
    return None


def check_spam_service(sub: Submission, facts: Facts) -> Verdict | None:
    answer = spamcheck.ask(sub)
    if answer is spamcheck.UNAVAILABLE:
        return Verdict(PENDING, "spam check unavailable; held to be safe")
    if answer is spamcheck.SPAM:
        return Verdict(SPAM, "spam service says spam")
    return None


# Order matters: the first check that decides, decides.
PIPELINE: list[Check] = [
    check_staff,
    check_bans,
    check_bot_traps,
    check_flood,
    check_duplicate,
    check_disallowed_words,
    check_held_words,
    check_links,
    check_everything_held,
    check_history,
    check_spam_service,
]


def verdict_for(sub: Submission, facts: Facts) -> Verdict:
    """The status for `sub` and why; raises Refused for a form error. Pure: no writes."""
    for check in PIPELINE:
        verdict = check(sub, facts)
        if verdict is not None:
            if verdict.status == APPROVED and check is not check_staff:
                # Approval still has to pass the spam service, when one is configured.
                return check_spam_service(sub, facts) or verdict
            return verdict
    return Verdict(APPROVED, "passed every check")


def facts_for(sub: Submission) -> Facts:
    """What the checks need to know, in three queries: settings, bans, history."""
    settings = ModerationSettings.current()
    if _is_staff(sub):
        return Facts(settings=settings)
    return Facts(settings=settings, bans=_bans_for(sub), history=_history_for(sub))


def _bans_for(sub: Submission) -> list[Ban]:
    email = sub.email.lower()
    wanted = Q(kind=Ban.Kind.NETWORK)
    if email:
        wanted |= Q(kind=Ban.Kind.EMAIL, value=email)
        wanted |= Q(kind=Ban.Kind.DOMAIN, value=email.rpartition("@")[2])
    if sub.reader.user:
        wanted |= Q(kind=Ban.Kind.USER, value=str(sub.reader.user.pk))
    return list(Ban.objects.filter(wanted).filter(Ban.in_force()))  # an ended ban is over


def _history_for(sub: Submission) -> History:
    reader = sub.reader
    if reader.user is not None:
        same_reader = Q(user=reader.user)
    elif sub.email:
        same_reader = Q(user__isnull=True, author_email__iexact=sub.email)
    else:
        same_reader = Q(pk__in=[])
    same_ip = Q(ip_address=reader.ip) if reader.ip else Q(pk__in=[])
    row = Comment.objects.filter(same_reader | same_ip).aggregate(
        approved=Count("id", filter=same_reader & Q(status=APPROVED)),
        spam=Count("id", filter=same_reader & Q(status=SPAM)),
        last_by_reader=Max("created_at", filter=same_reader),
        last_by_ip=Max("created_at", filter=same_ip),
        duplicates=Count("id", filter=same_reader & Q(article=sub.article, body=sub.body)),
    )
    return History(**row)


def _ip(value: str | None):
    try:
        return ipaddress.ip_address(value) if value else None
    except ValueError:
        return None


def _in_network(address, network: str) -> bool:
    try:
        return address in ipaddress.ip_network(network, strict=False)
    except ValueError:
        return False


def stricter(current: str, proposed: str) -> str:
    """For an edit: the pipeline may hold or mark spam a published comment, never publish."""
    rank = {APPROVED: 0, PENDING: 1, REJECTED: 2, SPAM: 3}
    if current not in rank:
        return current
    return proposed if rank.get(proposed, 0) > rank[current] else current
