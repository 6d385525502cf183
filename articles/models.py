from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from articles.rendering import plain_text, render_html, render_markdown


class Topic(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("articles:topic", kwargs={"slug": self.slug})


class ArticleQuerySet(models.QuerySet):
    def published(self, now=None) -> "ArticleQuerySet":
        """Articles the public may read: published, or scheduled and their time has come."""
        now = now or timezone.now()
        return self.filter(
            status__in=[Article.Status.PUBLISHED, Article.Status.SCHEDULED],
            published_at__lte=now,
        )

    def visible_to(self, user) -> "ArticleQuerySet":
        if user.is_authenticated and user.is_staff and user.has_perm("articles.view_article"):
            return self.all()
        return self.published()


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SCHEDULED = "scheduled", "Scheduled"
        PUBLISHED = "published", "Published"

    class CommentPolicy(models.TextChoices):
        OPEN = "open", "Open to everyone"
        SIGNED_IN = "signed_in", "Signed-in readers only"
        CLOSED = "closed", "Closed"

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    standfirst = models.TextField(
        max_length=400, help_text="One or two sentences shown under the title and in lists."
    )

    class BodyFormat(models.TextChoices):
        MARKDOWN = "markdown", "Markdown"
        HTML = "html", "HTML (imported)"

    body = models.TextField(help_text="Markdown. Sections start with ## headings.")
    body_format = models.CharField(max_length=10, choices=BodyFormat, default=BodyFormat.MARKDOWN)
    body_html = models.TextField(editable=False, default="")
    toc = models.JSONField(editable=False, default=list)
    reading_minutes = models.PositiveSmallIntegerField(editable=False, default=1)

    authors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="articles")
    topics = models.ManyToManyField(Topic, related_name="articles", blank=True)

    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    published_at = models.DateTimeField(
        null=True, blank=True, help_text="Required to schedule or publish."
    )
    updated_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the published text last changed."
    )
    revision = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="The number of the latest revision of the text; 0 until first published.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    hero_image = models.ImageField(upload_to="articles/hero/%Y/", blank=True)
    hero_alt = models.CharField(
        "hero image alt text",
        max_length=250,
        blank=True,
        help_text="Describes the image for readers who cannot see it. Required with an image.",
    )
    hero_caption = models.CharField(max_length=300, blank=True)

    discussion_prompt = models.CharField(
        max_length=300,
        blank=True,
        help_text='Closing question to readers, e.g. "What do you see as the greatest risk?"',
    )
    comment_policy = models.CharField(
        max_length=10, choices=CommentPolicy, default=CommentPolicy.OPEN
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["status", "-published_at"])]
        constraints = [
            models.CheckConstraint(
                name="article_live_needs_published_at",
                condition=Q(status="draft") | Q(published_at__isnull=False),
                violation_error_message="A scheduled or published article needs a date.",
            ),
            models.CheckConstraint(
                name="article_hero_needs_alt",
                condition=Q(hero_image="") | ~Q(hero_alt=""),
                violation_error_message="A hero image needs alt text.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        rendered = (
            render_html(self.body)
            if self.body_format == self.BodyFormat.HTML
            else render_markdown(self.body)
        )
        self.body_html = rendered.html
        self.toc = rendered.toc
        self.reading_minutes = rendered.reading_minutes
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("articles:detail", kwargs={"slug": self.slug})

    def clean(self):
        errors = {}
        if self.hero_image and not self.hero_alt.strip():
            errors["hero_alt"] = "Describe the hero image for readers who cannot see it."
        if self.status != self.Status.DRAFT and not self.published_at:
            errors["published_at"] = "Give the date and time the article goes live."
        if errors:
            raise ValidationError(errors)

    @property
    def is_live(self) -> bool:
        return (
            self.status != self.Status.DRAFT
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def was_revised(self) -> bool:
        return bool(self.updated_at and self.published_at and self.updated_at > self.published_at)

    @property
    def effective_comment_policy(self) -> str:
        """The policy in force now: the article's own, closed by age when the site says so."""
        days = settings.COMMENTS_CLOSE_AFTER_DAYS
        if days and self.published_at and self.published_at < timezone.now() - timedelta(days=days):
            return self.CommentPolicy.CLOSED
        return self.comment_policy


class ArticleRevision(models.Model):
    """The text of a published article as readers saw it from `published_at` on: revision 1
    is the text first published, each later one a save that changed the title, standfirst or
    body. `articles/services.py` makes them; nothing edits one once it is public."""

    MAX_NUMBER = 2_147_483_647  # what the column holds in every database

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    published_at = models.DateTimeField(help_text="When this text became (or becomes) public.")
    created_at = models.DateTimeField(auto_now_add=True)
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="article_revisions",
    )
    note = models.CharField("change note", max_length=300, blank=True)

    title = models.CharField(max_length=200)
    standfirst = models.TextField(max_length=400)
    body = models.TextField()
    body_format = models.CharField(max_length=10, choices=Article.BodyFormat)
    body_html = models.TextField()
    # Stored, not recomputed: offsets into it (a comment's anchor) must outlive any change
    # to how plain text is drawn from HTML.
    plain_text = models.TextField()

    class Meta:
        ordering = ["article", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "number"], name="article_revision_number_unique"
            ),
            models.CheckConstraint(
                name="article_revision_number_positive", condition=Q(number__gte=1)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article_id} revision {self.number}"

    def get_absolute_url(self) -> str:
        return reverse(
            "articles:revision", kwargs={"slug": self.article.slug, "number": self.number}
        )

    def set_text(self, article: Article) -> None:
        """Copy the article's text as rendered by its last save."""
        self.title = article.title
        self.standfirst = article.standfirst
        self.body = article.body
        self.body_format = article.body_format
        self.body_html = article.body_html
        self.plain_text = plain_text(article.body_html)

    def has_text_of(self, article: Article) -> bool:
        """Whether `article` says what this revision says. Line endings and the whitespace
        around each field do not count: a browser posts a textarea with CRLF, and the admin
        strips what the demo loader and importers keep, though readers see no difference."""
        return _comparable(self) == _comparable(article)

    @property
    def editor_name(self) -> str:
        """The editor as readers may see them: their name, never their address."""
        editor = self.editor
        if editor is None:
            return ""
        name = editor.get_full_name() or editor.get_username()
        return "" if "@" in name else name


def _comparable(text) -> tuple[str, str, str, str]:
    def normal(value: str) -> str:
        return value.replace("\r\n", "\n").replace("\r", "\n").strip()

    return (normal(text.title), normal(text.standfirst), normal(text.body), text.body_format)
