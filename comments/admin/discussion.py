"""The discussion at its best and at its most gamed: editor's picks (made here, through
comments.moderation.picks) and Useful votes (who, when, on what), to spot vote stuffing.
Votes are the readers'; the admin only reads them."""

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import truncatechars
from django.urls import reverse

from comments.admin.base import ReadOnlyAdmin
from comments.models import Comment, UsefulVote
from comments.moderation import picks
from comments.moderation.pipeline import Refused


@admin.register(UsefulVote)
class UsefulVoteAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "voter", "comment_excerpt", "comment_author", "article"]
    list_filter = [
        ("voter", admin.RelatedOnlyFieldListFilter),
        ("comment__article", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["voter", "comment__article"]
    search_fields = ["voter__username", "voter__email", "comment__author_name"]
    date_hierarchy = "created_at"

    @admin.display(description="Comment")
    def comment_excerpt(self, obj: UsefulVote) -> str:
        return truncatechars(obj.comment.body, 60)

    @admin.display(description="Written by")
    def comment_author(self, obj: UsefulVote) -> str:
        return obj.comment.author_name

    @admin.display(description="Article")
    def article(self, obj: UsefulVote) -> str:
        return truncatechars(obj.comment.article.title, 40)


# --- Editor's picks, from the comment admin ----------------------------------------------------


@admin.action(description="Editor's pick: selected comments (the note from the text box)")
def pick_comments(modeladmin, request, queryset):
    note = request.POST.get("reason", "").strip()
    try:
        picked, skipped = picks.pick_many(queryset, editor=request.user, note=note)
    except Refused as refused:
        modeladmin.message_user(request, refused.message, messages.ERROR)
        return
    modeladmin.message_user(request, f"Editor's picks: {picked} comment(s).", messages.SUCCESS)
    if skipped:
        modeladmin.message_user(
            request,
            f"{skipped} comment(s) are not published and were not picked.",
            messages.WARNING,
        )


@admin.action(description="Remove from the editor's picks: selected comments")
def unpick_comments(modeladmin, request, queryset):
    try:
        for comment in queryset.filter(picked_at__isnull=False):
            picks.unpick(comment, editor=request.user)
    except Refused as refused:
        modeladmin.message_user(request, refused.message, messages.ERROR)
        return
    modeladmin.message_user(request, "Removed from the editor's picks.", messages.SUCCESS)


def pick_from_change_page(modeladmin, request: HttpRequest, pk: int) -> HttpResponseRedirect:
    """The "Editor's pick" panel of a comment's admin page: pick (with a note) or unpick."""
    comment = get_object_or_404(Comment, pk=pk)
    back = HttpResponseRedirect(reverse("admin:comments_comment_change", args=[pk]))
    if request.method != "POST" or not modeladmin.has_change_permission(request, comment):
        return back
    try:
        if request.POST.get("pick") == "remove":
            picks.unpick(comment, editor=request.user)
            modeladmin.message_user(request, "No longer an editor's pick.", messages.SUCCESS)
        else:
            picks.pick(comment, editor=request.user, note=request.POST.get("note", ""))
            modeladmin.message_user(request, "Marked as an editor's pick.", messages.SUCCESS)
    except Refused as refused:
        modeladmin.message_user(request, refused.message, messages.ERROR)
    return back
