"""Files at addresses fixed by standards rather than by us: /.well-known/security.txt."""

from datetime import UTC, timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

# RFC 9116 asks that Expires be less than a year ahead; written afresh on every request, so
# it never lapses while the site runs.
SECURITY_TXT_LIFETIME = timedelta(days=180)
POLICY_FILE = settings.BASE_DIR / "SECURITY.md"


@require_safe
def security_txt(request: HttpRequest) -> HttpResponse:
    expires = (timezone.now() + SECURITY_TXT_LIFETIME).replace(microsecond=0)
    lines = [
        f"Contact: {settings.SECURITY_CONTACT}",
        f"Expires: {expires.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}",
        "Preferred-Languages: en",
        f"Canonical: {settings.SITE_URL}/.well-known/security.txt",
        f"Policy: {settings.SITE_URL}/.well-known/security-policy",
    ]
    response = HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_safe
def security_policy(request: HttpRequest) -> HttpResponse:
    """SECURITY.md from the repository root, as the site runs it: how to report a flaw."""
    return HttpResponse(POLICY_FILE.read_text(), content_type="text/plain; charset=utf-8")
