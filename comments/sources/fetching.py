"""Fetching a cited page within strict limits, for its metadata and for re-checks.

`fetch(url)` sends one GET and follows redirects by hand. On every hop the URL is checked
again (`urls.check_url`: http or https, no credentials, no literal private address), the host
is resolved once with `socket.getaddrinfo`, and every address it resolves to must be one the
server may reach (`addresses.is_allowed`): one bad address refuses the whole name. The
connection then goes to the checked address itself, never to the name again, so a second
DNS answer cannot swap in another address (DNS rebinding); the Host header and, for https,
the TLS server name and certificate check use the name.

Limits (`Limits`, defaults from the issue): at most 5 redirects; one deadline of 5 seconds
for the whole fetch (DNS, connecting, TLS, headers, body, every hop), enforced by a watchdog
that shuts the socket when it passes, so a server trickling a byte at a time cannot stretch
it; and at most 1,000,000 bytes of body read. A longer page is not refused: reading stops at
the limit, the connection is closed and the first megabyte is kept (`truncated`), because
the metadata sits in the page's head and many article pages are longer than that.

Bodies are read only for text/html and application/xhtml+xml (or no type at all, if the
body starts like HTML), and only when sent plain: we ask for `Accept-Encoding: identity` and
read nothing compressed, so a small compressed answer cannot unpack into a large one.

Every failure is an `Outcome` with a sentence for people; `fetch` raises nothing.
"""

import contextlib
import http.client
import ipaddress
import re
import socket
import ssl
import threading
import time
from dataclasses import dataclass, replace
from enum import StrEnum
from http import HTTPStatus
from urllib.parse import urljoin, urlsplit

from django.conf import settings

from comments.sources import addresses, urls

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9._:-]{1,40})""", re.ASCII | re.I)
_MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}")


class Outcome(StrEnum):
    OK = "ok"
    BAD_URL = "bad_url"
    BAD_SCHEME = "bad_scheme"
    REFUSED_ADDRESS = "refused_address"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    TIMEOUT = "timeout"
    HTTP_ERROR = "http_error"
    UNREACHABLE = "unreachable"
    NOT_HTML = "not_html"


@dataclass(frozen=True)
class Limits:
    redirects: int = 5
    bytes: int = 1_000_000
    seconds: float = 5.0


LIMITS = Limits()


@dataclass(frozen=True)
class Fetched:
    """What a fetch found. `url` is where it ended (the page read, or the address it stopped
    at), `redirects` how many it followed, `status` the last HTTP status received; `body` is
    the start of an HTML page (empty unless the outcome is OK, cut at the limit if
    `truncated`), `charset` the one the Content-Type header declared, if any. `message` says
    what went wrong, in a sentence a reader or moderator can be shown."""

    outcome: Outcome
    url: str
    message: str = ""
    status: int | None = None
    content_type: str = ""
    charset: str | None = None
    body: bytes = b""
    truncated: bool = False
    redirects: int = 0

    @property
    def is_ok(self) -> bool:
        return self.outcome == Outcome.OK


class _Failed(Exception):
    def __init__(self, outcome: Outcome, message: str, status: int | None = None):
        super().__init__(message)
        self.outcome, self.message, self.status = outcome, message, status


@dataclass(frozen=True)
class _Redirect:
    location: str
    status: int


def fetch(url: str, *, limits: Limits = LIMITS) -> Fetched:
    """GET `url` within `limits` (see the module's docstring). Never raises for anything the
    URL or the far side does; a bad COMMENT_SOURCES_ALLOW_LOOPBACK raises ImproperlyConfigured."""
    clock = _Clock(limits.seconds)
    current, status = url, None
    for hop in range(limits.redirects + 1):
        try:
            current = urls.check_url(current)
            answer = _get(current, limits, clock)
        except urls.BadSourceURL as error:
            message = (
                f"The page redirects to another address. {error.message}" if hop else error.message
            )
            shown = current[: urls.MAX_LENGTH]
            return Fetched(Outcome(error.code), shown, message, status, redirects=hop)
        except _Failed as failure:
            status = failure.status or status
            return Fetched(failure.outcome, current, failure.message, status, redirects=hop)
        if isinstance(answer, Fetched):
            return replace(answer, redirects=hop)
        status = answer.status
        try:
            current = urljoin(current, answer.location)
        except ValueError:
            return Fetched(
                Outcome.BAD_URL,
                answer.location[: urls.MAX_LENGTH],
                "The page redirected to a web address that is not well formed.",
                status,
                redirects=hop + 1,
            )
    return Fetched(
        Outcome.TOO_MANY_REDIRECTS,
        current,
        f"The page redirected more than {limits.redirects} times.",
        status,
        redirects=limits.redirects,
    )


def _get(url: str, limits: Limits, clock: "_Clock") -> "Fetched | _Redirect":
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or urls.DEFAULT_PORTS[parts.scheme]
    targets = _resolve(host, port, clock)
    watchdog = _Watchdog(_connect(targets, clock), clock)
    response = None
    try:
        sock = _secure(watchdog, host) if parts.scheme == "https" else watchdog.sock
        connection = http.client.HTTPConnection(host, port)
        connection.sock = sock
        connection.request("GET", _target(parts), headers=_headers(parts, host, port))
        response = connection.getresponse()
        answer = _answer(url, response, limits, clock)
        if watchdog.fired:
            raise _Failed(Outcome.TIMEOUT, clock.too_slow)
        return answer
    except _Failed:
        raise
    except (OSError, ValueError, http.client.HTTPException) as error:
        raise _failure(error, watchdog, clock) from None
    finally:
        watchdog.cancel()
        if response is not None:
            response.close()
        watchdog.sock.close()


def _resolve(host: str, port: int, clock: "_Clock") -> list[tuple]:
    """Every (family, sockaddr) the name resolves to, all of them allowed; or `_Failed`.
    getaddrinfo cannot be given a timeout, so it runs in a thread the deadline waits for; a
    lookup that outlives the deadline finishes in that (daemon) thread, its answer unused."""
    found: dict[str, object] = {}

    def resolve() -> None:
        try:
            found["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as error:
            found["error"] = error

    thread = threading.Thread(target=resolve, name="source-dns", daemon=True)
    thread.start()
    thread.join(clock.left())
    if thread.is_alive():
        raise _Failed(Outcome.TIMEOUT, clock.too_slow)
    infos = found.get("infos") or []
    if not infos:
        raise _Failed(Outcome.UNREACHABLE, "No site by that name could be found.")
    targets = []
    for family, _type, _proto, _name, sockaddr in infos:
        try:
            address = ipaddress.ip_address(sockaddr[0])
        except ValueError:
            address = None
        if address is None or not addresses.is_allowed(address, port):
            raise _Failed(
                Outcome.REFUSED_ADDRESS,
                "That site's name leads into a private or local network, "
                "which this site does not visit.",
            )
        if (family, sockaddr) not in targets:
            targets.append((family, sockaddr))
    return targets


def _connect(targets: list[tuple], clock: "_Clock") -> socket.socket:
    """A TCP connection to the first checked address that answers."""
    for family, sockaddr in targets:
        try:
            sock = socket.socket(family, socket.SOCK_STREAM)
        except OSError:  # an address family this machine has no stack for
            continue
        try:
            sock.settimeout(clock.left())
            sock.connect(sockaddr)
        except _Failed:
            sock.close()
            raise
        except TimeoutError:
            sock.close()
            raise _Failed(Outcome.TIMEOUT, clock.too_slow) from None
        except OSError:
            sock.close()
            continue
        return sock
    raise _Failed(Outcome.UNREACHABLE, "The site could not be reached.")


def _secure(watchdog: "_Watchdog", host: str) -> ssl.SSLSocket:
    """TLS over the connected socket, checking the certificate against the name."""
    context = ssl.create_default_context()
    secure = context.wrap_socket(watchdog.sock, server_hostname=host, do_handshake_on_connect=False)
    watchdog.watch(secure)
    secure.do_handshake()
    return secure


def _target(parts) -> str:
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _headers(parts, host: str, port: int) -> dict[str, str]:
    name = f"[{host}]" if ":" in host else host
    if port != urls.DEFAULT_PORTS[parts.scheme]:
        name = f"{name}:{port}"
    agent = f"{settings.SITE_NAME} source checker (+{settings.SITE_URL})"
    return {
        "Host": name,
        "User-Agent": agent.encode("ascii", "ignore").decode(),
        "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
        "Accept-Encoding": "identity",
        "Connection": "close",
    }


def _answer(url, response, limits: Limits, clock: "_Clock") -> "Fetched | _Redirect":
    status = response.status
    if status in REDIRECTS:
        location = (response.getheader("Location") or "").strip()
        if location:
            return _Redirect(location, status)
    if not 200 <= status < 300:
        raise _Failed(Outcome.HTTP_ERROR, f"The site answered {_status_line(status)}.", status)
    raw_type = response.getheader("Content-Type") or ""
    media = raw_type.partition(";")[0].strip().lower()
    charset = match[1].lower() if (match := _CHARSET.search(raw_type)) else None
    encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
    kept = {"status": status, "content_type": media, "charset": charset}
    if media and media not in HTML_TYPES:
        shown = f" ({media})" if _MEDIA_TYPE.fullmatch(media) else ""
        return Fetched(Outcome.NOT_HTML, url, f"That address is not a web page{shown}.", **kept)
    if encoding != "identity":
        return Fetched(Outcome.NOT_HTML, url, "The page was sent compressed.", **kept)
    body, truncated = _read(response, limits.bytes, clock)
    if not media and not _looks_like_html(body):
        return Fetched(Outcome.NOT_HTML, url, "That address is not a web page.", **kept)
    return Fetched(Outcome.OK, url, body=body, truncated=truncated, **kept)


def _read(response, limit: int, clock: "_Clock") -> tuple[bytes, bool]:
    """Up to `limit` bytes of the body, and whether the page went on past them."""
    chunks, size = [], 0
    while size < limit:
        clock.left()
        chunk = response.read1(min(_CHUNK, limit - size))
        if not chunk:
            return b"".join(chunks), False
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks), response.length is None or response.length > 0


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def _looks_like_html(body: bytes) -> bool:
    start = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return start.startswith((b"<!doctype html", b"<html", b"<head", b"<meta", b"<title"))


def _failure(error: Exception, watchdog: "_Watchdog", clock: "_Clock") -> _Failed:
    if watchdog.fired or isinstance(error, TimeoutError):
        return _Failed(Outcome.TIMEOUT, clock.too_slow)
    if isinstance(error, ssl.SSLCertVerificationError):
        return _Failed(Outcome.UNREACHABLE, "The site's certificate could not be verified.")
    if isinstance(error, ssl.SSLError):
        return _Failed(Outcome.UNREACHABLE, "A secure connection to the site failed.")
    if isinstance(error, http.client.RemoteDisconnected):
        return _Failed(Outcome.UNREACHABLE, "The site closed the connection without answering.")
    if isinstance(error, http.client.IncompleteRead):
        return _Failed(Outcome.UNREACHABLE, "The site stopped before the whole page was sent.")
    if isinstance(error, http.client.HTTPException):
        return _Failed(Outcome.UNREACHABLE, "The site's answer was not valid HTTP.")
    return _Failed(Outcome.UNREACHABLE, "The connection to the site failed.")


class _Clock:
    """One deadline for a whole fetch."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.too_slow = f"The site took longer than {seconds:g} seconds to answer."

    def left(self) -> float:
        """Seconds left, or `_Failed` (timeout) when there are none."""
        left = self.end - time.monotonic()
        if left <= 0:
            raise _Failed(Outcome.TIMEOUT, self.too_slow)
        return left


class _Watchdog:
    """Shuts the socket down when the deadline passes, whatever read or write is waiting on
    it: socket timeouts alone restart on every byte received."""

    def __init__(self, sock: socket.socket, clock: _Clock):
        self.fired = False
        self._lock = threading.Lock()
        self.sock = sock
        self._timer = threading.Timer(max(clock.end - time.monotonic(), 0), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self.sock = sock

    def cancel(self) -> None:
        self._timer.cancel()

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            # The plain socket's shutdown, even for TLS: SSLSocket.shutdown would drop the
            # TLS state under the thread that is reading.
            with contextlib.suppress(OSError):
                socket.socket.shutdown(self.sock, socket.SHUT_RDWR)
