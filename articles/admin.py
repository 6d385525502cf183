from django.contrib import admin
from django.utils.html import format_html

from articles.models import Article, Topic


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "published_at", "updated_at", "comment_policy", "preview"]
    list_filter = ["status", "comment_policy", "topics"]
    search_fields = ["title", "standfirst", "slug"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["authors", "topics"]
    readonly_fields = ["updated_at", "reading_minutes", "created_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "standfirst", "body", "authors", "topics"]}),
        ("Publishing", {"fields": ["status", "published_at", "updated_at", "reading_minutes"]}),
        ("Hero image", {"fields": ["hero_image", "hero_alt", "hero_caption"]}),
        ("Discussion", {"fields": ["discussion_prompt", "comment_policy"]}),
    ]

    @admin.display(description="Preview")
    def preview(self, obj: Article) -> str:
        label = "View" if obj.is_live else "Preview"
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>', obj.get_absolute_url(), label
        )
