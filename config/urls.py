from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path, re_path
from django.views.static import serve

from articles.sitemaps import SITEMAPS
from config import health, metrics, staff_mfa, wellknown

admin.site.site_header = f"{settings.SITE_NAME} — editors and moderators"
admin.site.site_title = settings.SITE_NAME

ICON_DIR = settings.BASE_DIR / "platform" / "static"


def favicon(request):
    """The site's icon where browsers look when a page names none (the admin, feeds, files)."""
    response = serve(request, "favicon.ico", document_root=ICON_DIR)
    response["Cache-Control"] = "public, max-age=86400"
    return response


urlpatterns = [
    path("favicon.ico", favicon, name="favicon"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path(".well-known/security.txt", wellknown.security_txt, name="security_txt"),
    path(".well-known/security-policy", wellknown.security_policy, name="security_policy"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    # allauth's pages for setting up an authenticator app, leading back to the admin after.
    path(
        "accounts/2fa/totp/activate/",
        staff_mfa.ActivateStaffTOTPView.as_view(),
        name="mfa_activate_totp",
    ),
    path(
        "accounts/2fa/recovery-codes/",
        staff_mfa.StaffRecoveryCodesView.as_view(),
        name="mfa_view_recovery_codes",
    ),
    path("accounts/", include("allauth.urls")),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    # The pages most requested first: each pattern tried before the match costs every request.
    path("", include("articles.urls")),
    path("", include("comments.urls")),
]


def media(request, path: str):
    """Uploaded files, from wherever MEDIA_ROOT points when the request arrives."""
    return serve(request, path, document_root=settings.MEDIA_ROOT)


if settings.SERVE_MEDIA:
    urlpatterns += [re_path(rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$", media)]

handler400 = "articles.views.bad_request"
