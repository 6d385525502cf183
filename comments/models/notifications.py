"""Who asked to hear about a discussion, what each address wants, and the outbox of mail."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from articles.models import Article
from comments.models.discussion import Comment


class Subscription(models.Model):
    """An address that wants mail about an article's discussion.

    An anonymous reader's subscription waits for confirmation (double opt-in) before any
    follow-up is sent, so nobody can sign a stranger up.
    """

    class Scope(models.TextChoices):
        THREAD = "thread", "Every new comment"
        REPLIES = "replies", "Only replies to my comments"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="subscriptions")
    email = models.EmailField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="subscriptions",
    )
    scope = models.CharField(max_length=10, choices=Scope, default=Scope.THREAD)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["article", "email"], name="subscription_once"),
        ]
        indexes = [models.Index(fields=["article", "scope"], name="subscription_article")]

    def __str__(self) -> str:
        return f"{self.email} on {self.article_id} ({self.scope})"

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None


class MailPreference(models.Model):
    """What one address wants to receive beyond its subscriptions (one row per address)."""

    email = models.EmailField(unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    replies = models.BooleanField("replies to my comments", default=True)
    article_comments = models.BooleanField("new comments on articles I wrote", default=True)
    published = models.BooleanField("when a held comment of mine is published", default=True)
    mentions = models.BooleanField("when a reader mentions me", default=True)
    corrections = models.BooleanField("the editors' decision on a correction I sent", default=True)
    held_comments = models.BooleanField(
        "comments waiting for moderation (moderators)", default=False
    )

    def __str__(self) -> str:
        return self.email


class Notification(models.Model):
    """One mail to one address about one event: the outbox row, written with the event.

    `event` names what happened ("approved:42", "held:42", "confirm:7"); one address gets at
    most one mail per event, whatever the reasons it qualifies (the database enforces it).
    """

    class Kind(models.TextChoices):
        HELD = "held", "A comment waits for moderation"
        REPLY = "reply", "A reply to your comment"
        MENTION = "mention", "A comment that mentions you"
        ARTICLE_COMMENT = "article", "A comment on your article"
        THREAD_COMMENT = "thread", "A new comment in a discussion you follow"
        PUBLISHED = "published", "Your comment is published"
        CORRECTION = "correction", "The editors decided on your correction"
        CONFIRM = "confirm", "Confirm your subscription"
        STATEMENT = "statement", "Why a moderation decision was taken on your comment"
        RECEIPT = "receipt", "We received your notice"
        OUTCOME = "outcome", "The decision on your notice"
        APPEALED = "appealed", "The decision on your appeal"

    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    event = models.CharField(max_length=40)
    kind = models.CharField(max_length=10, choices=Kind)
    recipient = models.EmailField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    state = models.CharField(max_length=10, choices=State, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(null=True, blank=True, help_text="Handed to the broker.")
    claimed_at = models.DateTimeField(null=True, blank=True, help_text="Taken by a worker.")
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "recipient"], name="notification_once"),
        ]
        indexes = [
            models.Index(
                fields=["state", "queued_at"],
                name="notification_unsent",
                condition=Q(state="pending"),
            ),
            models.Index(fields=["comment", "state"], name="notification_comment"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient} ({self.state})"
