"""Pages anonymous readers share: who may be served a cached copy, under which key, and the
versions that say when a copy is out of date. The one home of those rules.

Served from the cache (`shared_page`): the home page, the topic pages, the article page (each
page, order and filter of its discussion) and the feeds of articles and comments, to a
request that is
- a GET or HEAD without an Authorization header, and with no cookie that changes the page:
  no session (a signed-in reader, or messages kept in the session), no messages cookie, no
  saved commenter details, and no comment this browser wrote (`readers.has_own_comments`:
  their pending comment shows to them only);
- asking only for the query parameters the page varies on (`?page=`, `?cpage=`, ...), or
  tracking parameters nobody reads (`utm_*`, `fbclid`, ...); anything else (`?replytocom=`,
  `?quote=`) renders the page for this request alone.
Everyone else gets the page rendered for them, marked `private, no-cache`. Only a 200 from
a shared request is stored, and not one that carries messages, sets a cookie, used a CSP
nonce or wrote to the session. Values made for each response (the CSRF token, the comment
form's shown-at stamp) are stored as placeholders and made afresh for every reader.

Versions: a copy records the versions it was rendered with, and is current while they are
unchanged. `SITE` changes with anything every page may show (articles, topics, moderation
settings, guidelines); `COMMENTS` with any public comment (the counts on listings, the
latest comments feed); `article:<id>` with anything one article page shows (a comment
becoming public, edited, removed, picked, answered, its sources and passages; a revision of
the article). Writers call `site_changed()`, `comments_changed(article_id)` or
`votes_changed(article_id)`, which take effect at once and again when their transaction
commits. Useful votes do not change the version: a copy that misses a vote is served for up
to PAGE_CACHE_VOTE_LAG_SECONDS after it was rendered, so a busy discussion is rendered at
most once per that lag however often readers vote. Every copy is rendered again after
PAGE_CACHE_FRESH_SECONDS (a scheduled article going live).

A cold or outdated copy is rendered by one request at a time (a lock in the cache); the
others get the outdated copy, or wait up to WAIT_SECONDS for the new one. A conditional GET
that matches the version is answered 304 without rendering. Every request through a shared
page gets `request.cache_hit` (True when no render happened). With the cache server away
(config/cache.py), pages render as if nothing were cached.
"""

import functools
import hashlib
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.middleware.csrf import get_token
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import http_date, parse_etags, parse_http_date_safe

SITE = "site"
COMMENTS = "comments"
_PREFIX = "pagecache:"
LOCK_SECONDS = 10
WAIT_SECONDS = 3.0
_POLL_SECONDS = 0.02
# A copy is kept this long after its last render, to be served while a new one renders.
KEEP_SECONDS = 600
LOCAL_BYTES = 32 * 2**20
_MESSAGES_COOKIE = "messages"  # django.contrib.messages' CookieStorage
# Query parameters nobody reads, left out of the key: campaign tags and click ids.
TRACKING_PREFIX = "utm_"
TRACKING_PARAMS = frozenset({"fbclid", "gclid", "mc_cid", "mc_eid", "ref"})
# Hidden form fields whose value is made for each response: a copy keeps a mark in their
# place, and each reader of it gets a value of their own (`make_fresh` adds to these).
_FRESH: dict[str, Callable[[HttpRequest], str]] = {"csrfmiddlewaretoken": get_token}
_FIELD = re.compile(rb'name="([\w-]+)" value="([^"]+)"')
_MARK = re.compile(rb"(\x00pagecache:[\w-]+\x00)")
_CSRF_MARK = b"\x00pagecache:csrfmiddlewaretoken\x00"


# --- Who changed what ---------------------------------------------------------------------


def make_fresh(field: str, make: Callable[[HttpRequest], str]) -> None:
    """Have every reader of a copy get a value of their own for the hidden `field`, made by
    `make(request)`, as for the CSRF token (a form's timestamp, say)."""
    _FRESH[field] = make


def site_changed() -> None:
    """An article, a topic, the moderation settings or a guideline changed: every page."""
    _bump_on_commit([SITE, COMMENTS])


def comments_changed(article_id: int, *, listed: bool = True) -> None:
    """Something the article's page shows changed. `listed`: also what the listings show
    (public comment counts, the latest comments feed) — false for picks and the like."""
    _bump_on_commit([_article(article_id), *([COMMENTS] if listed else [])])


def votes_changed(article_id: int) -> None:
    """A useful vote on the article's discussion: its pages catch up within the vote lag."""
    cache.set(_key(_votes(article_id)), time.time(), None)
    transaction.on_commit(lambda: cache.set(_key(_votes(article_id)), time.time(), None))


def connect_receivers() -> None:
    """Rows only the admin writes, which every page may show: topics, guidelines, the
    moderation settings, and an article deleted (saves go through
    `articles.services.save_article`)."""
    from django.db.models.signals import post_delete, post_save

    from articles.models import Article, Topic
    from comments.models import Guideline, ModerationSettings

    for model in (Topic, Guideline, ModerationSettings):
        post_save.connect(_site_row_changed, sender=model, dispatch_uid=f"pagecache.{model}")
    for model in (Topic, Guideline, Article):
        post_delete.connect(_site_row_changed, sender=model, dispatch_uid=f"pagecache.d.{model}")


def _site_row_changed(sender, **kwargs) -> None:
    site_changed()


def _bump_on_commit(names: list[str]) -> None:
    # Now, so that this transaction's own next read sees a new version; and again after
    # commit, since a page another request renders in between reads the old rows.
    _bump(names)
    transaction.on_commit(lambda: _bump(names))


def _bump(names: list[str]) -> None:
    now = time.time_ns()
    current = cache.get_many([_key(name) for name in names])
    cache.set_many(
        {_key(name): max(now, current.get(_key(name), 0) + 1) for name in names}, timeout=None
    )


def _article(article_id: int) -> str:
    return f"article:{article_id}"


def _votes(article_id: int) -> str:
    return f"votes:{article_id}"


def _key(name: str) -> str:
    return f"{_PREFIX}{name}"


# --- Which pages, and who may share them ---------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """A kind of shared page: the query parameters it varies on (any other but tracking
    ones makes the request its own), and whether it belongs to one article (the view's
    `slug`)."""

    params: frozenset[str] = frozenset()
    per_article: bool = False


LISTING = Scope(frozenset({"page", "topic"}))
ARTICLE = Scope(frozenset({"cpage", "order", "corder", "kind", "unanswered"}), per_article=True)
FEED = Scope()
ARTICLE_FEED = Scope(per_article=True)


def is_shared(request: HttpRequest, scope: Scope) -> bool:
    """May this request be answered with (and fill) the copy everyone shares?"""
    if not settings.PAGE_CACHE_ENABLED or request.method not in ("GET", "HEAD"):
        return False
    if "authorization" in request.headers:
        return False
    from comments.threads import readers

    personal = (settings.SESSION_COOKIE_NAME, readers.DETAILS_COOKIE, _MESSAGES_COOKIE)
    if any(name in request.COOKIES for name in personal) or readers.has_own_comments(request):
        return False
    return all(
        name in scope.params or name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIX)
        for name in request.GET
    )


def _page_key(request: HttpRequest, scope: Scope) -> str:
    shown = sorted(
        (name, value)
        for name in request.GET
        if name in scope.params
        for value in request.GET.getlist(name)
    )
    place = f"{request.scheme}://{request.get_host()}{request.path}?{shown!r}"
    return _key("page:" + hashlib.sha256(place.encode()).hexdigest()[:40])


# --- Serving --------------------------------------------------------------------------------


@dataclass
class _Copy:
    versions: tuple[int, ...]
    rendered_at: float
    content_type: str
    parts: tuple[bytes, ...]  # the page split around the marks of per-response values

    @property
    def size(self) -> int:
        return sum(len(part) for part in self.parts)

    @property
    def has_token(self) -> bool:
        return _CSRF_MARK in self.parts


def shared_page(scope: Scope) -> Callable:
    """Serve the decorated view from the shared copy when `is_shared` allows."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            request.cache_hit = False
            if not is_shared(request, scope):
                return _personal(view(request, *args, **kwargs))
            return _serve(request, scope, lambda: view(request, *args, **kwargs), kwargs)

        return wrapper

    return decorate


def _personal(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, ("Cookie",))
    return response


def _serve(request, scope: Scope, render: Callable[[], HttpResponse], kwargs) -> HttpResponse:
    key = _page_key(request, scope)
    looked_up = _look_up(scope, kwargs, key)
    if looked_up is None:  # the cache server is away, or there is no such article
        return render()
    versions, copy, voted_at = looked_up
    if (answer := _not_modified(request, key, versions)) is not None:
        request.cache_hit = True
        return answer
    if copy is not None and _is_current(copy, versions, voted_at):
        return _from_copy(request, copy, key)
    lock = key + ":lock"
    if not cache.add(lock, 1, LOCK_SECONDS):
        if copy is None:
            copy = _wait_for(key)
        if copy is not None:  # another request is rendering: serve the copy there is
            return _from_copy(request, copy, key)
        return _tagged(request, render(), key, versions)
    try:
        response = render()
        if _is_storable(request, response):
            copy = _copy_of(response, versions)
            cache.set(key, copy, KEEP_SECONDS)
            _local.put(key, copy)
    finally:
        cache.delete(lock)
    return _tagged(request, response, key, versions)


def _look_up(scope: Scope, kwargs, key: str, *, again: bool = True):
    """(versions, copy or None, time of the last vote or None), in one round trip of small
    values when this process holds the copy; None when the cache cannot answer or the
    article does not exist."""
    article_id = None
    if scope.per_article:
        article_id = _article_of(kwargs["slug"])
        if article_id is None:
            return None
    names = [SITE, COMMENTS] if article_id is None else [SITE, _article(article_id)]
    local = _local.get(key)
    wanted = [*map(_key, names)]
    if article_id is not None:
        wanted.append(_key(_votes(article_id)))
    found = cache.get_many([*wanted, *([] if local else [key])])
    versions = _versions(names, found)
    if versions is None:
        return None
    if article_id is not None and _local_slugs.get(kwargs["slug"], (None,))[0] != versions[0]:
        _local_slugs.pop(kwargs["slug"], None)  # an article changed: look the slug up again
        return _look_up(scope, kwargs, key, again=False) if again else None
    copy = local if local is not None and local.versions == versions else found.get(key)
    if copy is None and local is not None:
        copy = cache.get(key)  # another process may have rendered the current one
    if copy is not None and copy is not local:
        _local.put(key, copy)
    voted_at = found.get(_key(_votes(article_id))) if article_id is not None else None
    return versions, copy, voted_at


def _article_of(slug: str) -> int | None:
    """The id behind a slug, remembered with the site version it was read under (an article
    deleted and another given its slug changes that version)."""
    if (known := _local_slugs.get(slug)) is not None:
        return known[1]
    site = _versions([SITE], cache.get_many([_key(SITE)]))
    article_id = _article_id(slug)
    if site is not None and article_id is not None:
        _local_slugs[slug] = (site[0], article_id)
    return article_id


class _LocalCopies:
    """The copies this process served last, up to LOCAL_BYTES of pages: a hit then reads
    only the versions from the shared cache, not the page. Used only while the versions in
    the shared cache are the copy's own, so it is never more out of date than the shared one."""

    def __init__(self, limit: int):
        self.limit, self.size = limit, 0
        self.copies: OrderedDict[str, _Copy] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> "_Copy | None":
        with self.lock:
            copy = self.copies.get(key)
            if copy is not None:
                self.copies.move_to_end(key)
            return copy

    def put(self, key: str, copy: "_Copy") -> None:
        with self.lock:
            if (old := self.copies.pop(key, None)) is not None:
                self.size -= old.size
            self.copies[key] = copy
            self.size += copy.size
            while self.size > self.limit and self.copies:
                self.size -= self.copies.popitem(last=False)[1].size


_local = _LocalCopies(LOCAL_BYTES)
_local_slugs: dict[str, tuple[int, int]] = {}


def _article_id(slug: str) -> int | None:
    from articles.models import Article

    return Article.objects.filter(slug=slug).values_list("pk", flat=True).first()


def _versions(names: list[str], found: dict) -> tuple[int, ...] | None:
    """The current version of each name; a name never bumped starts now. None when the
    cache cannot say (server away)."""
    missing = [name for name in names if _key(name) not in found]
    if missing:
        for name in missing:
            cache.add(_key(name), time.time_ns(), None)
        found = {**found, **cache.get_many([_key(name) for name in missing])}
        if any(_key(name) not in found for name in missing):
            return None
    return tuple(found[_key(name)] for name in names)


def _is_current(copy: _Copy, versions: tuple[int, ...], voted_at: float | None) -> bool:
    age = time.time() - copy.rendered_at
    if copy.versions != versions or age >= settings.PAGE_CACHE_FRESH_SECONDS:
        return False
    return (
        voted_at is None
        or voted_at < copy.rendered_at
        or age < settings.PAGE_CACHE_VOTE_LAG_SECONDS
    )


def _wait_for(key: str) -> _Copy | None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(_POLL_SECONDS)
        copy = cache.get(key)
        if copy is not None:
            return copy
        if cache.add(key + ":lock", 1, 1):  # the renderer gave up: render ourselves
            cache.delete(key + ":lock")
            return None
    return None


def _is_storable(request, response) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if getattr(request, "_csp_nonce", None):  # a nonce is for one response only
        return False
    session = getattr(request, "session", None)
    if session is not None and session.modified:  # the render wrote something of theirs
        return False
    queued = getattr(getattr(request, "_messages", None), "_queued_messages", None)
    return not queued


def _copy_of(response: HttpResponse, versions: tuple[int, ...]) -> _Copy:
    body = response.content
    for name, value in set(_FIELD.findall(body)):
        if name.decode() in _FRESH:
            body = body.replace(value, b"\x00pagecache:" + name + b"\x00")
    return _Copy(
        versions=versions,
        rendered_at=time.time(),
        content_type=response["Content-Type"],
        parts=tuple(_MARK.split(body)),
    )


def _from_copy(request, copy: _Copy, key: str) -> HttpResponse:
    parts = list(copy.parts)
    for at in range(1, len(parts), 2):  # the marks, between the page's runs of text
        parts[at] = _FRESH[parts[at][11:-1].decode()](request).encode()
    request.cache_hit = True
    response = HttpResponse(b"".join(parts), content_type=copy.content_type)
    return _tagged(request, response, key, copy.versions, has_token=copy.has_token)


# --- HTTP caching ---------------------------------------------------------------------------


def _etag(key: str, versions: tuple[int, ...], secret: str | None) -> str:
    """Weak: the bytes differ in the per-response values. A page with a CSRF token is tagged
    with the reader's CSRF secret too, so that a 304 never keeps a token of another cookie."""
    seed = f"{key}|{versions}|{'t:' + secret if secret is not None else 'p'}"
    return f'W/"{hashlib.sha256(seed.encode()).hexdigest()[:32]}"'


def _tagged(request, response, key: str, versions, *, has_token: bool | None = None):
    """Validators and Cache-Control for a shared page's 200; other answers go private."""
    if response.status_code != 200:
        return _personal(response)
    if has_token is None:
        has_token = "CSRF_COOKIE_NEEDS_UPDATE" in request.META
    if has_token or response.cookies:
        response["ETag"] = _etag(key, versions, request.META.get("CSRF_COOKIE", ""))
        patch_cache_control(response, private=True, no_cache=True)
    else:
        response["ETag"] = _etag(key, versions, None)
        response["Last-Modified"] = http_date(max(versions) / 1e9)
        patch_cache_control(response, public=True, max_age=settings.PAGE_CACHE_MAX_AGE)
    patch_vary_headers(response, ("Cookie",))
    return response


def _not_modified(request, key: str, versions) -> HttpResponse | None:
    """304 when the client holds the current version: by If-None-Match, or (for a client
    with no CSRF cookie, which can hold no page with a token) by If-Modified-Since."""
    secret = request.META.get("CSRF_COOKIE")
    public, private = _etag(key, versions, None), _etag(key, versions, secret or "")
    if (header := request.headers.get("If-None-Match")) is not None:
        tags = set(parse_etags(header))
        matched = public if public in tags else private if private in tags else None
        if matched is None:
            return None
    else:
        since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
        if since is None or secret is not None or since < max(versions) // 10**9:
            return None
        matched = public
    response = HttpResponseNotModified()
    response["ETag"] = matched
    if matched == public:
        response["Last-Modified"] = http_date(max(versions) / 1e9)
        patch_cache_control(response, public=True, max_age=settings.PAGE_CACHE_MAX_AGE)
    else:
        patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, ("Cookie",))
    return response
