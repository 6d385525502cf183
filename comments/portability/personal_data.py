"""A reader's personal data: what we hold about them, how they get a copy, how it is erased.

The one home of these rules, for the reader's account page and the moderators' admin page.

Whose data:
- an account: its profile, addresses, tokens, reports, and the comments it wrote;
- an email address (anonymous readers, asked for by staff): the comments written without an
  account under that address (case-insensitive), its subscriptions and mail preferences.

Erasure keeps what others wrote and the shape of every thread: a comment is never removed from
the database. Its author's name becomes "Anonymous"; their email, website, IP address and user
agent are blanked; with `delete_comments` it also becomes "deleted" (a tombstone where it has
replies). Subscriptions, mail preferences and API tokens go; unsent mail to them is cancelled.
Every export and erasure leaves a PersonalDataLog row that says whose (an account id or "an
email address") and how much, never the address or the name itself.
"""

import re

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import JsonResponse
from django.utils import timezone

from comments.models import (
    ApiToken,
    ArticleVisit,
    Comment,
    MailPreference,
    ModerationEvent,
    MutedReader,
    Notice,
    Notification,
    PersonalDataLog,
    Report,
    Subscription,
    UsefulVote,
)
from comments.moderation import transitions
from comments.outbound import webhooks
from comments.threads import quoting

ANONYMOUS = "Anonymous"
ACCOUNT_SUBJECT = "account {}"
EMAIL_SUBJECT = "an email address"
KEEP, DELETE = "keep", "delete"
DELETED_REASON = "deleted at its author's request (personal data erased)"


def _iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


# --- Whose rows -------------------------------------------------------------------------------


def verified_addresses(user) -> set[str]:
    """The account's addresses it has proved it owns (lower case).

    Only these reach rows that are not linked to the account itself: an address added but
    never verified could be someone else's."""
    return {
        email.lower()
        for email in EmailAddress.objects.filter(user=user, verified=True).values_list(
            "email", flat=True
        )
    }


def _iexact_any(field: str, emails: set[str]) -> Q:
    query = Q(pk__in=[])
    for email in emails:
        query |= Q(**{f"{field}__iexact": email})
    return query


def _user_comments(user) -> QuerySet:
    return Comment.objects.filter(user=user)


def _email_comments(email: str) -> QuerySet:
    return Comment.objects.filter(user__isnull=True, author_email__iexact=email)


def _user_subscriptions(user) -> QuerySet:
    return Subscription.objects.filter(
        Q(user=user) | _iexact_any("email", verified_addresses(user))
    )


def _email_subscriptions(email: str) -> QuerySet:
    return Subscription.objects.filter(email__iexact=email)


def _user_preferences(user) -> QuerySet:
    return MailPreference.objects.filter(
        Q(user=user) | _iexact_any("email", verified_addresses(user))
    )


def _email_preferences(email: str) -> QuerySet:
    return MailPreference.objects.filter(email__iexact=email)


def account_for_email(email: str):
    """The account that owns `email`, if one does (its comments are the account's to erase)."""
    from django.contrib.auth import get_user_model

    address = EmailAddress.objects.filter(email__iexact=email).select_related("user").first()
    if address is not None:
        return address.user
    return get_user_model().objects.filter(email__iexact=email).first()


# --- Export -----------------------------------------------------------------------------------


def _comment_entry(comment: Comment) -> dict:
    return {
        "id": comment.pk,
        "article": {"slug": comment.article.slug, "title": comment.article.title},
        "parent": comment.parent_id,
        "status": comment.status,
        "kind": comment.kind,
        "resolution": _resolution_entry(comment),
        "created_at": _iso(comment.created_at),
        "edited_at": _iso(comment.edited_at),
        "body": comment.body,
        "name": comment.author_name,
        "email": comment.author_email,
        "website": comment.author_url,
        "ip_address": comment.ip_address,
        "user_agent": comment.user_agent,
        "url": f"{settings.SITE_URL}{comment.get_absolute_url()}",
    }


def _resolution_entry(comment: Comment) -> dict | None:
    """What the article's people decided about the comment's label, note included (a declined
    correction's note is meant for its author)."""
    resolution = getattr(comment, "resolution", None)
    if resolution is None:
        return None
    return {
        "state": resolution.state,
        "note": resolution.note,
        "answer": resolution.answer_id,
        "revision": resolution.revision,
        "decided_at": _iso(resolution.decided_at),
    }


def _comments(comments: QuerySet) -> list[dict]:
    rows = comments.select_related("article", "resolution").order_by("created_at", "id")
    return [_comment_entry(comment) for comment in rows.iterator(chunk_size=500)]


def _subscriptions(subscriptions: QuerySet) -> list[dict]:
    return [
        {
            "article": {"slug": sub.article.slug, "title": sub.article.title},
            "email": sub.email,
            "scope": sub.scope,
            "created_at": _iso(sub.created_at),
            "confirmed_at": _iso(sub.confirmed_at),
            "unsubscribed_at": _iso(sub.unsubscribed_at),
        }
        for sub in subscriptions.select_related("article").order_by("created_at", "id")
    ]


def _preferences(preferences: QuerySet) -> list[dict]:
    fields = ["replies", "article_comments", "published", "corrections", "held_comments"]
    return [
        {"email": pref.email, **{field: getattr(pref, field) for field in fields}}
        for pref in preferences.order_by("email")
    ]


def _notices(notices: QuerySet) -> list[dict]:
    """The notices of illegal content a reader sent, with the decision and any appeal."""
    rows = notices.select_related("appeal").order_by("created_at", "id")
    return [
        {
            "comment": notice.comment_id,
            "ground": notice.ground,
            "other_law": notice.other_law,
            "explanation": notice.explanation,
            "urls": notice.urls,
            "name": notice.name,
            "email": notice.email,
            "ip_address": notice.ip_address,
            "created_at": _iso(notice.created_at),
            "state": notice.state,
            "decided_at": _iso(notice.decided_at),
            "decision_note": notice.decision_note,
            "appeal": _appeal_of(notice),
        }
        for notice in rows
    ]


def _appeal_of(notice: Notice) -> dict | None:
    appeal = getattr(notice, "appeal", None)  # the missing reverse one-to-one is None
    if appeal is None:
        return None
    return {
        "explanation": appeal.explanation,
        "created_at": _iso(appeal.created_at),
        "state": appeal.state,
        "outcome_note": appeal.outcome_note,
    }


# An erased notifier: the notice stays (a record of due process), nobody named in it.
_NOTIFIER_ERASED = {"name": "", "email": "", "ip_address": None, "user": None}


def _log(action: str, *, actor, subject: str, comments: int, details: str = "") -> None:
    PersonalDataLog.objects.create(
        action=action,
        actor=actor if actor is not None and actor.is_authenticated else None,
        subject=subject,
        comments=comments,
        details=details[:200],
    )


def export_for_user(user, *, actor=None) -> dict:
    """Everything held about an account, as JSON-ready values. Logged."""
    addresses = EmailAddress.objects.filter(user=user).order_by("-primary", "email")
    reports = Report.objects.filter(reporter=user).order_by("created_at", "id")
    data = {
        "exported_at": _iso(timezone.now()),
        "account": {
            "id": user.pk,
            "username": user.get_username(),
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "email_addresses": [
                {"email": a.email, "verified": a.verified, "primary": a.primary} for a in addresses
            ],
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
        },
        "comments": _comments(_user_comments(user)),
        "subscriptions": _subscriptions(_user_subscriptions(user)),
        "mail_preferences": _preferences(_user_preferences(user)),
        "notices": _notices(
            Notice.objects.filter(Q(user=user) | _iexact_any("email", verified_addresses(user)))
        ),
        "reports": [
            {
                "comment": report.comment_id,
                "reason": report.reason,
                "note": report.note,
                "ip_address": report.ip_address,
                "created_at": _iso(report.created_at),
                "resolved_at": _iso(report.resolved_at),
            }
            for report in reports
        ],
        "useful_votes": [
            {"comment": comment, "created_at": _iso(created_at)}
            for comment, created_at in UsefulVote.objects.filter(voter=user)
            .order_by("created_at", "id")
            .values_list("comment_id", "created_at")
        ],
        "muted_readers": [
            {"username": username, "muted_at": _iso(created_at)}
            for username, created_at in MutedReader.objects.filter(reader=user)
            .order_by("created_at", "id")
            .values_list("muted__username", "created_at")
        ],
        "article_visits": [
            {"article": slug, "seen_at": _iso(seen_at)}
            for slug, seen_at in ArticleVisit.objects.filter(reader=user)
            .order_by("article_id")
            .values_list("article__slug", "seen_at")
        ],
        # Names and dates only: a token's hash is no one's business, not even its owner's.
        "api_tokens": [
            {
                "name": token.name,
                "created_at": _iso(token.created_at),
                "last_used_at": _iso(token.last_used_at),
                "revoked_at": _iso(token.revoked_at),
            }
            for token in ApiToken.objects.filter(user=user).order_by("created_at", "id")
        ],
    }
    _log(
        PersonalDataLog.Action.EXPORT,
        actor=actor if actor is not None else user,
        subject=ACCOUNT_SUBJECT.format(user.pk),
        comments=len(data["comments"]),
    )
    return data


def export_for_email(email: str, *, actor=None) -> dict:
    """Everything held about an address used without an account. Logged."""
    email = email.strip()
    data = {
        "exported_at": _iso(timezone.now()),
        "email": email,
        "comments": _comments(_email_comments(email)),
        "subscriptions": _subscriptions(_email_subscriptions(email)),
        "mail_preferences": _preferences(_email_preferences(email)),
        "notices": _notices(Notice.objects.filter(email__iexact=email, user__isnull=True)),
    }
    _log(
        PersonalDataLog.Action.EXPORT,
        actor=actor,
        subject=EMAIL_SUBJECT,
        comments=len(data["comments"]),
    )
    return data


def download(data: dict) -> JsonResponse:
    """An export as a file to save. The name carries the date, never whose data it is."""
    response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
    filename = f"personal-data-{timezone.now():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store, private"
    return response


# --- Erasure ----------------------------------------------------------------------------------


ERASED = "[erased]"


def _scrub_reasons(rows: list[Comment]) -> None:
    """A verdict's reason may quote the author's address or IP ("banned email address
    ann@example.com"): their comments' reasons, and those in their history, lose them too."""
    traces = {
        value.lower()
        for comment in rows
        for value in (comment.author_email, comment.ip_address, comment.author_url)
        if value and len(value) > 3
    }
    if not traces:
        return
    pattern = re.compile(
        "|".join(re.escape(t) for t in sorted(traces, key=len, reverse=True)), re.IGNORECASE
    )
    for comment in rows:
        if pattern.search(comment.status_reason):
            comment.status_reason = pattern.sub(ERASED, comment.status_reason)[:255]
            Comment.objects.filter(pk=comment.pk).update(status_reason=comment.status_reason)
    quoting = Q(pk__in=[])
    for trace in traces:
        quoting |= Q(reason__icontains=trace)
    events = ModerationEvent.objects.filter(quoting, comment_id__in=[c.pk for c in rows])
    for event in events.only("pk", "reason"):
        ModerationEvent.objects.filter(pk=event.pk).update(
            reason=pattern.sub(ERASED, event.reason)[:255]
        )


def _erase(
    comments: QuerySet,
    *,
    subscriptions: QuerySet,
    preferences: QuerySet,
    unsent: Q,
    actor,
    delete_comments: bool,
    subject: str,
    extra: dict[str, int],
) -> int:
    now = timezone.now()
    with transaction.atomic():
        rows = list(comments.select_for_update().order_by("pk"))
        ids = [comment.pk for comment in rows]
        _scrub_reasons(rows)
        # One update for every comment: nothing left that says who wrote it. updated_at
        # moves so the API's change feed hands the new author ("Anonymous") to sync clients.
        blank = {
            "author_name": ANONYMOUS,
            "author_email": "",
            "author_url": "",
            "ip_address": None,
            "user_agent": "",
        }
        Comment.objects.filter(pk__in=ids).update(**blank, updated_at=now)
        for comment in rows:
            for field, value in blank.items():
                setattr(comment, field, value)
        deleted = []
        if delete_comments:
            deleted = transitions.change_statuses(
                rows, Comment.Status.DELETED, actor=actor, reason=DELETED_REASON
            )
        else:
            quoting.refresh_quoters(ids)  # quotes of them name "Anonymous" now
        subscription_count = subscriptions.count()
        # Their unsent mail goes before the subscriptions it may hang on (cascade).
        cancelled = Notification.objects.filter(unsent, state=Notification.State.PENDING).update(
            state=Notification.State.CANCELLED, last_error="personal data erased"
        )
        subscriptions.delete()
        preferences.delete()
        webhooks.queue("comment.erased", rows, f"erase-{now.timestamp()}")
        counts = {
            "deleted": len(deleted),
            "subscriptions": subscription_count,
            "unsent mail": cancelled,
            **extra,
        }
        details = ("comments deleted; " if delete_comments else "comments kept as Anonymous; ") + (
            ", ".join(f"{name} {n}" for name, n in counts.items())
        )
        _log(
            PersonalDataLog.Action.ERASE,
            actor=actor,
            subject=subject,
            comments=len(ids),
            details=details,
        )
    return len(ids)


def erase_for_user(user, *, actor, delete_comments: bool) -> int:
    """Erase an account's personal data from its comments and everything around them.

    The account itself stays (closing it is allauth's business); its comments stay linked to
    it, so its owner can still delete them. Returns the number of comments affected."""
    addresses = verified_addresses(user)
    with transaction.atomic():
        tokens = ApiToken.objects.filter(user=user)
        token_count = tokens.count()
        tokens.delete()
        reports = Report.objects.filter(reporter=user).update(ip_address=None)
        # Votes stay counted with nobody named behind them; whom the reader muted is gone.
        votes = UsefulVote.objects.filter(voter=user).update(voter=None)
        mutes, _ = MutedReader.objects.filter(reader=user).delete()
        visits, _ = ArticleVisit.objects.filter(reader=user).delete()  # what they read, when
        notices = Notice.objects.filter(Q(user=user) | _iexact_any("email", addresses)).update(
            **_NOTIFIER_ERASED
        )
        return _erase(
            _user_comments(user),
            subscriptions=_user_subscriptions(user),
            preferences=_user_preferences(user),
            unsent=Q(user=user) | _iexact_any("recipient", addresses),
            actor=actor,
            delete_comments=delete_comments,
            subject=ACCOUNT_SUBJECT.format(user.pk),
            extra={
                "tokens": token_count,
                "reports": reports,
                "votes": votes,
                "mutes": mutes,
                "visits": visits,
                "notices": notices,
            },
        )


def erase_for_email(email: str, *, actor, delete_comments: bool) -> int:
    """Erase an address from the comments written under it without an account, its
    subscriptions and preferences, and its unsent mail. Returns the comments affected."""
    email = email.strip()
    if not email:
        raise ValueError("An email address is needed.")
    with transaction.atomic():
        notices = Notice.objects.filter(email__iexact=email, user__isnull=True)
        return _erase(
            _email_comments(email),
            subscriptions=_email_subscriptions(email),
            preferences=_email_preferences(email),
            unsent=Q(recipient__iexact=email),
            actor=actor,
            delete_comments=delete_comments,
            subject=EMAIL_SUBJECT,
            extra={"notices": notices.update(**_NOTIFIER_ERASED)},
        )


def held_for_user(user) -> dict[str, int]:
    """How much is held, for the account page."""
    return {
        "comments": _user_comments(user).count(),
        "subscriptions": _user_subscriptions(user).count(),
        "reports": Report.objects.filter(reporter=user).count(),
        "tokens": ApiToken.objects.filter(user=user, revoked_at__isnull=True).count(),
    }


def held_for_email(email: str) -> dict[str, int]:
    """How much is held about an address used without an account, for the admin page."""
    return {
        "comments": _email_comments(email).count(),
        "subscriptions": _email_subscriptions(email).count(),
    }
