"""The sources a comment cites, and what their checks found."""

from django.db import models

from comments.models.discussion import Comment

MAX_SOURCES = 5


class Source(models.Model):
    """A URL a comment cites as evidence, with what the reader said of it or, where they left
    it out, what the page says of itself (`comments.sources.citing`), and its checks: a
    source is re-checked daily and unreachable after three failures a day apart."""

    class Status(models.TextChoices):
        PENDING = "pending", "Not checked yet"
        OK = "ok", "Reachable"
        UNREACHABLE = "unreachable", "Unreachable"
        REFUSED = "refused", "Not fetched (address not allowed)"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="sources")
    position = models.PositiveSmallIntegerField(help_text="1 to 5, as the reader listed them.")
    url = models.URLField(max_length=2000)
    title = models.CharField(max_length=300, blank=True)
    publisher = models.CharField(max_length=200, blank=True)
    published = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status, default=Status.PENDING)
    checked_at = models.DateTimeField(null=True, blank=True)
    last_ok_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveSmallIntegerField(default=0)
    first_failed_at = models.DateTimeField(null=True, blank=True)
    last_failed_at = models.DateTimeField(null=True, blank=True)
    archived_url = models.URLField(max_length=2000, blank=True)

    class Meta:
        ordering = ["comment", "position"]
        constraints = [
            models.UniqueConstraint(fields=["comment", "position"], name="source_position_once"),
            models.CheckConstraint(
                name="source_position_in_range",
                condition=models.Q(position__gte=1, position__lte=MAX_SOURCES),
            ),
        ]
        indexes = [models.Index(fields=["checked_at"], name="source_checked")]

    def __str__(self) -> str:
        return f"Source {self.position} of comment {self.comment_id}: {self.url}"
