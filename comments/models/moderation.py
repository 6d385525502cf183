"""The moderators' settings, bans and the record of every decision."""

import ipaddress

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from comments.models.discussion import Comment


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
    ends_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Empty: until lifted. After this moment it no longer applies.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["kind", "value"], name="ban_unique_value")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value}"

    @staticmethod
    def in_force(now=None) -> Q:
        """The bans that apply at `now`: those without an end, and those not ended yet."""
        return Q(ends_at__isnull=True) | Q(ends_at__gt=now or timezone.now())

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
