"""Who is reading: a signed-in user, or an anonymous browser we recognise by signed cookies.

An anonymous reader's own comments (to show them "awaiting moderation" and let them edit
or delete) are the ids in a signed cookie this browser received when it posted them.
"""

import json
import secrets
from dataclasses import dataclass, field

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

BROWSER_COOKIE = "discussion"
DETAILS_COOKIE = "commenter"
_SALT = "comments.readers"
_MAX_REMEMBERED = 200
_YEAR = 365 * 24 * 3600


@dataclass(frozen=True)
class Reader:
    user: object | None
    browser: str
    own_ids: frozenset[int] = field(default_factory=frozenset)
    ip: str | None = None
    user_agent: str = ""

    @property
    def is_signed_in(self) -> bool:
        return self.user is not None

    @property
    def key(self) -> str:
        """Stable identity for one-per-reader rules (reports)."""
        return f"user:{self.user.pk}" if self.user is not None else f"browser:{self.browser}"

    def wrote(self, comment) -> bool:
        """Is `comment` (a model or a page's row) this reader's own? The one rule, for what
        a reader is shown and what they may change: a comment of their account, or an
        anonymous comment this browser wrote (also once the reader has signed in)."""
        return self.wrote_ids(comment.user_id, comment.pk)

    def wrote_ids(self, user_id: int | None, comment_id: int) -> bool:
        if self.user is not None and user_id == self.user.pk:
            return True
        return user_id is None and comment_id in self.own_ids


def _read_signed(request: HttpRequest, name: str) -> dict:
    try:
        value = json.loads(request.get_signed_cookie(name, salt=_SALT, max_age=_YEAR))
    except (KeyError, signing.BadSignature, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def reader_from(request: HttpRequest) -> Reader:
    state = _read_signed(request, BROWSER_COOKIE)
    ids = state.get("ids", [])
    browser = state.get("b")
    user = request.user if request.user.is_authenticated else None
    return Reader(
        user=user,
        browser=browser if isinstance(browser, str) and browser else secrets.token_hex(16),
        own_ids=frozenset(i for i in ids if isinstance(i, int))
        if isinstance(ids, list)
        else frozenset(),
        **request_facts(request),
    )


def has_own_comments(request: HttpRequest) -> bool:
    """Does this browser's cookie name comments it wrote? Such a reader's pages differ from
    everyone else's (their comments awaiting moderation, their edit links), so no shared
    copy of a page is ever theirs. Reads the signed cookie only: no query."""
    ids = _read_signed(request, BROWSER_COOKIE).get("ids")
    return isinstance(ids, list) and bool(ids)


def request_facts(request: HttpRequest) -> dict:
    """Where a request came from, as a comment or report stores it: `ip` and `user_agent`.

    The address is the one allauth's rate limits count, read past TRUSTED_PROXY_COUNT
    proxies, so that a ban, a flood check and a sign-in limit all see the same client."""
    return {
        "ip": _client_ip(request),
        "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
    }


def _client_ip(request: HttpRequest) -> str | None:
    try:
        return get_adapter(request).get_client_ip(request)
    except PermissionDenied:  # no address that parses as one
        return None


def _set_signed(response: HttpResponse, name: str, value: dict) -> None:
    response.set_signed_cookie(
        name,
        json.dumps(value, separators=(",", ":")),
        salt=_SALT,
        max_age=_YEAR,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def remember_browser(response: HttpResponse, reader: Reader, comment_id: int | None = None) -> None:
    """Keep this browser's identity, and the comment it just wrote, in its cookie."""
    ids = sorted(reader.own_ids | ({comment_id} if comment_id else set()))[-_MAX_REMEMBERED:]
    _set_signed(response, BROWSER_COOKIE, {"b": reader.browser, "ids": ids})


def saved_details(request: HttpRequest) -> dict[str, str]:
    """Name, email and website this browser asked us to remember, for the comment form."""
    details = _read_signed(request, DETAILS_COOKIE)
    return {
        key: str(details.get(key, ""))[:300] for key in ("name", "email", "url") if details.get(key)
    }


def save_details(
    response: HttpResponse, *, remember: bool, name: str, email: str, url: str
) -> None:
    if remember:
        _set_signed(response, DETAILS_COOKIE, {"name": name, "email": email, "url": url})
    else:
        response.delete_cookie(DETAILS_COOKIE, samesite="Lax")
