from django.contrib import admin
from django.db.models import Count
from django.template.defaultfilters import truncatechars

from comments.models import Comment, Report


class ReportInline(admin.TabularInline):
    model = Report
    extra = 0
    fields = ["reason", "note", "reporter", "created_at", "resolved_at"]
    readonly_fields = fields
    can_delete = False


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = [
        "excerpt",
        "author_name",
        "article",
        "status",
        "status_reason",
        "reports",
        "created_at",
    ]
    list_filter = ["status", "created_at"]
    list_select_related = ["article"]
    search_fields = ["body", "author_name", "author_email", "ip_address"]
    raw_id_fields = ["article", "parent", "root", "user"]
    readonly_fields = [
        "body_html",
        "ip_address",
        "user_agent",
        "created_at",
        "edited_at",
        "updated_at",
    ]
    date_hierarchy = "created_at"
    inlines = [ReportInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(report_count=Count("reports"))

    def has_delete_permission(self, request, obj=None):
        return False  # removal is a status; nothing a reader writes is deleted

    @admin.display(description="Comment")
    def excerpt(self, obj: Comment) -> str:
        return truncatechars(obj.body, 80)

    @admin.display(description="Reports", ordering="report_count")
    def reports(self, obj: Comment) -> int:
        return obj.report_count


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["comment", "reason", "reporter", "created_at", "resolved_at"]
    list_filter = ["reason", "resolved_at"]
    list_select_related = ["comment", "reporter"]
    raw_id_fields = ["comment", "reporter"]
