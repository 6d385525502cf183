"""Confirming, leaving and managing notification mail: the write side of subscriptions."""

from django.db import transaction
from django.utils import timezone

from comments.models import MailPreference, Notification, Subscription
from comments.outbound import recipients

Kind = Notification.Kind


def confirm(subscription: Subscription) -> Subscription:
    if subscription.confirmed_at is None:
        subscription.confirmed_at = timezone.now()
        subscription.unsubscribed_at = None
        subscription.save(update_fields=["confirmed_at", "unsubscribed_at"])
    return subscription


def leave(subscription: Subscription) -> None:
    """Stop all mail about one discussion to this address, including what is queued."""
    Subscription.objects.filter(pk=subscription.pk).update(unsubscribed_at=timezone.now())
    _withdraw(subscription.email, subscription_id=subscription.pk)


NOT_A_LIST = (
    "This mail told you of one decision (a statement of reasons, a notice or an appeal): it is "
    "sent once, and there is no list to leave. Nothing was changed."
)


def is_on_a_list(row: Notification) -> bool:
    """Does an unsubscribe from `row` stop anything? Not for a decision's own mail."""
    subscribed = row.subscription_id and row.kind in (
        Kind.THREAD_COMMENT,
        Kind.CONFIRM,
        Kind.REPLY,
    )
    return bool(subscribed) or row.kind in recipients.PREFERENCE


def unsubscribe_from(row: Notification) -> str:
    """Stop the mail `row` stands for. Returns a sentence saying what was stopped."""
    with transaction.atomic():
        if row.subscription_id and row.kind in (Kind.THREAD_COMMENT, Kind.CONFIRM, Kind.REPLY):
            sub = row.subscription
            leave(sub)
            return f"You will get no more mail about the discussion of “{sub.article.title}”."
        field = recipients.PREFERENCE.get(row.kind)
        if field is None:  # a decision's own mail (recipients.OWED): no switch turns it off
            return NOT_A_LIST
        pref, _ = MailPreference.objects.get_or_create(
            email=row.recipient, defaults={"user": row.user}
        )
        setattr(pref, field, False)
        pref.save(update_fields=[field])
        _withdraw(row.recipient, kind=row.kind)
        label = MailPreference._meta.get_field(field).verbose_name
        return f"You will get no more mail about {label}."


def _withdraw(email: str, *, subscription_id=None, kind=None) -> None:
    """What is queued but unsent for this address, and now unwanted, is not sent."""
    unsent = Notification.objects.filter(recipient=email, state=Notification.State.PENDING)
    unsent = (
        unsent.filter(subscription_id=subscription_id)
        if subscription_id
        else unsent.filter(kind=kind)
    )
    unsent.update(state=Notification.State.CANCELLED, last_error="unsubscribed")


def preferences_for(user) -> MailPreference:
    pref, _ = MailPreference.objects.get_or_create(
        email=user.email.lower(), defaults={"user": user}
    )
    return pref
