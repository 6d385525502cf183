"""Outgoing webhooks: endpoints staff register, and one outbox row per delivery."""

from django.core.cache import cache
from django.db import models
from django.db.models import Q
from django.utils import timezone

EVENTS = [
    ("comment.created", "Comment created"),
    ("comment.approved", "Comment approved"),
    ("comment.edited", "Comment edited"),
    ("comment.removed", "Comment removed"),
    ("comment.deleted", "Comment deleted by its author"),
    ("comment.erased", "Comment author's personal data erased"),
]


class WebhookEndpoint(models.Model):
    url = models.URLField(max_length=500)
    secret = models.CharField(
        max_length=200, help_text="Shared with the receiver, who checks each delivery's signature."
    )
    events = models.JSONField(default=list, help_text="Event names to send.")
    description = models.CharField(max_length=200, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    CACHE_KEY = "comments:webhook-endpoints"

    class Meta:
        ordering = ["url"]

    def __str__(self) -> str:
        return self.description or self.url

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        cache.delete(self.CACHE_KEY)

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        cache.delete(self.CACHE_KEY)
        return result

    @classmethod
    def listening(cls) -> list["WebhookEndpoint"]:
        """Active endpoints, from the cache when it can (every new comment asks)."""
        endpoints = cache.get(cls.CACHE_KEY)
        if endpoints is None:
            endpoints = list(cls.objects.filter(active=True))
            cache.set(cls.CACHE_KEY, endpoints, timeout=60)
        return endpoints


class WebhookDelivery(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENT = "sent", "Delivered"
        FAILED = "failed", "Failed"

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=40)
    occurrence = models.CharField(
        max_length=60, help_text="What happened, once: the event and the comment's change."
    )
    payload = models.JSONField()
    state = models.CharField(max_length=10, choices=State, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_response = models.TextField(blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "occurrence"], name="webhook_once"),
        ]
        indexes = [
            models.Index(
                fields=["state", "queued_at"], name="webhook_unsent", condition=Q(state="pending")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.endpoint} ({self.state})"
