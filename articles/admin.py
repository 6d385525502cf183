from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from articles import services
from articles.models import Article, ArticleRevision, Topic


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


TEXT_FIELDS = ["title", "slug", "standfirst", "body"]


class ArticleAdminForm(forms.ModelForm):
    change_note = forms.CharField(
        max_length=ArticleRevision._meta.get_field("note").max_length,
        required=False,
        help_text=(
            "Optional. Readers see it in the list of revisions when this save changes the "
            "published title, standfirst or text, e.g. “Corrected the 2024 freight figure.”"
        ),
    )

    class Meta:
        model = Article
        fields = TEXT_FIELDS  # the admin asks for those of its fieldsets


class RevisionInline(admin.TabularInline):
    """The article's revisions, to read: they are made by saving the article."""

    model = ArticleRevision
    fields = ["number", "published_at", "editor", "note", "view"]
    readonly_fields = fields
    ordering = ["-number"]
    extra = 0
    can_delete = False
    show_change_link = False
    verbose_name_plural = "Revisions of the published text"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("editor", "article")

    @admin.display(description="Page")
    def view(self, revision: ArticleRevision) -> str:
        if not revision.article.is_live:
            return "—"
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">View</a>', revision.get_absolute_url()
        )


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    inlines = [RevisionInline]
    list_display = ["title", "status", "published_at", "updated_at", "comment_policy", "preview"]
    list_filter = ["status", "comment_policy", "topics"]
    search_fields = ["title", "standfirst", "slug"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["authors", "topics"]
    readonly_fields = ["updated_at", "revision", "reading_minutes", "created_at"]
    fieldsets = [
        (None, {"fields": [*TEXT_FIELDS, "change_note", "authors", "topics"]}),
        (
            "Publishing",
            {"fields": ["status", "published_at", "updated_at", "revision", "reading_minutes"]},
        ),
        ("Hero image", {"fields": ["hero_image", "hero_alt", "hero_caption"]}),
        ("Discussion", {"fields": ["discussion_prompt", "comment_policy"]}),
    ]

    def save_model(self, request, obj, form, change):
        revision = services.save_article(
            article=obj, editor=request.user, note=form.cleaned_data.get("change_note", "")
        )
        if revision is None:
            return
        if revision.published_at > timezone.now():
            when = date_format(timezone.localtime(revision.published_at), "j F Y, H:i")
            text = f"Readers will see this text as revision {revision.number} from {when}."
        else:
            text = f"Readers now see this text as revision {revision.number}."
        self.message_user(request, text, messages.INFO)

    @admin.display(description="Preview")
    def preview(self, obj: Article) -> str:
        label = "View" if obj.is_live else "Preview"
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>', obj.get_absolute_url(), label
        )
