"""The record of personal-data requests, for the moderators and staff."""

from django.contrib import admin

from comments.admin.base import ReadOnlyAdmin
from comments.models import PersonalDataLog


@admin.register(PersonalDataLog)
class PersonalDataLogAdmin(ReadOnlyAdmin):
    """Who exported or erased whose data, and how much: read only."""

    list_display = ["created_at", "action", "subject", "comments", "details", "actor"]
    list_filter = ["action"]
    list_select_related = ["actor"]
    date_hierarchy = "created_at"
