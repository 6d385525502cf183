"""The moderators' workplace: the pending queue, the reported queue, bans, settings, overview.

Every decision goes through comments.moderation.transitions (one event per change); the admin
only chooses which comments and which status.
"""

from datetime import timedelta
from functools import partial

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import truncatechars
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince

from articles.rendering import render_markdown
from comments.admin.base import ReadOnlyAdmin
from comments.admin.discussion import pick_comments, pick_from_change_page, unpick_comments
from comments.admin.resolutions import answer_context, answer_from_change_page
from comments.forms import StaffPersonalDataForm
from comments.models import (
    Ban,
    Comment,
    Guideline,
    ModerationEvent,
    ModerationSettings,
    Report,
    ReportedComment,
    Statement,
)
from comments.moderation import bans, decisions, overview, queue, statements, transitions
from comments.portability import personal_data
from comments.threads import quoting

S = Comment.Status


def _clause_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=Guideline.objects.filter(active=True),
        required=False,
        label="Guideline",
        empty_label="Guideline clause…",
    )


def _category_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        choices=[("", "Illegal content? Category…"), *Statement.Category.choices],
        required=False,
        label="Category of illegal content",
    )


def grounds_from_post(data) -> statements.Grounds | None:
    """The grounds a decision form sent (a clause, a category), checked; None if neither."""
    form = forms.Form(data)
    form.fields.update(clause=_clause_field(), category=_category_field())
    if not form.is_valid():
        return None
    return statements.grounds_from(
        clause=form.cleaned_data["clause"], category=form.cleaned_data["category"]
    )


class DecisionForm(ActionForm):
    clause = _clause_field()
    category = _category_field()
    ban_days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=3650,
        label="Ban for days",
        widget=forms.NumberInput(attrs={"placeholder": "Ban days (empty: until lifted)"}),
    )
    reason = forms.CharField(
        required=False,
        max_length=255,
        label="Reason",
        widget=forms.TextInput(
            attrs={
                "placeholder": "Reason (required to remove)",
                "size": 30,
                "list": "decision-reasons",
            }
        ),
    )


class ReasonFilter(admin.SimpleListFilter):
    title = "reason"
    parameter_name = "reason"

    def lookups(self, request, model_admin):
        reasons = (
            Comment.objects.filter(status__in=[S.PENDING, S.SPAM])
            .values_list("status_reason")
            .annotate(n=Count("id"))
            .order_by("-n")[:12]
        )
        return [(reason, f"{reason} ({n})") for reason, n in reasons if reason]

    def queryset(self, request, queryset):
        return queryset.filter(status_reason=self.value()) if self.value() else queryset


class ReportedFilter(admin.SimpleListFilter):
    title = "reported"
    parameter_name = "reported"

    def lookups(self, request, model_admin):
        return [("open", "Open reports"), ("any", "Ever reported")]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(open_reports__gt=0)
        if self.value() == "any":
            return queryset.filter(report_count__gt=0)
        return queryset


def _action(decision: decisions.Decision):
    to_status, label = decision.to, decision.label

    def action(modeladmin, request, queryset):
        reason = request.POST.get("reason", "").strip()
        try:
            moved = decisions.decide_many(
                list(queryset),
                to_status,
                moderator=request.user,
                reason=reason,
                grounds=grounds_from_post(request.POST),
            )
        except transitions.TransitionRefused as refused:
            modeladmin.message_user(request, str(refused), messages.ERROR)
            return
        skipped = queryset.count() - len(moved) if len(moved) < len(queryset) else 0
        modeladmin.message_user(request, f"{label}: {len(moved)} comment(s).", messages.SUCCESS)
        if skipped:
            modeladmin.message_user(
                request,
                f"{skipped} comment(s) could not become {S(to_status).label.lower()} "
                "from their current status and were left as they were.",
                messages.WARNING,
            )

    action.__name__ = decision.name
    action.short_description = f"{label}: selected comments"
    action.allowed_permissions = ("change",)
    return action


@admin.action(
    description="Ban the authors and mark their held comments spam", permissions=["change"]
)
def ban_authors(modeladmin, request, queryset):
    reason = request.POST.get("reason", "").strip() or "banned from the moderation queue"
    days = request.POST.get("ban_days", "").strip()
    ends_at = timezone.now() + timedelta(days=int(days)) if days.isdigit() and days != "0" else None
    added, spammed = bans.ban_authors(
        list(queryset),
        actor=request.user,
        reason=reason,
        ends_at=ends_at,
        grounds=grounds_from_post(request.POST),
    )
    modeladmin.message_user(
        request,
        f"Added {added} ban(s); {spammed} held comment(s) marked spam.",
        messages.SUCCESS,
    )


class CommentAdmin(admin.ModelAdmin):
    list_display = [
        "excerpt",
        "status",
        "status_reason",
        "article_title",
        "author",
        "report_count",
        "age",
    ]
    list_display_links = ["excerpt"]
    list_filter = [
        "status",
        ReasonFilter,
        ReportedFilter,
        "kind",
        ("article", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["article"]
    list_per_page = 100
    search_fields = ["body", "author_name", "author_email", "=ip_address"]
    search_help_text = "Search the text, the author's name or email, or an exact IP address."
    ordering = ["created_at", "id"]
    action_form = DecisionForm
    actions = [
        *(_action(decision) for decision in decisions.DECISIONS),
        ban_authors,
        pick_comments,
        unpick_comments,
    ]
    change_form_template = "admin/comments/comment/change_form.html"
    change_list_template = "admin/comments/comment/change_list.html"
    readonly_fields = [
        "article",
        "parent",
        "kind",
        "author_name",
        "author_email",
        "author_url",
        "user",
        "rendered_body",
        "status",
        "status_reason",
        "ip_address",
        "user_agent",
        "created_at",
        "edited_at",
    ]
    fields = readonly_fields
    default_queue = {"status__exact": S.PENDING}

    def get_queryset(self, request):
        return queue.with_report_counts(super().get_queryset(request))

    def changelist_view(self, request, extra_context=None):
        # The queue opens on what waits for a decision, oldest first.
        if not request.GET and self.default_queue and request.method == "GET":
            query = "&".join(f"{key}={value}" for key, value in self.default_queue.items())
            return HttpResponseRedirect(f"{request.path}?{query}")
        extra_context = {
            **(extra_context or {}),
            **{f"{name}_count": size for name, size in queue.sizes().items()},
            "can_handle_personal_data": self.has_change_permission(request),
            "quote_keeping_reasons": quoting.QUOTES_KEEP_WORDS,
        }
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request):
        return False  # comments come from readers

    def has_delete_permission(self, request, obj=None):
        return False  # removal is a status; nothing a reader writes is deleted

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<int:pk>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="{}_{}_decide".format(*info),
            ),
            path(
                "<int:pk>/pick/",
                self.admin_site.admin_view(partial(pick_from_change_page, self)),
                name="{}_{}_pick".format(*info),
            ),
            path(
                "<int:pk>/answer/",
                self.admin_site.admin_view(partial(answer_from_change_page, self)),
                name="{}_{}_answer".format(*info),
            ),
            path(
                "overview/",
                self.admin_site.admin_view(self.overview_view),
                name="{}_{}_overview".format(*info),
            ),
            path(
                "personal-data/",
                self.admin_site.admin_view(self.personal_data_view),
                name="{}_{}_personal_data".format(*info),
            ),
            *super().get_urls(),
        ]

    def decide_view(self, request: HttpRequest, pk: int):
        comment = get_object_or_404(Comment, pk=pk)
        if request.method != "POST" or not self.has_change_permission(request, comment):
            return HttpResponseRedirect(reverse("admin:comments_comment_change", args=[pk]))
        to_status = request.POST.get("to", "")
        try:
            decisions.decide(
                comment,
                to_status,
                moderator=request.user,
                reason=request.POST.get("reason", "").strip(),
                grounds=grounds_from_post(request.POST),
            )
        except transitions.TransitionRefused as refused:
            self.message_user(request, str(refused) or "Unknown decision.", messages.ERROR)
            return HttpResponseRedirect(reverse("admin:comments_comment_change", args=[pk]))
        self.message_user(
            request,
            f"Comment {pk} is now {comment.get_status_display().lower()}.",
            messages.SUCCESS,
        )
        following = queue.next_pending_after(comment)
        if request.POST.get("next") == "queue" and following:
            return HttpResponseRedirect(reverse("admin:comments_comment_change", args=[following]))
        return HttpResponseRedirect(
            reverse("admin:comments_comment_changelist") + "?status__exact=pending"
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        comment = get_object_or_404(Comment.objects.select_related("article", "user"), pk=object_id)
        extra_context = {
            **(extra_context or {}),
            **overview.comment_record(comment),
            "decisions": decisions.targets_from(comment.status),
            "clauses": Guideline.objects.filter(active=True),
            "categories": Statement.Category.choices,
            "statements": comment.statements.select_related("clause", "decided_by")[:5],
            "quote_keeping_reasons": quoting.QUOTES_KEEP_WORDS,
            **answer_context(comment),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def overview_view(self, request: HttpRequest):
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": "Moderation overview",
            "opts": self.opts,
            **overview.moderation_overview(),
        }
        return TemplateResponse(request, "admin/comments/overview.html", context)

    def personal_data_view(self, request: HttpRequest):
        """An anonymous reader's request about their data, by email address: look it up,
        hand over a copy (JSON), or erase it. Logged, without the address."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        posted = request.method == "POST"
        erase = posted and "erase" in request.POST
        form = StaffPersonalDataForm(request.POST if posted else None, erase=erase)
        held = account = None
        if posted and form.is_valid():
            email = form.cleaned_data["email"]
            if "download" in request.POST:
                return personal_data.download(
                    personal_data.export_for_email(email, actor=request.user)
                )
            account = personal_data.account_for_email(email)
            if erase:
                count = personal_data.erase_for_email(
                    email,
                    actor=request.user,
                    delete_comments=form.cleaned_data["comments"] == "delete",
                )
                done = "deleted" if form.cleaned_data["comments"] == "delete" else "anonymised"
                self.message_user(
                    request,
                    f"Erased: {count} comment(s) {done}; the address's subscriptions and mail "
                    "settings are gone and its unsent mail is cancelled.",
                    messages.SUCCESS,
                )
                if account is not None:
                    self.message_user(request, _account_note(account), messages.WARNING)
                return HttpResponseRedirect(reverse("admin:comments_comment_personal_data"))
            held = personal_data.held_for_email(email)
        context = {
            **self.admin_site.each_context(request),
            "title": "Personal data of an email address",
            "opts": self.opts,
            "form": form,
            "held": held,
            "account_note": _account_note(account) if account is not None else "",
        }
        return TemplateResponse(
            request,
            "admin/comments/personal_data.html",
            context,
            status=400 if form.is_bound and form.errors else 200,
        )

    @admin.display(description="Comment")
    def excerpt(self, obj: Comment) -> str:
        return truncatechars(obj.body, 90)

    @admin.display(description="Article", ordering="article__title")
    def article_title(self, obj: Comment) -> str:
        return truncatechars(obj.article.title, 40)

    @admin.display(description="Author")
    def author(self, obj: Comment) -> str:
        who = obj.author_name + (" (account)" if obj.user_id else "")
        return format_html("{}<br><small>{}</small>", who, obj.author_email or "")

    @admin.display(description="Reports", ordering="report_count")
    def report_count(self, obj: Comment) -> str:
        if not obj.report_count:
            return "none"
        return (
            f"{obj.report_count} ({obj.open_reports} open)"
            if obj.open_reports
            else str(obj.report_count)
        )

    @admin.display(description="Age", ordering="created_at")
    def age(self, obj: Comment) -> str:
        return timesince(obj.created_at, timezone.now()).split(",")[0]

    @admin.display(description="Comment as shown")
    def rendered_body(self, obj: Comment) -> str:
        return format_html('<div class="comment-preview">{}</div>', mark_safe(obj.body_html))  # noqa: S308 - sanitised on write


admin.site.register(Comment, CommentAdmin)


def _account_note(account) -> str:
    return (
        f"This address belongs to account {account.pk} ({account.get_username()}). Comments "
        "written while signed in to it are the account's and are not covered here: its owner "
        "can download or erase them on their Personal data page."
    )


@admin.register(ReportedComment)
class ReportedCommentAdmin(CommentAdmin):
    """Comments readers reported, most reported first; a decision clears the reports."""

    default_queue = {}

    def get_ordering(self, request):
        return ["-open_reports", "created_at"]  # an annotation, so not in `ordering`

    list_display = ["excerpt", "report_reasons", "status", "article_title", "author", "age"]

    def get_queryset(self, request):
        # Built here rather than by the parent: its ordering names an annotation.
        comments = queue.reported(self.model._default_manager.all())
        return queue.with_report_counts(comments).order_by(*self.get_ordering(request))

    @admin.display(description="Reports")
    def report_reasons(self, obj: Comment) -> str:
        return f"{obj.open_reports} open report(s)"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("admin:comments_comment_change", args=[object_id]))


class InForceFilter(admin.SimpleListFilter):
    title = "in force"
    parameter_name = "in_force"

    def lookups(self, request, model_admin):
        return [("yes", "In force"), ("no", "Ended")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(Ban.in_force())
        if self.value() == "no":
            return queryset.exclude(Ban.in_force())
        return queryset


@admin.register(Ban)
class BanAdmin(admin.ModelAdmin):
    list_display = ["kind", "value", "outcome", "reason", "ends_at", "in_force", "created_by",
                    "created_at"]  # fmt: skip
    list_filter = ["kind", "outcome", InForceFilter]
    search_fields = ["value", "reason"]
    readonly_fields = ["created_by", "created_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description="In force", boolean=True)
    def in_force(self, obj: Ban) -> bool:
        return obj.ends_at is None or obj.ends_at > timezone.now()


@admin.register(Guideline)
class GuidelineAdmin(admin.ModelAdmin):
    """The community guidelines, edited by editors and moderators; shown at /guidelines/."""

    list_display = ["number", "title", "active", "updated_at"]
    list_display_links = ["title"]
    list_filter = ["active"]

    def save_model(self, request, obj, form, change):
        obj.text_html = render_markdown(obj.text).html  # sanitised once, on write
        super().save_model(request, obj, form, change)


@admin.register(Statement)
class StatementAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "measure", "ground", "clause", "category", "source",
                    "comment_id", "ban", "decided_by"]  # fmt: skip
    list_filter = ["measure", "ground", "source", "automated_decision", "category"]
    list_select_related = ["clause", "ban", "decided_by"]
    date_hierarchy = "created_at"


@admin.register(ModerationSettings)
class ModerationSettingsAdmin(admin.ModelAdmin):
    fieldsets = [
        ("Who waits for a moderator", {"fields": ["require_approval", "hold_first_comments"]}),
        ("Words and links", {"fields": ["held_words", "disallowed_words", "link_limit"]}),
        ("Bots and floods", {"fields": ["min_seconds_to_submit", "flood_seconds"]}),
        ("Discussions", {"fields": ["max_depth", "edit_minutes", "max_length"]}),
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        settings_row = ModerationSettings.current()
        return HttpResponseRedirect(
            reverse("admin:comments_moderationsettings_change", args=[settings_row.pk])
        )


@admin.register(ModerationEvent)
class ModerationEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "comment_id", "actor", "from_status", "to_status", "reason"]
    list_filter = ["to_status", ("actor", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["actor"]
    date_hierarchy = "created_at"


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["comment", "reason", "reporter", "created_at", "resolved_at"]
    list_filter = ["reason", "resolved_at"]
    list_select_related = ["comment", "reporter"]
    raw_id_fields = ["comment", "reporter"]

    def has_add_permission(self, request):
        return False
