"""Due process in the admin: the notices queue and the appeals queue (oldest first, with
their age), the log of refusals, and the transparency figures.

Each decision goes through `comments.moderation.notices` or `appeals`; the admin only says
which and why.
"""

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import truncatechars
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince

from comments.admin.base import ReadOnlyAdmin
from comments.admin.moderation import grounds_from_post
from comments.models import Appeal, Guideline, Notice, Refusal, Statement
from comments.moderation import appeals, notices, pipeline, transitions, transparency


class _Queue(admin.ModelAdmin):
    """A queue of decisions to take: open rows first by default, oldest first, with age."""

    list_filter = ["state"]
    date_hierarchy = "created_at"
    ordering = ["created_at", "id"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # a notice or an appeal is a record of due process

    def changelist_view(self, request, extra_context=None):
        if not request.GET:  # the queue: what waits for a decision
            return HttpResponseRedirect(f"{request.path}?state__exact=open")
        return super().changelist_view(request, extra_context)

    @admin.display(description="Age", ordering="created_at")
    def age(self, obj) -> str:
        return timesince(obj.created_at, timezone.now())

    def _decision(self, request: HttpRequest, row, choices: tuple[str, str], decide):
        """The one path of a queue's decide page: a POST with one of `choices`, then
        `decide(outcome, note, grounds)`, which returns what to tell the moderator; any
        refusal goes back to the row's page with its reason."""
        info = self.opts.app_label, self.opts.model_name
        back = reverse("admin:{}_{}_change".format(*info), args=[row.pk])
        if request.method != "POST" or not self.has_change_permission(request, row):
            return HttpResponseRedirect(back)
        outcome = _outcome(request, *choices)
        if outcome is None:
            self.message_user(request, _NO_OUTCOME, messages.ERROR)
            return HttpResponseRedirect(back)
        note = request.POST.get("note", "").strip()[:2000]
        try:
            told = decide(outcome, note, grounds_from_post(request.POST))
        except (pipeline.Refused, transitions.TransitionRefused) as refused:
            self.message_user(request, str(refused), messages.ERROR)
            return HttpResponseRedirect(back)
        self.message_user(request, told, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:{}_{}_changelist".format(*info)))

    def _decide_url(self, name: str):
        info = self.opts.app_label, self.opts.model_name
        return path(
            "<int:pk>/decide/",
            self.admin_site.admin_view(getattr(self, name)),
            name="{}_{}_decide".format(*info),
        )


_NO_OUTCOME = "Choose a decision: nothing was decided."


def _outcome(request: HttpRequest, *choices: str) -> str | None:
    """The one outcome the decision form's button sent, or None: a request naming none, an
    unknown one or several decides nothing, since every decision is mailed and final."""
    sent = request.POST.getlist("outcome")
    return sent[0] if len(sent) == 1 and sent[0] in choices else None


def _comment_link(comment) -> str:
    if comment is None:
        return "(gone)"
    return format_html(
        '<a href="{}">{}</a>',
        reverse("admin:comments_comment_change", args=[comment.pk]),
        truncatechars(comment.body, 60),
    )


@admin.register(Notice)
class NoticeAdmin(_Queue):
    list_display = ["id", "age", "ground", "excerpt", "state", "decided_by"]
    list_select_related = ["comment", "decided_by"]
    fields = [
        "comment_link", "ground", "other_law", "explanation", "urls", "name", "email",
        "created_at", "state", "decided_at", "decided_by", "decision_note",
    ]  # fmt: skip
    readonly_fields = fields
    change_form_template = "admin/comments/notice/change_form.html"

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "transparency/",
                self.admin_site.admin_view(self.transparency_view),
                name="{}_{}_transparency".format(*info),
            ),
            self._decide_url("decide_view"),
            *super().get_urls(),
        ]

    def transparency_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_change_permission(request):
            return HttpResponseRedirect(reverse("admin:index"))
        report = transparency.figures()
        if request.GET.get("format") == "csv":
            response = HttpResponse(transparency.as_csv(report), content_type="text/csv")
            response["Content-Disposition"] = 'attachment; filename="transparency.csv"'
            return response
        context = {
            **self.admin_site.each_context(request),
            "title": "Transparency figures",
            "report": report,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/comments/transparency.html", context)

    @admin.display(description="Comment")
    def excerpt(self, obj: Notice) -> str:
        return _comment_link(obj.comment)

    @admin.display(description="Comment")
    def comment_link(self, obj: Notice) -> str:
        return _comment_link(obj.comment)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        notice = get_object_or_404(Notice.objects.select_related("comment"), pk=object_id)
        extra_context = {
            **(extra_context or {}),
            "clauses": Guideline.objects.filter(active=True),
            "categories": Statement.Category.choices,
            "suggested_category": notice.category,
            "same_comment": Notice.objects.filter(
                comment=notice.comment, state=Notice.State.OPEN
            ).exclude(pk=notice.pk)[:20]
            if notice.comment_id
            else [],
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def decide_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        notice = get_object_or_404(Notice.objects.select_related("comment"), pk=pk)

        def decide(outcome, note, grounds) -> str:
            remove = outcome == "remove"
            decided = notices.decide(
                notice, moderator=request.user, remove=remove, note=note, grounds=grounds
            )
            done = "removed" if remove else "left in place"
            return f"{len(decided)} notice(s) decided: the comment is {done}; notifiers are told."

        return self._decision(request, notice, ("remove", "no_action"), decide)


@admin.register(Appeal)
class AppealAdmin(_Queue):
    list_display = ["id", "age", "by", "decision", "state", "decided_by"]
    list_select_related = ["statement", "notice", "decided_by"]
    fields = [
        "by", "decision", "explanation", "created_at", "state", "decided_at", "decided_by",
        "outcome_note",
    ]  # fmt: skip
    readonly_fields = fields
    change_form_template = "admin/comments/appeal/change_form.html"

    def get_urls(self):
        return [self._decide_url("decide_view"), *super().get_urls()]

    @admin.display(description="Decision appealed")
    def decision(self, obj: Appeal) -> str:
        if obj.statement_id:
            statement = obj.statement
            return format_html(
                "{} on comment {} ({})",
                statement.get_measure_display(),
                statement.comment_id,
                statement.created_at.date(),
            )
        return format_html("No action on notice {}", obj.notice_id)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        appeal = get_object_or_404(
            Appeal.objects.select_related("statement__clause", "notice"), pk=object_id
        )
        decision = appeal.statement or appeal.notice
        comment = decision.comment
        extra_context = {
            **(extra_context or {}),
            "appeal": appeal,
            "statement": appeal.statement,
            "appealed_notice": appeal.notice,
            "appealed_comment": comment,
            "decided_first_by": decision.decided_by,
            "same_moderator": appeals.original_decider(appeal) == request.user.pk,
            "clauses": Guideline.objects.filter(active=True),
            "categories": Statement.Category.choices,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def decide_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        appeal = get_object_or_404(
            Appeal.objects.select_related("statement__comment", "notice__comment"), pk=pk
        )

        def decide(outcome, note, grounds) -> str:
            reverse_it = outcome == "reverse"
            appeals.decide(
                appeal, moderator=request.user, reverse=reverse_it, note=note, grounds=grounds
            )
            done = "reversed" if reverse_it else "upheld"
            return f"Appeal {pk}: the decision is {done}; the appellant is told."

        return self._decision(request, appeal, ("reverse", "uphold"), decide)


@admin.register(Refusal)
class RefusalAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "reason", "user", "comment_id"]
    list_filter = ["kind"]
    date_hierarchy = "created_at"
