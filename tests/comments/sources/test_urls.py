import pytest

from comments.sources.fetching import Outcome
from comments.sources.urls import BadSourceURL, check_url


@pytest.mark.parametrize(
    ("given", "plain"),
    [
        ("https://example.org/a", "https://example.org/a"),
        ("  HTTPS://Example.ORG/Path?Q=1#Part  ", "https://example.org/Path?Q=1#Part"),
        ("http://example.org", "http://example.org"),
        ("http://example.org:8080/x", "http://example.org:8080/x"),
        ("https://bücher.example/straße", "https://xn--bcher-kva.example/stra%C3%9Fe"),
        ("https://例え.テスト/", "https://xn--r8jz45g.xn--zckzah/"),
        ("https://example.org/a b", "https://example.org/a%20b"),
        ("https://example.org/%7Euser/?q=%20", "https://example.org/%7Euser/?q=%20"),
        ('https://example.org/?q="<x>"', "https://example.org/?q=%22%3Cx%3E%22"),
        ("http://8.8.8.8/", "http://8.8.8.8/"),
        ("http://134744072/", "http://8.8.8.8/"),
        ("http://[2606:4700:4700::1111]:8443/", "http://[2606:4700:4700::1111]:8443/"),
        ("https://sub_domain.example.org/", "https://sub_domain.example.org/"),
        ("https://example.org./", "https://example.org./"),
    ],
)
def test_a_citable_url_comes_back_in_its_plain_spelling(given, plain):
    assert check_url(given) == plain


def test_the_plain_spelling_is_stable():
    once = check_url("https://bücher.example/a b?c=ä")

    assert check_url(once) == once


@pytest.mark.parametrize(
    ("given", "code", "message"),
    [
        ("", "bad_url", "Enter the web address"),
        ("   ", "bad_url", "Enter the web address"),
        ("ftp://example.org/", "bad_scheme", "http:// or https://"),
        ("file:///etc/passwd", "bad_scheme", "http:// or https://"),
        ("javascript:alert(1)", "bad_scheme", "http:// or https://"),
        ("data:text/html,<b>x</b>", "bad_scheme", "http:// or https://"),
        ("example.org/page", "bad_scheme", "http:// or https://"),
        ("//example.org/page", "bad_scheme", "http:// or https://"),
        ("http:example.org", "bad_url", "no site name"),
        ("https:///path", "bad_url", "no site name"),
        ("https://user:pass@example.org/", "bad_url", "user name and password"),
        ("https://user@example.org/", "bad_url", "user name and password"),
        ("https://:@example.org/", "bad_url", "user name and password"),
        ("http://evil.example\\@example.org/", "bad_url", "user name and password"),
        ("https://example.org/" + "a" * 2000, "bad_url", "at most 2,000 characters"),
        ("https://example.org/" + "ä" * 700, "bad_url", "at most 2,000 characters"),
        ("https://exa\nmple.org/", "bad_url", "control characters"),
        ("https://example.org/\x00", "bad_url", "control characters"),
        ("https://example.org:99999/", "bad_url", "not well formed"),
        ("https://example.org:0/", "bad_url", "invalid port"),
        ("https://example.org:port/", "bad_url", "not well formed"),
        ("https://[::1/", "bad_url", "not well formed"),
        ("https://exa mple.org/", "bad_url", "invalid site name"),
        ("https://%6c%6fcalhost/", "bad_url", "invalid site name"),
        ("https://-example.org/", "bad_url", "invalid site name"),
        ("https://a..b/", "bad_url", "invalid site name"),
        ("https://" + "a" * 64 + ".org/", "bad_url", "invalid site name"),
        ("https://intranet/", "bad_url", "full name"),
        ("http://999.1.1.1/", "bad_url", "invalid IP address"),
        ("http://1.2.3.4.5/", "bad_url", "invalid IP address"),
        ("http://example.123/", "bad_url", "invalid IP address"),
        ("http://localhost/", "refused_address", "this computer"),
        ("http://LOCALHOST./", "refused_address", "this computer"),
        ("http://app.localhost:3000/", "refused_address", "this computer"),
        ("http://127.0.0.1/", "refused_address", "private or local network"),
        ("http://127.1/", "refused_address", "private or local network"),
        ("http://2130706433/", "refused_address", "private or local network"),
        ("http://0x7f000001/", "refused_address", "private or local network"),
        ("http://0/", "refused_address", "private or local network"),
        ("http://10.0.0.1/", "refused_address", "private or local network"),
        ("http://192.168.1.1:8080/", "refused_address", "private or local network"),
        ("http://169.254.169.254/latest/", "refused_address", "private or local network"),
        ("http://100.64.0.1/", "refused_address", "private or local network"),
        ("http://[::1]/", "refused_address", "private or local network"),
        ("http://[::ffff:127.0.0.1]/", "refused_address", "private or local network"),
        ("http://[::ffff:7f00:1]/", "refused_address", "private or local network"),
        ("http://[fe80::1%25eth0]/", "refused_address", "private or local network"),
        ("http://[fd00::1]/", "refused_address", "private or local network"),
    ],
)
def test_an_url_that_cannot_be_cited_is_refused_with_a_reason(given, code, message):
    with pytest.raises(BadSourceURL, match=message) as refused:
        check_url(given)

    assert refused.value.code == code
    assert isinstance(refused.value, ValueError)
    assert Outcome(refused.value.code)  # the fetcher reports it in the same words


def test_the_test_opening_lets_a_form_cite_a_local_server(settings):
    settings.COMMENT_SOURCES_ALLOW_LOOPBACK = {"127.0.0.1:8001"}

    assert check_url("http://127.0.0.1:8001/page") == "http://127.0.0.1:8001/page"
    with pytest.raises(BadSourceURL):
        check_url("http://127.0.0.1:8002/page")
    with pytest.raises(BadSourceURL):
        check_url("http://127.0.0.1/page")


def test_checking_a_url_asks_no_dns(monkeypatch):
    def no_dns(*args, **kwargs):
        raise AssertionError("check_url must not resolve names")

    monkeypatch.setattr("socket.getaddrinfo", no_dns)
    monkeypatch.setattr("socket.gethostbyname", no_dns)

    assert check_url("https://news.example/") == "https://news.example/"
