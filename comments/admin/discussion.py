"""What readers do to each other's comments, as staff see it: Useful votes (who, when, on
what), to spot vote stuffing. Votes are the readers'; the admin only reads them."""

from django.contrib import admin
from django.template.defaultfilters import truncatechars

from comments.admin.base import ReadOnlyAdmin
from comments.models import UsefulVote


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
