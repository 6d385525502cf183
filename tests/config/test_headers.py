"""Every page carries the headers that lock it down: a Content-Security-Policy whose scripts
come from files only, Permissions-Policy, Referrer-Policy and Cross-Origin-Opener-Policy."""

import re

import pytest

from config.headers import permissions_policy
from tests.factories import ArticleFactory, CommentFactory, UserFactory, sign_in_staff

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    parts = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in parts}


@pytest.fixture
def pages(client):
    article = ArticleFactory(title="Ports and power")
    CommentFactory(article=article)
    staff = UserFactory(username="desk", is_staff=True, is_superuser=True)
    return {
        "home": "/",
        "article": article.get_absolute_url(),
        "latest comments": "/comments/latest/",
        "sign in": "/accounts/login/",
        "sign up": "/accounts/signup/",
        "password reset": "/accounts/password/reset/",
        "admin sign in": "/admin/login/",
        "not found": "/no-such-page/",
        "api docs": "/api/v1/docs/",
    }, staff


def test_every_html_page_has_a_policy_whose_scripts_come_from_files_only(client, pages):
    paths, _ = pages
    for what, path in paths.items():
        response = client.get(path)
        assert response["Content-Type"].startswith("text/html"), what
        policy = directives(response)
        assert policy["script-src"] == ["'self'"], what
        assert "'unsafe-inline'" not in response["Content-Security-Policy"], what
        assert policy["default-src"] == ["'self'"], what
        assert policy["object-src"] == ["'none'"], what
        assert policy["frame-ancestors"] == ["'none'"], what
        assert policy["base-uri"] == ["'self'"], what
        assert policy["form-action"] == ["'self'"], what


def test_admin_pages_of_a_signed_in_editor_have_the_same_policy(client, pages):
    _, staff = pages
    sign_in_staff(client, staff)  # with the second factor the admin asks of staff
    for path in (
        "/admin/",
        "/admin/comments/comment/?status__exact=pending",
        "/admin/articles/article/add/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert directives(response)["script-src"] == ["'self'"], path
        assert directives(response)["style-src"] == ["'self'"], path


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/api/v1/articles/", "/feeds/rss/"])
def test_other_headers_are_on_every_response(client, path):
    response = client.get(path)
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    features = dict(
        re.fullmatch(r"([a-z-]+)=\((.*)\)", item).groups()
        for item in response["Permissions-Policy"].split(", ")
    )
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert features[feature] == "", feature


def test_no_template_has_inline_script_style_or_event_handlers():
    """The policy would block them in the browser; catch them before a reader does."""
    from django.conf import settings

    root = settings.BASE_DIR / "platform" / "templates"
    inline = re.compile(
        r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>|<style\b"
        r"|\sstyle=\"|\son[a-z]+=\"|javascript:",
        re.IGNORECASE,
    )
    found = [
        f"{path.relative_to(root)}: {match.group(0)}"
        for path in root.rglob("*.html")
        if "email" not in path.parts
        for match in inline.finditer(path.read_text())
    ]
    assert found == []


def test_permissions_policy_lists_each_feature_with_its_origins():
    assert permissions_policy({"geolocation": ["self"], "camera": []}) == (
        "camera=(), geolocation=(self)"
    )


def test_the_policy_built_once_is_the_librarys_own(client, settings):
    from csp.utils import build_policy

    assert client.get("/").headers["Content-Security-Policy"] == build_policy()
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    assert client.get("/").headers["Content-Security-Policy"] == "default-src 'none'"


def test_a_response_that_uses_a_nonce_gets_it_in_its_policy(rf, settings):
    from csp.constants import NONCE, SELF
    from django.http import HttpResponse

    from config.headers import CSPMiddleware

    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"script-src": [SELF, NONCE]}}

    def view(request):
        return HttpResponse(f"<script nonce='{request.csp_nonce}'></script>")

    middleware = CSPMiddleware(view)
    request = rf.get("/")
    middleware.process_request(request)
    response = middleware.process_response(request, view(request))
    assert f"'nonce-{request._csp_nonce}'" in response["Content-Security-Policy"]
    plain = rf.get("/")
    middleware.process_request(plain)
    assert (
        "nonce-"
        not in middleware.process_response(plain, HttpResponse("x"))["Content-Security-Policy"]
    )
