"""What leaves the site, as staff see it: notification mail, subscriptions, mail settings,
webhook endpoints and deliveries; failed rows are sent again, or cleared, from here."""

from django import forms
from django.contrib import admin

from comments.models import (
    MailPreference,
    Notification,
    Subscription,
    WebhookDelivery,
    WebhookEndpoint,
)
from comments.models.webhooks import EVENTS
from comments.outbound import outbox, pruning


@admin.action(description="Send again (failed or stuck mail)", permissions=["change"])
def send_again(modeladmin, request, queryset):
    unsent = queryset.filter(state__in=[Notification.State.FAILED, Notification.State.PENDING])
    count = outbox.resend(Notification, list(unsent.values_list("pk", flat=True)))
    modeladmin.message_user(request, f"{count} mail(s) handed to the worker again.")


@admin.action(description="Clear (failed mail only)", permissions=["change"])
def clear_failed_mail(modeladmin, request, queryset):
    count = pruning.clear_failed(Notification, list(queryset.values_list("pk", flat=True)))
    modeladmin.message_user(request, f"{count} failed mail(s) cleared.")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "recipient", "state", "attempts", "sent_at", "last_error"]
    list_filter = ["state", "kind"]
    search_fields = ["recipient", "=event"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Notification._meta.fields]
    actions = [send_again, clear_failed_mail]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["email", "article", "scope", "confirmed_at", "unsubscribed_at"]
    list_filter = ["scope", "confirmed_at", "unsubscribed_at"]
    list_select_related = ["article"]
    search_fields = ["email"]
    raw_id_fields = ["article", "user"]


@admin.register(MailPreference)
class MailPreferenceAdmin(admin.ModelAdmin):
    list_display = ["email", "replies", "article_comments", "published", "held_comments"]
    search_fields = ["email"]
    raw_id_fields = ["user"]


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(choices=EVENTS, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "secret", "events", "description", "active"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["url", "description", "active", "created_at"]
    list_filter = ["active"]


@admin.action(description="Replay: send again", permissions=["change"])
def replay(modeladmin, request, queryset):
    count = outbox.resend(WebhookDelivery, list(queryset.values_list("pk", flat=True)))
    modeladmin.message_user(request, f"{count} delivery(ies) sent again.")


@admin.action(description="Clear (failed deliveries only)", permissions=["change"])
def clear_failed_deliveries(modeladmin, request, queryset):
    count = pruning.clear_failed(WebhookDelivery, list(queryset.values_list("pk", flat=True)))
    modeladmin.message_user(request, f"{count} failed delivery(ies) cleared.")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "event", "endpoint", "state", "attempts", "last_status_code"]
    list_filter = ["state", "event", "endpoint"]
    list_select_related = ["endpoint"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    actions = [replay, clear_failed_deliveries]

    def has_add_permission(self, request):
        return False
