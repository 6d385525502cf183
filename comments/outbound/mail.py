"""A notification row becomes an email: text and HTML from platform/templates/email/, the
site's absolute links, a signed one-click unsubscribe link (RFC 8058), a Message-ID taken
from the row id. Another reader's address never appears in a mail."""

import logging
from dataclasses import dataclass
from smtplib import SMTPException

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator

from comments.models import Appeal, Notice, Notification, Resolution, Statement, Subscription
from comments.moderation import appeals, mail_links
from comments.outbound import outbox
from comments.threads import changelog

logger = logging.getLogger(__name__)

_UNSUBSCRIBE_SALT = "comments.unsubscribe"
_CONFIRM_SALT = "comments.confirm"
Kind = Notification.Kind
State = Notification.State


def unsubscribe_token(row: Notification) -> str:
    """An opaque, signed reference to the row: no address, nothing personal to decode."""
    return signing.dumps(row.pk, salt=_UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token: str) -> int:
    """The row id a link names; BadSignature for anything this site did not sign."""
    return _signed_id(signing.loads(token, salt=_UNSUBSCRIBE_SALT))


def confirm_token(subscription: Subscription) -> str:
    return signing.dumps(subscription.pk, salt=_CONFIRM_SALT)


def read_confirm_token(token: str) -> int:
    return _signed_id(signing.loads(token, salt=_CONFIRM_SALT, max_age=60 * 60 * 24 * 14))


def _signed_id(value) -> int:
    # Links of the older format carried the address too; they are refused, since one of them
    # may have reached a reader it did not belong to.
    if not isinstance(value, int) or isinstance(value, bool):
        raise signing.BadSignature("not a row id")
    return value


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


# Every reader of one comment gets the same words; only their unsubscribe link differs. The
# words are rendered once per comment and kind, with this marker where the link goes.
_LINK = "https://unsubscribe.invalid/marker"


# The links only one moderator may follow: in each held comment's mail, filled in per row.
_APPROVE = "https://approve.invalid/marker"
_SPAM = "https://spam.invalid/marker"


def _own_links(row: Notification, unsubscribe: str) -> dict[str, str]:
    """What each marker becomes in this row's mail."""
    links = {_LINK: unsubscribe}
    if row.kind == Kind.HELD and row.user_id and row.comment_id:
        for marker, action in ((_APPROVE, "approve"), (_SPAM, "spam")):
            links[marker] = _absolute(mail_links.path(row.comment, row.user, action))
    return links


def unsubscribe_link(row: Notification) -> str:
    """The one builder of a mail's unsubscribe link: its body and its headers use this."""
    return _absolute(reverse("comments:unsubscribe", args=[unsubscribe_token(row)]))


def context_for(row: Notification, unsubscribe_url: str) -> dict:
    comment = row.comment
    article = comment.article if comment else row.subscription.article
    context = {
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "kind": row.kind,
        "article": article,
        "article_url": _absolute(article.get_absolute_url()),
        "unsubscribe_url": unsubscribe_url,
        "manage_url": _absolute(reverse("comments:notification_settings")),
    }
    if comment is not None:
        context.update(
            comment=comment,
            author_name=comment.author_name,
            excerpt=Truncator(strip_tags(comment.body_html)).chars(600),
            comment_url=_absolute(f"{reverse('comments:permalink', args=[comment.pk])}"),
            reason=comment.status_reason,
            admin_url=_absolute(reverse("admin:comments_comment_change", args=[comment.pk])),
        )
    if row.kind == Kind.HELD and row.user_id:
        context.update(
            approve_url=_APPROVE, spam_url=_SPAM, link_days=settings.MODERATION_LINK_DAYS
        )
    if row.kind == Kind.CORRECTION:
        context.update(_decision(comment))
    if row.kind == Kind.STATEMENT:
        statement = Statement.objects.select_related("clause").filter(pk=_event_id(row)).first()
        context["statement"] = statement
        context["statement_url"] = _absolute(reverse("comments:statement", args=[comment.pk]))
        context["appeal_url"] = _absolute(appeals.path_for(statement)) if statement else ""
    if row.kind in (Kind.RECEIPT, Kind.OUTCOME):
        notice = Notice.objects.filter(pk=_event_id(row)).first()
        context["notice"] = notice
        context["statement"] = notice.statement if notice else None
        if notice is not None and notice.state == Notice.State.NO_ACTION:
            context["appeal_url"] = _absolute(appeals.path_for(notice))
    if row.kind == Kind.APPEALED:
        context["appeal"] = (
            Appeal.objects.select_related("statement", "notice").filter(pk=_event_id(row)).first()
        )
    if row.kind == Kind.CONFIRM:
        context["confirm_url"] = _absolute(
            reverse("comments:confirm_subscription", args=[confirm_token(row.subscription)])
        )
    return context


def _event_id(row: Notification) -> int:
    """The id an event names: "statement:12" names statement 12."""
    tail = row.event.partition(":")[2]
    return int(tail) if tail.isdigit() else 0


# Mail about one decision (its own event), not about the comment alone: never shared.
_OWN_EVENT = (Kind.CONFIRM, Kind.STATEMENT, Kind.RECEIPT, Kind.OUTCOME, Kind.APPEALED)


def _decision(comment) -> dict:
    """The editors' decision on a correction, as its mail tells it: the decision as it stands
    (a mail about an earlier one is cancelled when the decision changes)."""
    resolution = Resolution.objects.filter(comment=comment).first()
    if resolution is None:
        return {}
    article_url = comment.article.get_absolute_url()
    return {
        "resolution": resolution,
        "accepted": resolution.state == Resolution.State.ACCEPTED,
        "revision_url": _absolute(changelog.revision_path(article_url, resolution.revision))
        if resolution.revision
        else "",
    }


def _rendered(row: Notification, unsubscribe_url: str) -> tuple[str, str, str]:
    context = context_for(row, unsubscribe_url)
    subject = " ".join(render_to_string(f"email/{row.kind}_subject.txt", context).split())
    text = render_to_string(f"email/{row.kind}.txt", context)
    html = render_to_string(f"email/{row.kind}.html", context)
    return subject, text, html


def _filled(part: str, links: dict[str, str]) -> str:
    for marker, url in links.items():
        part = part.replace(marker, url)
    return part


def message_for(row: Notification, cache: dict | None = None) -> EmailMultiAlternatives:
    """The mail for `row`. Pass one `cache` dict for a batch: rows about the same comment
    then share one rendering (a fan-out to thousands renders its templates once)."""
    link = unsubscribe_link(row)
    if cache is not None and row.comment_id and row.kind not in _OWN_EVENT:
        key = (row.kind, row.comment_id)
        if key not in cache:
            cache[key] = _rendered(row, _LINK)
        parts = cache[key]
    else:
        parts = _rendered(row, _LINK)
    links = _own_links(row, link)
    subject, text, html = (_filled(part, links) for part in parts)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[row.recipient],
        headers={
            "Message-ID": f"<notification-{row.pk}@{settings.SITE_URL.split('://')[-1].split('/')[0].split(':')[0]}>",
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
            "X-Notification-Id": str(row.pk),
        },
    )
    message.attach_alternative(html, "text/html")
    return message


# --- Sending a batch ------------------------------------------------------------------------


@dataclass(frozen=True)
class Retry:
    """What is left of a batch after an SMTP failure, and when to try it again."""

    ids: list[int]
    countdown: int


def deliver(ids: list[int]) -> Retry | None:
    """Send the pending rows among `ids` over one SMTP connection, each marked sent right
    after it leaves. Returns what to retry after a failure, or None."""
    now = timezone.now()
    outbox.claim(Notification, ids, now)
    rows = list(
        Notification.objects.filter(pk__in=ids, state=State.PENDING, claimed_at=now)
        .select_related("comment__article", "subscription__article", "user")
        .order_by("pk")
    )
    if not rows:
        return None  # sent already, cancelled, or another worker has them
    connection = get_connection(settings.EMAIL_DELIVERY_BACKEND)
    rendered: dict = {}
    try:
        try:
            connection.open()
        except (SMTPException, OSError) as error:  # the server cannot be reached at all
            if _failed(rows, error):
                return None  # the sweep hands out the rest once the first is dealt with
            return Retry([row.pk for row in rows], outbox.backoff(rows[0].attempts))
        for index, row in enumerate(rows):
            try:
                connection.send_messages([message_for(row, rendered)])
            except (SMTPException, OSError) as error:
                rest = rows[index + 1 :] if _failed(rows[index:], error) else rows[index:]
                return Retry([r.pk for r in rest], outbox.backoff(row.attempts)) if rest else None
            Notification.objects.filter(pk=row.pk).update(
                state=State.SENT, sent_at=timezone.now(), attempts=F("attempts") + 1
            )
    finally:
        connection.close()
    return None


def _failed(rows: list[Notification], error: Exception) -> bool:
    """After an SMTP failure on rows[0]: count the attempt, release every claim, and mark
    failed what has used up its attempts (shown in the admin with the error). True when
    rows[0] is now failed for good."""
    text = f"{type(error).__name__}: {error}"[:1000]
    failed = rows[0]
    failed.attempts += 1
    Notification.objects.filter(pk=failed.pk).update(
        attempts=F("attempts") + 1, last_error=text, claimed_at=None
    )
    Notification.objects.filter(pk__in=[row.pk for row in rows[1:]]).update(claimed_at=None)
    logger.warning("SMTP failed (attempt %d): %s", failed.attempts, text)
    if failed.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
        Notification.objects.filter(pk=failed.pk).update(state=State.FAILED)
        return True
    return False
