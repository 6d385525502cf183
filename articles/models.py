from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from articles.rendering import render_html, render_markdown


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
        stored = getattr(self, "_stored_text", None)
        if self.is_live and stored is not None and stored != self._text():
            self.updated_at = timezone.now()
        super().save(*args, **kwargs)
        self._stored_text = self._text()

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

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # Remember the text as loaded, to tell a revision from a save that changed nothing.
        loaded = dict(zip(field_names, values, strict=True))
        text_fields = ("title", "standfirst", "body")
        if all(name in loaded for name in text_fields):
            instance._stored_text = tuple(loaded[name] for name in text_fields)
        return instance

    def _text(self) -> tuple:
        return (self.title, self.standfirst, self.body)

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
