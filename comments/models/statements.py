"""The community guidelines, and the statement of reasons every restricting decision leaves.

A statement follows the fields of the EU DSA Transparency Database (Art. 17 and 24(5)):
what was done and for how long (`measure`, `scope`, `ends_at`), the facts, where it started
(`source`), how automated detection and decision were, the ground (illegal content, with a
category and a legal ground, or a clause of the guidelines) with why, and how to contest it.
It never names whoever notified the content.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from comments.models.discussion import Comment
from comments.models.moderation import Ban, ModerationEvent


class Guideline(models.Model):
    """One numbered clause of the community guidelines, shown at /guidelines/#clause-N."""

    number = models.PositiveSmallIntegerField(unique=True)
    title = models.CharField(max_length=120)
    text = models.TextField(help_text="Markdown.")
    text_html = models.TextField(editable=False, default="")
    active = models.BooleanField(
        default=True,
        help_text="An inactive clause is no longer shown or cited; decisions that cited it "
        "keep it (a cited clause cannot be deleted).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    def get_absolute_url(self) -> str:
        return f"{reverse('comments:guidelines')}#clause-{self.number}"


class Statement(models.Model):
    """The statement of reasons of one restricting decision on one comment or one ban."""

    class Measure(models.TextChoices):
        REMOVAL = "removal", "Removal of the comment"
        REJECTION = "rejection", "The comment is not published"
        SPAM = "spam", "The comment is treated as spam and not published"
        HOLD = "hold", "The comment is withheld until a moderator reviews it"
        BAN_ACCOUNT = "ban_account", "Suspension of the account from commenting"
        BAN_EMAIL = "ban_email", "Suspension of the email address from commenting"
        BAN_DOMAIN = "ban_domain", "Suspension of the email domain from commenting"
        BAN_NETWORK = "ban_network", "Suspension of the IP address or network from commenting"

    class Source(models.TextChoices):
        NOTICE = "notice", "A notice of illegal content"
        OWN_INITIATIVE = "own_initiative", "A moderator's own initiative"
        AUTOMATED = "automated", "An automatic check"

    class Automation(models.TextChoices):
        FULLY = "fully", "Fully automated"
        PARTLY = "partly", "Partly automated"
        NOT = "not", "Not automated"

    class Ground(models.TextChoices):
        ILLEGAL = "illegal", "Illegal content"
        GUIDELINES = "guidelines", "Incompatible with the community guidelines"

    class Category(models.TextChoices):
        """The Transparency Database's statement categories."""

        ANIMAL_WELFARE = "STATEMENT_CATEGORY_ANIMAL_WELFARE", "Animal welfare"
        DATA_PROTECTION = (
            "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
            "Data protection and privacy violations",
        )
        SPEECH = "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", "Illegal or harmful speech"
        INTELLECTUAL_PROPERTY = (
            "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
            "Intellectual property infringements",
        )
        CIVIC_DISCOURSE = (
            "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
            "Negative effects on civic discourse or elections",
        )
        NON_CONSENSUAL = "STATEMENT_CATEGORY_NON_CONSENSUAL_BEHAVIOUR", "Non-consensual behaviour"
        PORNOGRAPHY = (
            "STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT",
            "Pornography or sexualized content",
        )
        MINORS = "STATEMENT_CATEGORY_PROTECTION_OF_MINORS", "Protection of minors"
        PUBLIC_SECURITY = "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY", "Risk for public security"
        SCAMS = "STATEMENT_CATEGORY_SCAMS_AND_FRAUD", "Scams and/or fraud"
        SELF_HARM = "STATEMENT_CATEGORY_SELF_HARM", "Self-harm"
        SCOPE = "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE", "Scope of platform service"
        UNSAFE_PRODUCTS = (
            "STATEMENT_CATEGORY_UNSAFE_AND_ILLEGAL_PRODUCTS",
            "Unsafe and/or illegal products",
        )
        VIOLENCE = "STATEMENT_CATEGORY_VIOLENCE", "Violence"

    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="statements"
    )
    event = models.ForeignKey(
        ModerationEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ban = models.ForeignKey(
        Ban, on_delete=models.SET_NULL, null=True, blank=True, related_name="statements"
    )
    measure = models.CharField(max_length=12, choices=Measure)
    scope = models.CharField(max_length=255)
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Empty: indefinite.")
    facts = models.TextField()
    source = models.CharField(max_length=16, choices=Source)
    automated_detection = models.CharField(max_length=6, choices=Automation)
    automated_decision = models.CharField(max_length=6, choices=Automation)
    ground = models.CharField(max_length=10, choices=Ground)
    clause = models.ForeignKey(
        Guideline, on_delete=models.PROTECT, null=True, blank=True, related_name="statements"
    )
    category = models.CharField(max_length=80, choices=Category, blank=True)
    legal_ground = models.CharField(max_length=255, blank=True)
    explanation = models.TextField(blank=True)
    public_reason = models.CharField(max_length=255, blank=True)
    redress = models.TextField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_at"], name="statement_created")]
        constraints = [
            models.CheckConstraint(
                name="statement_illegal_has_category",
                condition=~Q(ground="illegal") | ~Q(category=""),
            ),
            models.CheckConstraint(
                name="statement_about_something",
                condition=Q(comment__isnull=False) | Q(ban__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_measure_display()} ({self.get_ground_display().lower()})"
