"""What the comments admin's pages share."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record to read, never to write: events and logs."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
