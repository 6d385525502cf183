"""Response headers that Django's SecurityMiddleware does not set.

Content-Security-Policy comes from django-csp (CONTENT_SECURITY_POLICY in settings), through
`CSPMiddleware` below; Referrer-Policy and Cross-Origin-Opener-Policy from Django itself
(SECURE_*).
"""

from functools import lru_cache

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, PolicyParts
from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver


def permissions_policy(features: dict[str, list[str]]) -> str:
    """`camera=(), geolocation=(self)`: each feature and the origins allowed to use it."""
    return ", ".join(
        f"{feature}=({' '.join(origins)})" for feature, origins in sorted(features.items())
    )


class PermissionsPolicyMiddleware:
    """Add Permissions-Policy (settings.PERMISSIONS_POLICY) to every response that lacks one."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = permissions_policy(getattr(settings, "PERMISSIONS_POLICY", {}))

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response


class CSPMiddleware(BaseCSPMiddleware):
    """django-csp's middleware, with the site's policy built once. The library builds the
    header anew for every response, which was a fifth of the CPU of a page served from the
    cache; a response that changes nothing about the policy (no decorator, no nonce) gets the
    same string, built by the library's own `build_policy`. Anything else, and debug mode,
    goes through the library unchanged."""

    def process_response(self, request, response):
        plain = PolicyParts()
        if (
            settings.DEBUG
            or self.get_policy_parts(request=request, response=response) != plain
            or self.get_policy_parts(request=request, response=response, report_only=True) != plain
        ):
            return super().process_response(request, response)
        policy, report_only = _site_policy()
        for header, value, exempt, setting in (
            (HEADER, policy, "_csp_exempt", "CONTENT_SECURITY_POLICY"),
            (
                HEADER_REPORT_ONLY,
                report_only,
                "_csp_exempt_ro",
                "CONTENT_SECURITY_POLICY_REPORT_ONLY",
            ),
        ):
            prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
            if (
                value
                and header not in response
                and not getattr(response, exempt, False)
                and not request.path_info.startswith(tuple(prefixes))
            ):
                response[header] = value
        # As the library does: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


@lru_cache(maxsize=1)
def _site_policy() -> tuple[str, str]:
    return build_policy(), build_policy(report_only=True)


@receiver(setting_changed)
def _policy_changed(setting, **kwargs) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _site_policy.cache_clear()
