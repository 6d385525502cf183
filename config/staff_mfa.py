"""Two-factor authentication for staff: the one home of the rule "no admin without it".

Editors, moderators and superusers are staff (`is_staff`), and a staff account opens the
admin only from a session that passed django-allauth's MFA step (a TOTP code or a recovery
code at sign-in, or a code to re-authenticate). An account without an authenticator app is
sent to set one up first and comes back to the admin page it asked for. The admin's own
login form, which would skip the MFA step, hands over to the site's sign-in page.

Failed codes are refused by allauth (rate-limited per account by ACCOUNT_RATE_LIMITS'
`login_failed`) and each is logged on the `staff.security` logger for the moderators.
"""

import logging
from urllib.parse import urlencode

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.authentication import get_authentication_records
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa import signals
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.views import ViewRecoveryCodesView
from allauth.mfa.totp.views import ActivateTOTPView
from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse

security_log = logging.getLogger("staff.security")

SET_UP_MESSAGE = (
    "Staff accounts need two-factor authentication to open the admin. Set up an "
    "authenticator app below; you will be taken back to the admin afterwards."
)
CONFIRM_MESSAGE = (
    "This session has not passed two-factor authentication. Enter a code from your "
    "authenticator app (or a recovery code) to open the admin."
)


def needs_mfa(user) -> bool:
    """Whether this account must pass two-factor authentication to use the admin."""
    return bool(user.is_authenticated and user.is_active and (user.is_staff or user.is_superuser))


def has_totp(user) -> bool:
    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()


def session_passed_mfa(request: HttpRequest) -> bool:
    """Whether this session signed in (or re-authenticated) with a second factor."""
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


def refusal_reason(request: HttpRequest) -> str | None:
    """Why the admin is closed to this session, or None when it is open (or not ours to say).

    Asked by the gate and by `has_permission` in the same request: worked out once.
    """
    if not hasattr(request, "_staff_mfa_refusal"):
        request._staff_mfa_refusal = _refusal_reason(request)
    return request._staff_mfa_refusal


def _refusal_reason(request: HttpRequest) -> str | None:
    user = request.user
    if not needs_mfa(user):
        return None
    if session_passed_mfa(request):
        return None  # first, so that a staff session's admin page costs no query for it
    if not has_totp(user):
        return "no authenticator"
    return "no second factor in this session"


def refusal(request: HttpRequest) -> HttpResponseRedirect | None:
    """None when the admin is open to this session; otherwise where to send the staff member."""
    reason = refusal_reason(request)
    if reason is None:
        return None
    if reason == "no authenticator":
        messages.warning(request, SET_UP_MESSAGE)
        return _redirect_with_next("mfa_activate_totp", request.get_full_path())
    messages.warning(request, CONFIRM_MESSAGE)
    return _redirect_with_next("mfa_reauthenticate", request.get_full_path())


def _redirect_with_next(url_name: str, next_url: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"{reverse(url_name)}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")


def _safe_next(request: HttpRequest) -> str | None:
    next_url = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME)
    if next_url and get_account_adapter(request).is_safe_url(next_url):
        return next_url
    return None


# --- The admin ----------------------------------------------------------------------------


class StaffAdminSite(admin.AdminSite):
    """Django's admin site, refusing staff sessions without two-factor authentication."""

    def has_permission(self, request):
        return super().has_permission(request) and refusal_reason(request) is None

    def admin_view(self, view, cacheable=False):
        guarded = super().admin_view(view, cacheable)

        def inner(request, *args, **kwargs):
            if request.path == reverse("admin:logout", current_app=self.name):
                return view(request, *args, **kwargs)  # signing out is never refused
            response = refusal(request)
            if response is not None:
                return response
            return guarded(request, *args, **kwargs)

        inner.__dict__.update(guarded.__dict__)
        inner.admin_site = self
        return inner

    def login(self, request, extra_context=None):
        """Signing in happens on the site's sign-in page, which asks for the second factor."""
        response = refusal(request)
        if response is not None:
            return response
        if request.user.is_authenticated:
            return super().login(request, extra_context)
        next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
        return _redirect_with_next("account_login", next_url)


# --- The setup pages, leading back to the admin ----------------------------------------------


class ActivateStaffTOTPView(ActivateTOTPView):
    """allauth's page, plus: the code just entered counts as this session's second factor
    (it proves the new app works), and `?next=` leads on, past the recovery codes."""

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"next_url": _safe_next(self.request)}

    def form_valid(self, form):
        response = super().form_valid(form)
        totp = Authenticator.objects.get(user_id=self.request.user.pk, type="totp")
        record_authentication(self.request, self.request.user, "mfa", id=totp.pk, type="totp")
        return response

    def get_success_url(self):
        url = super().get_success_url()
        next_url = _safe_next(self.request)
        return f"{url}?{urlencode({REDIRECT_FIELD_NAME: next_url})}" if next_url else url


class StaffRecoveryCodesView(ViewRecoveryCodesView):
    """allauth's list of recovery codes, with a way on to the page that sent them here."""

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"next_url": _safe_next(self.request)}


# --- Failed codes, for the moderators ------------------------------------------------------


@receiver(signals.authentication_failed)
def log_failed_code(sender, request, user, authenticator, reauthentication=False, **kwargs):
    security_log.warning(
        "Wrong two-factor code for user %s (id %s, staff: %s) from %s%s",
        user.get_username(),
        user.pk,
        user.is_staff,
        request.META.get("REMOTE_ADDR", "?"),
        " while re-authenticating" if reauthentication else "",
        extra={"user_id": user.pk, "staff": user.is_staff},
    )
    if user.is_staff:
        from comments.moderation import refusals  # the app's models load after this module

        refusals.refused(
            refusals.Kind.SECOND_FACTOR,
            f"wrong two-factor code{' while re-authenticating' if reauthentication else ''}",
            user=user,
        )
