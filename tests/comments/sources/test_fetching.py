"""The fetcher against real local servers: what it reads, what it refuses, and that a refused
address never sees a connection (conftest: `Site.contacted`)."""

import socket
import threading
import time

import pytest

from comments.sources import metadata
from comments.sources.fetching import LIMITS, Limits, Outcome, fetch
from tests.comments.sources.conftest import page, raw, redirect, silent, trickle

QUICK = Limits(seconds=0.3)
ARTICLE = (
    "<!doctype html><html><head><meta charset=utf-8>"
    '<meta property="og:title" content="Rivers in Spate">'
    '<meta property="og:site_name" content="The Hydrologist">'
    "</head><body><p>Text.</p></body></html>"
)


def test_the_limits_are_those_of_the_issue():
    assert Limits(redirects=5, bytes=1_000_000, seconds=5.0) == LIMITS


def test_a_page_is_fetched_with_its_type_and_charset(site, allow):
    site.routes["/a"] = page(ARTICLE, "text/html; charset=ISO-8859-1")
    allow(site)

    fetched = fetch(site.url("/a?x=1#part"))

    assert fetched.outcome == Outcome.OK and fetched.is_ok
    assert (fetched.status, fetched.content_type, fetched.charset) == (
        200,
        "text/html",
        "iso-8859-1",
    )
    assert fetched.body == ARTICLE.encode()
    assert not fetched.truncated
    (request,) = site.requests
    assert request["path"] == "/a?x=1"
    assert request["headers"]["Host"] == site.address
    assert request["headers"]["Accept-Encoding"] == "identity"
    assert "source checker" in request["headers"]["User-Agent"]


def test_redirects_are_followed_up_to_five(site, allow):
    for hop in range(5):
        site.routes[f"/{hop}"] = redirect(f"/{hop + 1}" if hop % 2 else site.url(f"/{hop + 1}"))
    site.routes["/5"] = page(ARTICLE)
    allow(site)

    fetched = fetch(site.url("/0"))

    assert (fetched.outcome, fetched.redirects, fetched.url) == (Outcome.OK, 5, site.url("/5"))


def test_a_redirect_loop_stops_after_five_redirects(site, allow):
    site.routes["/loop"] = redirect("/loop", status=301)
    allow(site)

    fetched = fetch(site.url("/loop"))

    assert fetched.outcome == Outcome.TOO_MANY_REDIRECTS
    assert fetched.message == "The page redirected more than 5 times."
    assert fetched.status == 301
    assert len(site.requests) == 6  # the first request and five redirects followed


def test_every_redirect_status_is_followed_with_a_get(site, allow):
    for status in (301, 302, 303, 307, 308):
        site.routes[f"/{status}"] = redirect("/end", status)
    site.routes["/end"] = page(ARTICLE)
    allow(site)

    for status in (301, 302, 303, 307, 308):
        assert fetch(site.url(f"/{status}")).is_ok


def test_a_loopback_server_is_not_contacted_without_the_test_opening(site, settings):
    site.routes["/"] = page(ARTICLE)
    settings.COMMENT_SOURCES_ALLOW_LOOPBACK = set()

    fetched = fetch(site.url("/"))

    assert fetched.outcome == Outcome.REFUSED_ADDRESS
    assert "private or local network" in fetched.message
    assert not site.contacted()


def test_the_opening_is_one_address_and_one_port(make_site, allow):
    opened = make_site()
    other_port = make_site()
    other_address = make_site("127.0.0.2", opened.port)
    allow(opened)

    for forbidden in (other_port, other_address):
        assert fetch(forbidden.url("/")).outcome == Outcome.REFUSED_ADDRESS
        assert not forbidden.contacted()


@pytest.mark.parametrize(
    "location",
    [
        "http://{ip}:{port}/",
        "http://localhost:{port}/",
        "http://LOCALHOST.:{port}/",
        "http://2130706433:{port}/",  # 127.0.0.1, written as one number
        "http://0x7f.1:{port}/",
        "http://[::ffff:{ip}]:{port}/",
        "http://[::1]:{port}/",
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/",
        "http://[fe80::1%25eth0]/",
    ],
)
def test_a_redirect_into_a_forbidden_address_is_refused_before_any_request(
    make_site, allow, location
):
    allowed, forbidden = make_site(), make_site()
    forbidden.routes["/"] = page("secret")
    allowed.routes["/go"] = redirect(location.format(ip=forbidden.host, port=forbidden.port))
    allow(allowed)

    fetched = fetch(allowed.url("/go"))

    assert fetched.outcome == Outcome.REFUSED_ADDRESS
    assert fetched.redirects == 1
    assert not forbidden.contacted()


def test_a_redirect_to_another_loopback_address_is_refused(make_site, allow):
    allowed = make_site()
    forbidden = make_site("127.0.0.2", allowed.port)
    allowed.routes["/go"] = redirect(forbidden.url("/"))
    allow(allowed)

    assert fetch(allowed.url("/go")).outcome == Outcome.REFUSED_ADDRESS
    assert not forbidden.contacted()


@pytest.mark.parametrize(
    ("location", "outcome"),
    [
        ("file:///etc/passwd", Outcome.BAD_SCHEME),
        ("ftp://ftp.example.org/file", Outcome.BAD_SCHEME),
        ("gopher://127.0.0.1:70/", Outcome.BAD_SCHEME),
        ("javascript:alert(1)", Outcome.BAD_SCHEME),
        ("http://user:secret@news.example/", Outcome.BAD_URL),
        ("http://exa%0Ample.org/", Outcome.BAD_URL),
        ("http://intranet/", Outcome.BAD_URL),
    ],
)
def test_a_redirect_to_a_url_a_reader_could_not_cite_is_refused(site, allow, location, outcome):
    site.routes["/go"] = redirect(location)
    allow(site)

    fetched = fetch(site.url("/go"))

    assert fetched.outcome == outcome
    assert fetched.message


def test_a_redirect_without_a_location_is_an_http_error(site, allow):
    site.routes["/go"] = page("", status=302)
    allow(site)

    fetched = fetch(site.url("/go"))

    assert (fetched.outcome, fetched.status) == (Outcome.HTTP_ERROR, 302)


def test_localhost_is_refused_by_its_name(site):
    site.routes["/"] = page(ARTICLE)

    fetched = fetch(f"http://localhost:{site.port}/")

    assert fetched.outcome == Outcome.REFUSED_ADDRESS
    assert not site.contacted()


@pytest.mark.parametrize(
    "answer",
    [["10.1.2.3"], ["192.168.0.10"], ["169.254.169.254"], ["::1"], ["fd00::1"], ["0.0.0.0"]],  # noqa: S104,
)
def test_a_name_resolving_to_a_forbidden_address_is_refused(dns, answer):
    dns["intranet.example"] = answer

    fetched = fetch("http://intranet.example/")

    assert fetched.outcome == Outcome.REFUSED_ADDRESS
    assert dns.questions == ["intranet.example"]


def test_one_forbidden_address_among_the_answers_refuses_the_name(site, allow, dns):
    site.routes["/"] = page(ARTICLE)
    allow(site)
    dns["mixed.example"] = [site.host, "10.1.2.3"]

    fetched = fetch(f"http://mixed.example:{site.port}/")

    assert fetched.outcome == Outcome.REFUSED_ADDRESS
    assert not site.contacted()


def test_the_connection_goes_to_the_address_that_was_checked(make_site, allow, dns):
    """DNS rebinding: a second question would be answered with a forbidden address."""
    checked = make_site()
    rebound = make_site("127.0.0.2", checked.port)
    checked.routes["/"] = rebound.routes["/"] = page(ARTICLE)
    allow(checked)
    answers = iter([[checked.host]])
    dns["rebind.example"] = lambda: next(answers, [rebound.host])

    fetched = fetch(f"http://rebind.example:{checked.port}/")

    assert fetched.is_ok
    assert dns.questions == ["rebind.example"]
    assert checked.requests[0]["headers"]["Host"] == f"rebind.example:{checked.port}"
    assert not rebound.contacted()


def test_https_goes_to_the_checked_address_with_the_name_for_tls(make_site, allow, dns, trusted_ca):
    site = make_site(tls=True)
    site.routes["/"] = page(ARTICLE)
    allow(site)
    dns["news.example"] = [site.host]

    fetched = fetch(f"https://news.example:{site.port}/")

    assert fetched.is_ok, fetched.message
    assert site.server_names == ["news.example"]
    assert site.requests[0]["headers"]["Host"] == f"news.example:{site.port}"


def test_https_refuses_a_certificate_it_cannot_verify(make_site, allow, dns):
    site = make_site(tls=True)
    site.routes["/"] = page(ARTICLE)
    allow(site)
    dns["news.example"] = [site.host]

    fetched = fetch(f"https://news.example:{site.port}/")

    assert fetched.outcome == Outcome.UNREACHABLE
    assert fetched.message == "The site's certificate could not be verified."
    assert not site.requests


def test_https_refuses_a_certificate_for_another_name(make_site, allow, dns, trusted_ca):
    site = make_site(tls=True)
    site.routes["/"] = page(ARTICLE)
    allow(site)
    dns["other.example"] = [site.host]

    fetched = fetch(f"https://other.example:{site.port}/")

    assert fetched.outcome == Outcome.UNREACHABLE
    assert not site.requests


def _huge(with_length: bool):
    head = ARTICLE.replace("</body></html>", "").encode()
    size = 3_000_000

    def answer(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        if with_length:
            handler.send_header("Content-Length", str(size))
        handler.end_headers()
        handler.wfile.write(head)
        for _ in range((size - len(head)) // 10_000):
            handler.wfile.write(b"<p>more</p>" * 909 + b"x")

    return answer


@pytest.mark.parametrize("with_length", [True, False], ids=["content-length", "until-close"])
def test_a_huge_page_is_read_up_to_the_limit_only(site, allow, stopwatch, with_length):
    site.routes["/"] = _huge(with_length)
    allow(site)

    fetched = fetch(site.url("/"))

    assert fetched.is_ok
    assert fetched.truncated
    assert len(fetched.body) == 1_000_000
    assert metadata.extract(fetched.body).title == "Rivers in Spate"
    assert stopwatch() < 2


def test_the_fetcher_hangs_up_on_an_endless_page(site, allow):
    hung_up = threading.Event()

    def endless(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.end_headers()
        try:
            while not handler.server.stopping.is_set():
                handler.wfile.write(b"<p>" + b"x" * 65_536)
        except OSError:
            hung_up.set()

    site.routes["/"] = endless
    allow(site)

    assert fetch(site.url("/")).truncated
    assert hung_up.wait(2)


def test_a_page_of_exactly_the_limit_is_whole(site, allow):
    body = ARTICLE.encode().ljust(1000, b" ")
    site.routes["/"] = page(body)
    allow(site)

    fetched = fetch(site.url("/"), limits=Limits(bytes=1000))

    assert fetched.is_ok and not fetched.truncated and fetched.body == body


def test_a_trickling_body_times_out_at_the_deadline(site, allow, stopwatch):
    site.routes["/"] = trickle(ARTICLE.encode())
    allow(site)

    fetched = fetch(site.url("/"), limits=QUICK)

    assert fetched.outcome == Outcome.TIMEOUT
    assert fetched.message == "The site took longer than 0.3 seconds to answer."
    assert 0.3 <= stopwatch() < 1


def test_trickling_headers_time_out_at_the_deadline(site, allow, stopwatch):
    site.routes["/"] = trickle(b"", headers_too=True)
    allow(site)

    assert fetch(site.url("/"), limits=QUICK).outcome == Outcome.TIMEOUT
    assert stopwatch() < 1


def test_the_deadline_covers_every_redirect(site, allow, stopwatch):
    def slow_redirect(handler):
        time.sleep(0.1)
        redirect("/slow")(handler)

    site.routes["/slow"] = slow_redirect
    allow(site)

    assert fetch(site.url("/slow"), limits=Limits(seconds=0.25)).outcome == Outcome.TIMEOUT
    assert len(site.requests) <= 3
    assert stopwatch() < 1


@pytest.fixture
def mute(settings):
    """A port that takes connections (the kernel completes them) and never says a word."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        settings.COMMENT_SOURCES_ALLOW_LOOPBACK = {f"127.0.0.1:{port}"}
        yield port


def test_a_server_that_never_answers_times_out(site, allow, stopwatch):
    site.routes["/"] = silent
    allow(site)

    assert fetch(site.url("/"), limits=QUICK).outcome == Outcome.TIMEOUT
    assert stopwatch() < 1


def test_a_slow_name_lookup_times_out(dns, stopwatch):
    dns["slow.example"] = lambda: time.sleep(1) or ["10.0.0.1"]

    assert fetch("http://slow.example/", limits=QUICK).outcome == Outcome.TIMEOUT
    assert stopwatch() < 0.8


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_connection_where_nothing_is_said_times_out(mute, dns, stopwatch, scheme):
    dns["news.example"] = ["127.0.0.1"]

    fetched = fetch(f"{scheme}://news.example:{mute}/", limits=QUICK)

    assert fetched.outcome == Outcome.TIMEOUT
    assert stopwatch() < 1


@pytest.mark.parametrize(
    ("content_type", "shown"),
    [
        ("application/pdf", "application/pdf"),
        ("image/png", "image/png"),
        ("application/json; charset=utf-8", "application/json"),
        ("text/plain", "text/plain"),
        ("text/<script>", None),
    ],
)
def test_a_document_that_is_not_html_is_not_read(site, allow, content_type, shown):
    site.routes["/"] = page(b"%PDF-1.7" * 1000, content_type)
    allow(site)

    fetched = fetch(site.url("/"))

    assert fetched.outcome == Outcome.NOT_HTML
    assert fetched.message == f"That address is not a web page{f' ({shown})' if shown else ''}."
    assert (fetched.status, fetched.body) == (200, b"")


def test_xhtml_is_read(site, allow):
    site.routes["/"] = page(ARTICLE, "application/xhtml+xml")
    allow(site)

    assert fetch(site.url("/")).is_ok


def test_a_compressed_page_is_not_read(site, allow):
    site.routes["/"] = page(b"\x1f\x8b" + b"\0" * 100, headers={"Content-Encoding": "gzip"})
    allow(site)

    fetched = fetch(site.url("/"))

    assert (fetched.outcome, fetched.body) == (Outcome.NOT_HTML, b"")


def test_a_page_without_a_type_is_read_when_it_starts_like_html(site, allow):
    site.routes["/html"] = raw(
        b"HTTP/1.0 200 OK\r\n\r\n\xef\xbb\xbf  <!DOCTYPE html><title>T</title>"
    )
    site.routes["/bytes"] = raw(b"HTTP/1.0 200 OK\r\n\r\n\x89PNG\r\n")
    allow(site)

    assert fetch(site.url("/html")).is_ok
    assert fetch(site.url("/bytes")).outcome == Outcome.NOT_HTML


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (404, "The site answered 404 Not Found."),
        (410, "The site answered 410 Gone."),
        (500, "The site answered 500 Internal Server Error."),
        (429, "The site answered 429 Too Many Requests."),
        (599, "The site answered 599."),
    ],
)
def test_an_http_error_says_its_status(site, allow, status, message):
    site.routes["/"] = page("no", status=status)
    allow(site)

    fetched = fetch(site.url("/"))

    assert (fetched.outcome, fetched.status, fetched.message) == (
        Outcome.HTTP_ERROR,
        status,
        message,
    )


def test_a_name_that_does_not_resolve_is_unreachable(dns):
    dns["gone.example"] = socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    fetched = fetch("https://gone.example/")

    assert fetched.outcome == Outcome.UNREACHABLE
    assert fetched.message == "No site by that name could be found."


def test_a_closed_port_is_unreachable(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.COMMENT_SOURCES_ALLOW_LOOPBACK = {f"127.0.0.1:{port}"}

    fetched = fetch(f"http://127.0.0.1:{port}/")

    assert fetched.outcome == Outcome.UNREACHABLE


@pytest.mark.parametrize(
    "answer",
    [
        b"not http at all\r\n\r\n",
        b"",
        b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nContent-Length: 500\r\n\r\n<html>",
        b"HTTP/1.0 200 OK\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n",
        b"HTTP/1.0 200 OK\r\n" + b"X-Many: 1\r\n" * 150 + b"\r\n",
        b"HTTP/1.0 200 OK\r\nContent-Length: -5\r\nContent-Type: text/html\r\n\r\n<html>",
        b"HTTP/1.0 200 OK\r\nContent-Length: lots\r\nContent-Type: text/html\r\n\r\n<html>",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/html\r\n\r\nzz\r\n",
        b"HTTP/1.0 302 Found\r\nLocation: \xff\xfe <>\r\n\r\n",
        b"HTTP/1.0 302 Found\r\nLocation: /" + b"a" * 3000 + b"\r\n\r\n",
        b"HTTP/1.0 302 Found\r\nLocation: //[::1\r\n\r\n",
        b"HTTP/1.0 200 OK\r\nContent-Type: text/html; charset=\xff\xfe\r\n\r\n<html>",
        b"HTTP/1.0 99 Odd\r\n\r\n",
        b"HTTP/1.0 200 \xff\xfe\r\nContent-Type: \x00text/html\r\n\r\n<html>",
    ],
)
def test_an_odd_answer_ends_in_an_outcome_not_an_exception(site, allow, answer):
    site.routes["/"] = raw(answer)
    allow(site)

    fetched = fetch(site.url("/"), limits=QUICK)

    assert isinstance(fetched.outcome, Outcome)
    assert fetched.outcome == Outcome.OK or fetched.message


@pytest.mark.parametrize(
    ("url", "outcome"),
    [
        ("ftp://example.org/", Outcome.BAD_SCHEME),
        ("", Outcome.BAD_URL),
        ("http://127.0.0.1/", Outcome.REFUSED_ADDRESS),
        ("http://[::1]/", Outcome.REFUSED_ADDRESS),
    ],
)
def test_a_url_a_reader_could_not_cite_is_refused_before_any_lookup(dns, url, outcome):
    assert fetch(url).outcome == outcome
    assert dns.questions == []
