"""Conditional GET for every read of the API: each answer carries a strong ETag, and a client
that sends it back in `If-None-Match` gets 304 Not Modified while the answer is unchanged.

The tag comes from one of two places:

- `respond(request, data)`: the bytes of the answer itself. It changes whenever anything the
  body shows changes (a joined row, the host in a link, the reader's own pending comment),
  because the bytes hashed are the bytes sent. Building the body is the cost of a 304 too, so
  the read behind it must be small: a page of articles is two queries.
- `respond_for_version(request, version, last_modified, build)`: cheap facts read before the
  body is built (how many comments a thread has, when the last one changed), for answers too
  big to build on every revalidation. The caller promises that the facts change whenever the
  body would; a 304 then costs only the queries that read them.
"""

import hashlib
from collections.abc import Callable, Hashable
from datetime import datetime

from django.http import HttpResponse, HttpResponseNotModified
from django.utils.http import http_date, parse_etags, parse_http_date_safe


def respond(request, data) -> HttpResponse:
    """`data` rendered, tagged with the hash of its bytes; 304 if the client holds them."""
    body = _render(request, data)
    return _answer(request, _tag(request, b"body", body), None, lambda: body)


def respond_for_version(
    request,
    version: tuple[Hashable, ...],
    last_modified: datetime,
    build: Callable[[], object],
) -> HttpResponse:
    """Tagged by `version` (which must change whenever the body would); `build()` makes the
    body's data and is not called for a 304. `last_modified` answers If-Modified-Since."""
    seed = "\x1f".join(str(part) for part in version).encode()
    return _answer(
        request, _tag(request, b"version", seed), last_modified, lambda: _render(request, build())
    )


def is_fresh(request, etag: str, last_modified: datetime | None) -> bool:
    """Whether the client's copy is current (RFC 9110 13.1.2 and 13.1.3): If-None-Match wins
    over If-Modified-Since, and compares weakly, so a W/ prefix added by a proxy still matches."""
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        tags = parse_etags(if_none_match)
        return tags == ["*"] or etag in {tag.removeprefix("W/") for tag in tags}
    if last_modified is None:
        return False
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    return since is not None and int(last_modified.timestamp()) <= since


def _answer(request, etag: str, last_modified: datetime | None, body: Callable[[], bytes]):
    headers = {
        "ETag": etag,
        # Revalidate every time; what a signed-in client reads is for its own cache only.
        "Cache-Control": "private, no-cache" if request.user.is_authenticated else "no-cache",
    }
    if last_modified is not None:
        headers["Last-Modified"] = http_date(last_modified.timestamp())
    if is_fresh(request, etag, last_modified):
        return HttpResponseNotModified(headers=headers)
    renderer = request.accepted_renderer
    content_type = renderer.media_type
    if renderer.charset:
        content_type = f"{content_type}; charset={renderer.charset}"
    return HttpResponse(body(), content_type=content_type, headers=headers)


def _render(request, data) -> bytes:
    return request.accepted_renderer.render(data, request.accepted_media_type, {"request": request})


def _tag(request, kind: bytes, seed: bytes) -> str:
    digest = hashlib.sha256(request.accepted_media_type.encode() + b"\x1f" + kind + b"\x1f" + seed)
    return f'"{digest.hexdigest()[:32]}"'
