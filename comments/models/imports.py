"""What came from another system, by its own id there: makes every import repeatable."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class ImportedRecord(models.Model):
    source = models.CharField(max_length=200, help_text="e.g. wordpress:https://blog.example.com")
    kind = models.CharField(max_length=20, help_text="article, comment, topic, user")
    source_id = models.CharField(max_length=100)
    object_id = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "kind", "source_id"], name="imported_once")
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.kind} {self.source_id} -> {self.object_id}"


class PersonalDataLog(models.Model):
    """Who exported or erased someone's data, and how much; never the data itself."""

    class Action(models.TextChoices):
        EXPORT = "export", "Export"
        ERASE = "erase", "Erasure"

    action = models.CharField(max_length=10, choices=Action)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    subject = models.CharField(
        max_length=80,
        help_text="Whose data: 'account 12' or 'an email address' (never the address).",
    )
    comments = models.PositiveIntegerField(default=0)
    details = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} of {self.subject}"
