"""The passage of an article a comment answers: its anchor."""

from django.db import models
from django.db.models import F, Q

from articles.models import Article
from comments.models.discussion import Comment


class Anchor(models.Model):
    """A comment's passage: the words quoted (never changed once written), their context,
    and where they are in the plain text of `revision`, kept up to date as the article is
    revised (`comments.passages`). An anchor whose words are gone keeps its last place and
    is `orphaned`: the comment stays in the thread and is listed under earlier text."""

    class State(models.TextChoices):
        ANCHORED = "anchored", "Anchored"
        MOVED = "moved", "Moved"
        ORPHANED = "orphaned", "Orphaned"

    comment = models.OneToOneField(Comment, on_delete=models.CASCADE, related_name="anchor")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    exact = models.TextField()
    prefix = models.CharField(max_length=32, blank=True)
    suffix = models.CharField(max_length=32, blank=True)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    revision = models.PositiveIntegerField(help_text="The revision the offsets count in.")
    written_on = models.PositiveIntegerField(help_text="The revision the reader quoted.")
    block = models.CharField(
        max_length=40, blank=True, help_text="The id of the paragraph or heading it is in now."
    )
    state = models.CharField(max_length=10, choices=State, default=State.ANCHORED)

    class Meta:
        indexes = [models.Index(fields=["article", "revision"], name="anchor_article_revision")]
        constraints = [
            models.CheckConstraint(name="anchor_start_before_end", condition=Q(start__lt=F("end")))
        ]

    def __str__(self) -> str:
        return f"Anchor of comment {self.comment_id} ({self.state})"
