"""Comments, the reports readers file about them, the readers they mute, and what the
article's people made of a labelled comment (a correction decided, a question answered)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from articles.models import Article

PICK_NOTE_LENGTH = 200
RESOLUTION_NOTE_LENGTH = 300


class Comment(models.Model):
    class Kind(models.TextChoices):
        """The label a reader may give a comment when writing it ("comment": no label)."""

        COMMENT = "comment", "Comment"
        QUESTION = "question", "Question"
        EVIDENCE = "evidence", "Evidence"
        COUNTERPOINT = "counterpoint", "Counterpoint"
        CORRECTION = "correction", "Correction"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SPAM = "spam", "Spam"
        REMOVED = "removed", "Removed by a moderator"
        DELETED = "deleted", "Deleted by its author"

    # Nothing a reader writes is deleted from the database: removal is a status, and the
    # thread's shape holds (PROTECT) even if a parent would otherwise go.
    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="comments")
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replies"
    )
    root = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The top-level comment of this thread (itself for a top-level comment).",
    )
    depth = models.PositiveSmallIntegerField(default=0)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="comments",
    )
    author_name = models.CharField(max_length=100)
    author_email = models.EmailField(blank=True, help_text="Never published.")
    author_url = models.URLField(blank=True, max_length=300)

    body = models.TextField(help_text="As written, in Markdown.")
    article_revision = models.PositiveIntegerField(
        null=True, blank=True, help_text="The revision of the article the reader was reading."
    )
    body_html = models.TextField(editable=False, default="")
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    status_reason = models.CharField(max_length=255, blank=True)
    # The statement of reasons of its present restriction (removed, rejected, spam, held);
    # empty once published again. A thread's query joins it for the tombstone's reason.
    statement = models.ForeignKey(
        "comments.Statement",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    kind = models.CharField(
        max_length=12,
        choices=Kind,
        default=Kind.COMMENT,
        help_text="The reader's label; a correction also goes to the corrections queue.",
    )
    wants_followups = models.BooleanField(default=False)
    useful_count = models.PositiveIntegerField(
        default=0, editable=False, help_text="Readers who marked it Useful (kept with the votes)."
    )
    # An editor's pick: shown at the top of the discussion, with a line saying why.
    picked_at = models.DateTimeField(null=True, blank=True, editable=False)
    picked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    pick_note = models.CharField(
        max_length=PICK_NOTE_LENGTH, blank=True, help_text="Why the editors picked it: one line."
    )

    # What the text refers to, as resolved when it was rendered: the comments of the
    # discussion it quotes (so a quote can follow what happens to them), and the usernames
    # it mentions (told once the comment is public).
    quotes = models.ManyToManyField(
        "self", symmetrical=False, blank=True, editable=False, related_name="quoted_by"
    )
    mentions = models.JSONField(default=list, blank=True, editable=False)

    ip_address = models.GenericIPAddressField(null=True, blank=True, help_text="Never published.")
    user_agent = models.CharField(max_length=300, blank=True, help_text="Never published.")

    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["article", "status"], name="comment_article_status"),
            models.Index(fields=["root", "created_at"], name="comment_root_created"),
            models.Index(fields=["status", "created_at"], name="comment_status_created"),
            models.Index(fields=["article", "kind"], name="comment_article_kind"),
        ]
        constraints = [
            models.CheckConstraint(
                name="comment_top_level_has_depth_zero",
                condition=Q(parent__isnull=True, depth=0) | Q(parent__isnull=False, depth__gt=0),
            ),
            models.CheckConstraint(name="comment_not_its_own_parent", condition=~Q(parent=F("id"))),
        ]

    def __str__(self) -> str:
        return f"{self.author_name} on {self.article_id}: {self.body[:40]}"

    def get_absolute_url(self) -> str:
        return reverse("comments:permalink", kwargs={"pk": self.pk})

    @property
    def is_picked(self) -> bool:
        return self.picked_at is not None

    @property
    def is_gone(self) -> bool:
        """Deleted by its author or removed by a moderator: shown as a tombstone if replied to."""
        return self.status in (self.Status.DELETED, self.Status.REMOVED)


class Resolution(models.Model):
    """What the article's people made of a labelled comment: a correction accepted or
    declined (with a note, and the article revision that made an accepted one), or a
    question answered by a reply in its thread. One per comment; deciding again replaces it.

    Who may decide, and the checks on `answer`, live in comments.moderation (corrections.py,
    answers.py); the database holds what each state needs."""

    class State(models.TextChoices):
        ACCEPTED = "accepted", "Correction accepted"
        DECLINED = "declined", "Correction declined"
        ANSWERED = "answered", "Question answered"

    comment = models.OneToOneField(Comment, on_delete=models.CASCADE, related_name="resolution")
    state = models.CharField(max_length=10, choices=State)
    # An accepted correction's note is public (the change log, the comment); a declined
    # one's is shown only to the reader who wrote the correction (page, mail) and in the admin.
    note = models.CharField(max_length=RESOLUTION_NOTE_LENGTH, blank=True)
    answer = models.ForeignKey(
        Comment, on_delete=models.PROTECT, null=True, blank=True, related_name="answers"
    )
    # The number of the article's revision that made an accepted correction, if the editor
    # gave it (articles keep numbered revisions).
    revision = models.PositiveIntegerField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["decided_at", "id"]
        constraints = [
            models.CheckConstraint(
                name="resolution_answered_names_its_answer",
                condition=Q(state="answered", answer__isnull=False)
                | (~Q(state="answered") & Q(answer__isnull=True)),
            ),
            models.CheckConstraint(
                name="resolution_revision_only_when_accepted",
                condition=Q(revision__isnull=True) | Q(state="accepted"),
            ),
            models.CheckConstraint(
                name="resolution_not_its_own_answer", condition=~Q(answer=F("comment"))
            ),
        ]
        indexes = [models.Index(fields=["state", "decided_at"], name="resolution_state_decided")]

    def __str__(self) -> str:
        return f"{self.get_state_display()}: comment {self.comment_id}"


class UsefulVote(models.Model):
    """A signed-in reader found a comment useful. `Comment.useful_count` is kept with these
    rows, in the same transaction, so a page reads counts without counting."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="useful_votes")
    # An account that goes leaves its vote counted, and nobody named behind it.
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="useful_votes",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["comment", "voter"], name="useful_vote_once_per_reader")
        ]
        indexes = [models.Index(fields=["voter", "created_at"], name="useful_vote_voter_created")]

    def __str__(self) -> str:
        return f"Useful vote on comment {self.comment_id}"


class MutedReader(models.Model):
    """A signed-in reader no longer wants to see another account's comments. Private: only
    the reader who muted sees it, and the muted account is never told."""

    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mutes"
    )
    muted = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["reader", "muted"], name="mute_once_per_reader"),
            models.CheckConstraint(name="mute_not_oneself", condition=~Q(reader=F("muted"))),
        ]

    def __str__(self) -> str:
        return f"Reader {self.reader_id} muted {self.muted_id}"


class Report(models.Model):
    class Reason(models.TextChoices):
        SPAM = "spam", "Spam or advertising"
        ABUSE = "abuse", "Abusive or harassing"
        OFF_TOPIC = "off_topic", "Off-topic"
        OTHER = "other", "Something else"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    reason = models.CharField(max_length=10, choices=Reason)
    note = models.TextField(blank=True, max_length=1000)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    reporter_key = models.CharField(
        max_length=64, help_text="Who reported: a user, or an anonymous browser."
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "reporter_key"], name="report_once_per_reader"
            )
        ]
        indexes = [models.Index(fields=["ip_address", "created_at"], name="report_ip_created")]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} report on comment {self.comment_id}"


class ReportedComment(Comment):
    """Comments with open reports: the moderators' second queue."""

    class Meta:
        proxy = True
        verbose_name = "reported comment"


class Correction(Comment):
    """Corrections readers sent: the queue of the article's authors, editors and moderators."""

    class Meta:
        proxy = True
        verbose_name = "correction"
