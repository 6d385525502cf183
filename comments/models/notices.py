"""Due process around a decision: notices of illegal content (DSA Art. 16), appeals against
decisions (as Art. 20 describes), the signed links of moderators' alert mail, and the log of
what was refused on the way.

A notice never reaches the comment's author or the public: statements and tombstones say a
notice started the decision, never who sent it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from comments.models.discussion import Comment
from comments.models.statements import Statement

CHILD_ABUSE = "child_sexual_abuse"
OTHER_LAW = "other_law"
# What a notifier may say the comment is: the Transparency Database's categories, child sexual
# abuse material on its own (Art. 16(2)(c): the only ground a notifier may stay unnamed for),
# and any other law, named in free text.
NOTICE_GROUNDS = [
    (CHILD_ABUSE, "Child sexual abuse material"),
    *Statement.Category.choices,
    (OTHER_LAW, "Illegal under another law (say which)"),
]


def category_of(ground: str) -> str:
    """The Transparency Database category a notice's ground falls under ("" for other law)."""
    if ground == CHILD_ABUSE:
        return Statement.Category.MINORS
    return ground if ground in Statement.Category.values else ""


class Notice(models.Model):
    """One notice that a public comment is illegal, and what the moderators decided on it."""

    class State(models.TextChoices):
        OPEN = "open", "Waiting for a decision"
        ACTIONED = "actioned", "The comment was removed"
        NO_ACTION = "no_action", "No action taken"

    comment = models.ForeignKey(
        Comment, on_delete=models.SET_NULL, null=True, blank=True, related_name="notices"
    )
    ground = models.CharField(max_length=80, choices=NOTICE_GROUNDS)
    other_law = models.CharField(max_length=255, blank=True, help_text="For another law: which.")
    explanation = models.TextField()
    urls = models.JSONField(default=list, help_text="The comment's address, then any others.")
    name = models.CharField(max_length=120, blank=True)
    email = models.EmailField(blank=True, help_text="For the receipt and the decision only.")
    good_faith = models.BooleanField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True, help_text="Never shown.")
    created_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=10, choices=State, default=State.OPEN)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decision_note = models.TextField(blank=True, help_text="What the notifier is told, and why.")
    statement = models.ForeignKey(
        Statement, on_delete=models.SET_NULL, null=True, blank=True, related_name="notices"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["created_at"], name="notice_created"),
            models.Index(fields=["ip_address", "created_at"], name="notice_ip_created"),
            models.Index(fields=["created_at"], name="notice_open", condition=Q(state="open")),
        ]
        constraints = [
            # The form asks for a name and an address (but for child sexual abuse material);
            # an erasure takes them out again, so the database does not insist.
            models.CheckConstraint(name="notice_in_good_faith", condition=Q(good_faith=True)),
        ]

    def __str__(self) -> str:
        return f"Notice {self.pk}: {self.get_ground_display()}"

    @property
    def category(self) -> str:
        return category_of(self.ground)


class Appeal(models.Model):
    """One appeal against one decision: a statement of reasons (by the comment's author) or
    a notice left without action (by its notifier). Once per decision; a moderator other
    than the one who decided takes it."""

    class By(models.TextChoices):
        AUTHOR = "author", "The comment's author"
        NOTIFIER = "notifier", "The notifier"

    class State(models.TextChoices):
        OPEN = "open", "Waiting for a moderator"
        UPHELD = "upheld", "The decision stands"
        REVERSED = "reversed", "The decision was reversed"

    by = models.CharField(max_length=8, choices=By)
    statement = models.OneToOneField(
        Statement, on_delete=models.CASCADE, null=True, blank=True, related_name="appeal"
    )
    notice = models.OneToOneField(
        Notice, on_delete=models.CASCADE, null=True, blank=True, related_name="appeal"
    )
    explanation = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=8, choices=State, default=State.OPEN)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    outcome_note = models.TextField(blank=True, help_text="What the appellant is told, and why.")

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["created_at"], name="appeal_created")]
        constraints = [
            models.CheckConstraint(
                name="appeal_against_one_decision",
                condition=(Q(statement__isnull=False) & Q(notice__isnull=True) & Q(by="author"))
                | (Q(statement__isnull=True) & Q(notice__isnull=False) & Q(by="notifier")),
            ),
        ]

    def __str__(self) -> str:
        return f"Appeal {self.pk} ({self.get_state_display().lower()})"


class Refusal(models.Model):
    """Something refused that the moderators should be able to see: a notice or an appeal
    that could not be taken, a forged or expired mail link, a wrong second-factor code."""

    class Kind(models.TextChoices):
        NOTICE = "notice", "Notice"
        APPEAL = "appeal", "Appeal"
        MAIL_LINK = "mail_link", "Moderation link from a mail"
        SECOND_FACTOR = "mfa", "Two-factor code"

    kind = models.CharField(max_length=10, choices=Kind)
    reason = models.CharField(max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    comment_id = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_at"], name="refusal_created")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.reason}"
