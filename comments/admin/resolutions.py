"""Corrections and answered questions in the admin: the corrections queue (undecided first,
oldest first) for the article's authors, editors and moderators, with Accept and Decline
(a note, and the revision that made an accepted correction), one at a time or in bulk; and,
on a question's page in the comment admin, its answer to mark or unmark.

The decisions are comments.moderation.corrections' and .answers'; the admin only chooses.
The queue shows readers' names, never their addresses: an author who is not a moderator
works it too.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import truncatechars
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince

from articles.models import Article
from comments.models import Comment, Correction, Resolution
from comments.models.discussion import RESOLUTION_NOTE_LENGTH
from comments.moderation import answers, corrections
from comments.moderation.pipeline import Refused

ACCEPTED, DECLINED = Resolution.State.ACCEPTED, Resolution.State.DECLINED


class CorrectionDecisionForm(ActionForm):
    note = forms.CharField(
        required=False,
        max_length=RESOLUTION_NOTE_LENGTH,
        label="Note",
        widget=forms.TextInput(attrs={"placeholder": "Note (required to decline)", "size": 40}),
    )
    revision = forms.IntegerField(
        required=False,
        min_value=1,
        label="Revision",
        widget=forms.NumberInput(attrs={"placeholder": "Revision no.", "style": "width: 8em"}),
    )


class DecisionFilter(admin.SimpleListFilter):
    title = "decision"
    parameter_name = "decision"

    def lookups(self, request, model_admin):
        return [
            ("none", "Not decided yet"),
            (ACCEPTED, "Accepted"),
            (DECLINED, "Declined"),
            ("all", "All"),
        ]

    def choices(self, changelist):
        # Django's own "All" (no parameter) would reopen the queue on "Not decided yet".
        choices = list(super().choices(changelist))
        yield from choices[1:]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return corrections.awaiting(queryset)
        if self.value() in (ACCEPTED, DECLINED):
            return queryset.filter(resolution__state=self.value())
        return queryset


def _revision(request: HttpRequest) -> int | None:
    raw = request.POST.get("revision", "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()):
        raise Refused(corrections.BAD_REVISION, field="revision")
    return int(raw)


def _decide_selected(state: str):
    def action(modeladmin, request, queryset):
        try:
            decided, skipped = corrections.decide_many(
                list(queryset.select_related("article")),
                state,
                decider=request.user,
                note=request.POST.get("note", ""),
                revision=_revision(request) if state == ACCEPTED else None,
            )
        except Refused as refused:
            modeladmin.message_user(request, refused.message, messages.ERROR)
            return
        label = "Accepted" if state == ACCEPTED else "Declined"
        modeladmin.message_user(request, f"{label}: {decided} correction(s).", messages.SUCCESS)
        if skipped:
            modeladmin.message_user(
                request,
                f"{skipped} comment(s) were left as they were: not published corrections, or "
                "of an article you do not decide for.",
                messages.WARNING,
            )

    action.__name__ = f"{state}_corrections"
    action.short_description = (
        "Accept: selected corrections (the note and revision from the boxes)"
        if state == ACCEPTED
        else "Decline: selected corrections (the note from the box, required)"
    )
    action.allowed_permissions = ("change",)
    return action


def is_decider(user) -> bool:
    """Staff who decide on some corrections: editors, moderators, authors of an article."""
    return bool(
        user.is_active
        and user.is_staff
        and (
            corrections.sees_every_article(user)
            or Article.authors.through.objects.filter(user_id=user.pk).exists()
        )
    )


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    list_display = ["excerpt", "article_title", "reader", "decision", "age", "decide_link"]
    list_display_links = None
    list_filter = [DecisionFilter, ("article", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["article", "resolution"]
    list_per_page = 100
    search_fields = ["body", "article__title"]
    action_form = CorrectionDecisionForm
    actions = [_decide_selected(ACCEPTED), _decide_selected(DECLINED)]

    def get_queryset(self, request):
        return corrections.queue_for(request.user, super().get_queryset(request))

    def changelist_view(self, request, extra_context=None):
        # The queue opens on what waits for a decision, oldest first.
        if not request.GET and request.method == "GET":
            return HttpResponseRedirect(f"{request.path}?decision=none")
        return super().changelist_view(request, extra_context)

    # Who works the queue is a matter of roles (the article's authors, editors, moderators),
    # not of model permissions: an author may have none.
    def _is_decider(self, request) -> bool:
        # Asked many times per page (menu, actions, each permission): once per request.
        if not hasattr(request, "_decides_corrections"):
            request._decides_corrections = is_decider(request.user)
        return request._decides_corrections

    def has_module_permission(self, request):
        return self._is_decider(request)

    def has_view_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        if obj is not None:
            return request.user.is_staff and corrections.may_decide(request.user, obj.article)
        return self._is_decider(request)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<int:pk>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="{}_{}_decide".format(*info),
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("admin:comments_correction_decide", args=[object_id]))

    def decide_view(self, request: HttpRequest, pk: int):
        """One correction: its text, the article, and Accept / Decline with a note."""
        comment = get_object_or_404(
            self.get_queryset(request).select_related("article", "resolution"), pk=pk
        )
        if not self.has_change_permission(request, comment):
            raise PermissionDenied
        form = CorrectionDecisionForm(request.POST or None)
        error = ""
        if request.method == "POST":
            state = request.POST.get("state", "")
            try:
                corrections.decide(
                    comment,
                    state,
                    decider=request.user,
                    note=request.POST.get("note", ""),
                    revision=_revision(request) if state == ACCEPTED else None,
                )
            except Refused as refused:
                error = refused.message
            else:
                done = "accepted" if state == ACCEPTED else "declined"
                self.message_user(request, f"Correction {pk} {done}.", messages.SUCCESS)
                return HttpResponseRedirect(
                    reverse("admin:comments_correction_changelist") + "?decision=none"
                )
        resolution = getattr(comment, "resolution", None)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Correction to “{comment.article.title}”",
            "opts": self.opts,
            "comment": comment,
            "resolution": resolution,
            "form": form,
            "error": error,
            "note_length": RESOLUTION_NOTE_LENGTH,
        }
        return TemplateResponse(
            request,
            "admin/comments/correction/decide.html",
            context,
            status=400 if error else 200,
        )

    @admin.display(description="Correction")
    def excerpt(self, obj: Comment) -> str:
        return truncatechars(obj.body, 120)

    @admin.display(description="Article", ordering="article__title")
    def article_title(self, obj: Comment) -> str:
        return truncatechars(obj.article.title, 40)

    @admin.display(description="Reader")
    def reader(self, obj: Comment) -> str:
        return obj.author_name + (" (account)" if obj.user_id else "")

    @admin.display(description="Decision")
    def decision(self, obj: Comment) -> str:
        resolution = getattr(obj, "resolution", None)
        if resolution is None:
            return "not decided yet"
        return f"{resolution.get_state_display()} {resolution.decided_at:%d %b %Y}"

    @admin.display(description="Sent", ordering="created_at")
    def age(self, obj: Comment) -> str:
        return timesince(obj.created_at, timezone.now()).split(",")[0] + " ago"

    @admin.display(description="")
    def decide_link(self, obj: Comment) -> str:
        return format_html(
            '<a href="{}">Decide<span class="visually-hidden"> on correction {}</span></a>',
            reverse("admin:comments_correction_decide", args=[obj.pk]),
            obj.pk,
        )


# --- Answered questions, from a question's page in the comment admin ---------------------------

CANDIDATES_SHOWN = 50


def answer_context(comment: Comment) -> dict:
    """For a question's change page: its answer, and the replies that may answer it."""
    if comment.kind != Comment.Kind.QUESTION:
        return {}
    resolution = Resolution.objects.filter(comment=comment, state=answers.ANSWERED).first()
    later = (
        Comment.objects.filter(
            root_id=comment.root_id,
            status=Comment.Status.APPROVED,
            created_at__gte=comment.created_at,
        )
        .exclude(pk=comment.pk)
        .order_by("created_at", "id")[:CANDIDATES_SHOWN]
    )
    return {
        "is_question": True,
        "answer_id": resolution.answer_id if resolution else None,
        "answer_candidates": [c for c in later if answers.can_answer(comment, c)],
    }


def answer_from_change_page(modeladmin, request: HttpRequest, pk: int) -> HttpResponseRedirect:
    """The "Answer" panel of a question's admin page: mark a reply as the answer, or unmark."""
    question = get_object_or_404(Comment.objects.select_related("article"), pk=pk)
    back = HttpResponseRedirect(reverse("admin:comments_comment_change", args=[pk]))
    if request.method != "POST":
        return back
    try:
        if request.POST.get("unmark"):
            answers.unmark_answer(question, by=request.user)
            modeladmin.message_user(request, "The question is open again.", messages.SUCCESS)
        else:
            raw = request.POST.get("answer", "")
            reply = Comment.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
            if reply is None:
                raise Refused(answers.NOT_IN_ITS_THREAD)
            answers.mark_answer(question, reply, by=request.user)
            modeladmin.message_user(request, "Marked as the answer.", messages.SUCCESS)
    except Refused as refused:
        modeladmin.message_user(request, refused.message, messages.ERROR)
    return back
