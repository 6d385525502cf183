"""Local web servers for the fetcher's tests, and a stand-in DNS.

Each `Site` is a real HTTP server in a thread on a loopback address (127.0.0.1 unless a test
asks for another, such as 127.0.0.2: on Linux the whole of 127/8 is loopback), on a free
port, answering from a table of paths. It counts the connections it accepts, so a test can
prove the fetcher never contacted it: `site.contacted()` first makes a connection of its own
and waits for its answer; connections are accepted in order, so any connection the fetcher
made before is counted by then.

The fetcher refuses loopback addresses; `allow(site)` opens exactly that address and port
through COMMENT_SOURCES_ALLOW_LOOPBACK, as a test's settings, and nothing else.

`dns` replaces name resolution for the names a test gives it (nothing here may ask a real
DNS server); every other name still goes to the system's resolver.
"""

import contextlib
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.services import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "sources"
CA_FILE = FIXTURES / "ca.pem"
_PROBE = "/__probe__"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def setup(self):
        if self.server.tls is not None:
            self.request = self.server.tls.wrap_socket(self.request, server_side=True)
        super().setup()

    def finish(self):
        super().finish()
        self.request.close()  # the TLS socket: the server only closes the one it accepted

    def do_GET(self):
        if self.path == _PROBE:
            self.send_response(204)
            self.end_headers()
            return
        self.server.requests.append({"path": self.path, "headers": dict(self.headers)})
        route = self.server.routes.get(self.path.partition("?")[0])
        if route is None:
            self.send_error(404)
            return
        with contextlib.suppress(OSError):  # the fetcher hangs up when it has read enough
            route(self)

    def log_message(self, format, *args):
        pass


class Site(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, host: str, port: int, tls: ssl.SSLContext | None):
        super().__init__((host, port), Handler)
        self.host, self.port = host, self.server_address[1]
        self.tls = tls
        self.routes: dict = {}
        self.requests: list[dict] = []
        self.connections = 0
        self.handshake_errors: list[Exception] = []
        self.server_names: list[str | None] = []
        self.stopping = threading.Event()

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def url(self, path: str = "/", scheme: str = "http", name: str | None = None) -> str:
        return f"{scheme}://{name or self.host}:{self.port}{path}"

    def get_request(self):
        request = super().get_request()
        self.connections += 1
        return request

    def handle_error(self, request, client_address):
        pass  # a handshake the fetcher refused, a client that hung up

    def contacted(self) -> bool:
        """True when anything but this check connected to the server."""
        with socket.create_connection((self.host, self.port), timeout=5) as probe:
            if self.tls is not None:
                context = ssl.create_default_context(cafile=str(CA_FILE))
                context.check_hostname = False
                probe = context.wrap_socket(probe)
            probe.sendall(f"GET {_PROBE} HTTP/1.0\r\n\r\n".encode())
            probe.recv(100)
        return self.connections > 1 or bool(self.requests)


def page(body: bytes | str, content_type: str = "text/html; charset=utf-8", status: int = 200,
         headers: dict | None = None):  # fmt: skip
    """A route answering `body` with its length."""
    data = body.encode() if isinstance(body, str) else body

    def answer(handler):
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)

    return answer


def redirect(location: str, status: int = 302):
    def answer(handler):
        handler.send_response(status)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return answer


def trickle(head: bytes, *, every: float = 0.02, headers_too: bool = False):
    """A route that sends a byte at a time, each well within any socket timeout, for as long
    as the client listens (or until the test ends)."""

    def answer(handler):
        start = b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n"
        if not headers_too:
            handler.wfile.write(start)
            start = b""
        data = start + head
        for index in range(100_000):
            if handler.server.stopping.wait(every):
                return
            handler.wfile.write(data[index : index + 1] or b" ")
            handler.wfile.flush()

    return answer


def raw(data: bytes):
    """A route that answers these bytes and nothing else: not necessarily HTTP."""

    def answer(handler):
        handler.wfile.write(data)

    return answer


def silent(handler):
    """Reads the request and never answers."""
    handler.server.stopping.wait(10)


@pytest.fixture
def make_site():
    sites = []

    def make(host: str = "127.0.0.1", port: int = 0, *, tls: bool = False) -> Site:
        context = None
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(FIXTURES / "news.example.pem")
        site = Site(host, port, context)
        if context is not None:
            context.sni_callback = lambda sock, name, ctx: site.server_names.append(name)
        threading.Thread(target=site.serve_forever, kwargs={"poll_interval": 0.05}).start()
        sites.append(site)
        return site

    yield make
    for site in sites:
        site.stopping.set()
        site.shutdown()
        site.server_close()


@pytest.fixture
def site(make_site) -> Site:
    return make_site()


@pytest.fixture
def allow(settings):
    """allow(site, ...) lets the fetcher reach exactly these sites' address and port."""
    settings.COMMENT_SOURCES_ALLOW_LOOPBACK = set()

    def allow(*sites: Site) -> None:
        settings.COMMENT_SOURCES_ALLOW_LOOPBACK = {
            *settings.COMMENT_SOURCES_ALLOW_LOOPBACK,
            *(site.address for site in sites),
        }

    return allow


class StandInDNS(dict):
    """name -> list of addresses (or a callable returning them); counts the questions."""

    def __init__(self):
        super().__init__()
        self.questions: list[str] = []


@pytest.fixture
def dns(monkeypatch) -> StandInDNS:
    table = StandInDNS()
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in table:
            return real(host, port, *args, **kwargs)
        table.questions.append(host)
        answer = table[host]
        addresses = answer() if callable(answer) else answer
        if isinstance(addresses, Exception):
            raise addresses
        return [
            (
                socket.AF_INET6 if ":" in address else socket.AF_INET,
                socket.SOCK_STREAM,
                socket.IPPROTO_TCP,
                "",
                (address, port, 0, 0) if ":" in address else (address, port),
            )
            for address in addresses
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return table


@pytest.fixture
def trusted_ca(monkeypatch) -> Path:
    """Make the test CA trusted by every TLS context created during the test."""
    monkeypatch.setenv("SSL_CERT_FILE", str(CA_FILE))
    return CA_FILE


@pytest.fixture
def stopwatch():
    """stopwatch() -> seconds since the test began using it."""
    start = time.monotonic()
    return lambda: time.monotonic() - start
