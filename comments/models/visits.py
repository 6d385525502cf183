"""When each signed-in reader last saw each discussion, for the "New" markers."""

from django.conf import settings
from django.db import models

from articles.models import Article


class ArticleVisit(models.Model):
    """A signed-in reader's last view of an article (any page of its discussion), and the one
    before it. A view marks as new what arrived after the view before it; a request that is
    not a view (a form sent back with an error) shows the same markers again, from
    `previous_seen_at`. One row per reader and article, moved forward in one statement
    (comments.threads.visits)."""

    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="article_visits"
    )
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField()
    # None until the second view: a first view marks nothing new.
    previous_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["reader", "article"], name="visit_once_per_reader")
        ]

    def __str__(self) -> str:
        return f"Reader {self.reader_id} saw article {self.article_id} at {self.seen_at}"
