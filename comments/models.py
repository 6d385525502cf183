import ipaddress

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from articles.models import Article


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SPAM = "spam", "Spam"
        REMOVED = "removed", "Removed by a moderator"
        DELETED = "deleted", "Deleted by its author"

    # Nothing a reader writes is deleted from the database: removal is a status, and the
    # thread's shape holds (PROTECT) even if a parent would otherwise go.
    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="comments")
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replies"
    )
    root = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The top-level comment of this thread (itself for a top-level comment).",
    )
    depth = models.PositiveSmallIntegerField(default=0)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="comments",
    )
    author_name = models.CharField(max_length=100)
    author_email = models.EmailField(blank=True, help_text="Never published.")
    author_url = models.URLField(blank=True, max_length=300)

    body = models.TextField(help_text="As written, in Markdown.")
    body_html = models.TextField(editable=False, default="")
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    status_reason = models.CharField(max_length=255, blank=True)
    wants_followups = models.BooleanField(default=False)

    ip_address = models.GenericIPAddressField(null=True, blank=True, help_text="Never published.")
    user_agent = models.CharField(max_length=300, blank=True, help_text="Never published.")

    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["article", "status"], name="comment_article_status"),
            models.Index(fields=["root", "created_at"], name="comment_root_created"),
            models.Index(fields=["status", "created_at"], name="comment_status_created"),
        ]
        constraints = [
            models.CheckConstraint(
                name="comment_top_level_has_depth_zero",
                condition=Q(parent__isnull=True, depth=0) | Q(parent__isnull=False, depth__gt=0),
            ),
            models.CheckConstraint(name="comment_not_its_own_parent", condition=~Q(parent=F("id"))),
        ]

    def __str__(self) -> str:
        return f"{self.author_name} on {self.article_id}: {self.body[:40]}"

    def get_absolute_url(self) -> str:
        return reverse("comments:permalink", kwargs={"pk": self.pk})

    @property
    def is_visible(self) -> bool:
        return self.status == self.Status.APPROVED

    @property
    def is_gone(self) -> bool:
        """Deleted by its author or removed by a moderator: shown as a tombstone if replied to."""
        return self.status in (self.Status.DELETED, self.Status.REMOVED)


class Report(models.Model):
    class Reason(models.TextChoices):
        SPAM = "spam", "Spam or advertising"
        ABUSE = "abuse", "Abusive or harassing"
        OFF_TOPIC = "off_topic", "Off-topic"
        OTHER = "other", "Something else"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    reason = models.CharField(max_length=10, choices=Reason)
    note = models.TextField(blank=True, max_length=1000)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    reporter_key = models.CharField(
        max_length=64, help_text="Who reported: a user, or an anonymous browser."
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "reporter_key"], name="report_once_per_reader"
            )
        ]
        indexes = [models.Index(fields=["ip_address", "created_at"], name="report_ip_created")]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} report on comment {self.comment_id}"


class ModerationSettings(models.Model):
    """The moderators' switches and thresholds: one row, edited in the admin."""

    require_approval = models.BooleanField(
        "every comment must be approved by a moderator", default=False
    )
    hold_first_comments = models.BooleanField(
        "hold a reader's first comment",
        default=True,
        help_text="A comment from an email address or account with no approved comment before "
        "waits for a moderator; once approved, that reader's comments are published at once.",
    )
    link_limit = models.PositiveSmallIntegerField(
        default=2, help_text="Hold a comment with more links than this."
    )
    held_words = models.TextField(
        blank=True, help_text="One word or phrase per line. A comment containing one is held."
    )
    disallowed_words = models.TextField(
        blank=True,
        help_text="One word or phrase per line. A comment containing one is marked spam.",
    )
    flood_seconds = models.PositiveSmallIntegerField(
        default=15, help_text="Refuse a second comment from the same reader or IP within this time."
    )
    min_seconds_to_submit = models.PositiveSmallIntegerField(
        default=3, help_text="A form sent faster than this after it was shown is marked spam."
    )
    max_depth = models.PositiveSmallIntegerField(
        "reply depth",
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="Replies nest this deep; deeper replies are attached at the deepest level.",
    )
    edit_minutes = models.PositiveSmallIntegerField(
        "edit window (minutes)", default=15, validators=[MaxValueValidator(1440)]
    )
    max_length = models.PositiveIntegerField(
        "longest comment (characters)",
        default=10_000,
        validators=[MinValueValidator(100), MaxValueValidator(100_000)],
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "moderation settings"
        verbose_name_plural = "moderation settings"
        constraints = [
            models.CheckConstraint(name="moderation_settings_single_row", condition=Q(pk=1))
        ]

    def __str__(self) -> str:
        return "Moderation settings"

    CACHE_KEY = "comments:moderation-settings"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        cache.delete(self.CACHE_KEY)

    @classmethod
    def current(cls) -> "ModerationSettings":
        """The settings row, from the cache when it can (every page and post reads it)."""
        settings_row = cache.get(cls.CACHE_KEY)
        if settings_row is None:
            settings_row = cls.objects.get_or_create(pk=1)[0]
            cache.set(cls.CACHE_KEY, settings_row, timeout=60)
        return settings_row

    @staticmethod
    def _lines(text: str) -> list[str]:
        return [line.strip().lower() for line in text.splitlines() if line.strip()]

    @property
    def held_word_list(self) -> list[str]:
        return self._lines(self.held_words)

    @property
    def disallowed_word_list(self) -> list[str]:
        return self._lines(self.disallowed_words)


class Ban(models.Model):
    class Kind(models.TextChoices):
        USER = "user", "Account"
        EMAIL = "email", "Email address"
        DOMAIN = "domain", "Email domain"
        NETWORK = "network", "IP address or network"

    class Outcome(models.TextChoices):
        REJECT = "rejected", "Reject"
        SPAM = "spam", "Mark as spam"

    kind = models.CharField(max_length=10, choices=Kind)
    value = models.CharField(
        max_length=254,
        help_text="User id, email address, domain (example.com), or IP / network (203.0.113.0/24).",
    )
    outcome = models.CharField(max_length=10, choices=Outcome, default=Outcome.SPAM)
    reason = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["kind", "value"], name="ban_unique_value")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value}"

    def clean(self):
        self.value = normalise_ban_value(self.kind, self.value)


def normalise_ban_value(kind: str, value: str) -> str:
    """The stored form of a ban's value; raises ValidationError when it cannot be one."""
    value = (value or "").strip()
    if kind in (Ban.Kind.EMAIL, Ban.Kind.DOMAIN):
        value = value.lower().lstrip("@")
        if kind == Ban.Kind.EMAIL and "@" not in value:
            raise ValidationError({"value": "Enter an email address."})
        if kind == Ban.Kind.DOMAIN and ("@" in value or "." not in value):
            raise ValidationError({"value": "Enter a domain such as example.com."})
    elif kind == Ban.Kind.NETWORK:
        try:
            value = str(ipaddress.ip_network(value, strict=False))
        except ValueError:
            raise ValidationError({"value": "Enter an IP address or network."}) from None
    elif kind == Ban.Kind.USER and not value.isdigit():
        raise ValidationError({"value": "Enter the id of the account."})
    return value


class ModerationEvent(models.Model):
    """One change of a comment's status, by a person or by the pipeline (actor empty)."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, choices=Comment.Status)
    reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["created_at"], name="event_created")]

    def __str__(self) -> str:
        who = self.actor or "automatic"
        return f"{self.from_status or 'new'} → {self.to_status} by {who}"


class ReportedComment(Comment):
    """Comments with open reports: the moderators' second queue."""

    class Meta:
        proxy = True
        verbose_name = "reported comment"
