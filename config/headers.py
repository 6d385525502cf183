"""Response headers that Django's SecurityMiddleware does not set.

Content-Security-Policy comes from django-csp (CONTENT_SECURITY_POLICY in settings);
Referrer-Policy and Cross-Origin-Opener-Policy from Django itself (SECURE_*).
"""

from django.conf import settings


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
