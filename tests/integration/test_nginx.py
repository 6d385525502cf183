"""nginx, configured as platform/deploy/nginx/discussions.conf, in front of real gunicorn.

One nginx (Debian's, no root paths) on loopback ports, one gunicorn node with production
settings behind it. The client connects from 127.0.0.2, so the address nginx sees differs
from the one gunicorn sees (nginx's own, 127.0.0.1): the app can only learn 127.0.0.2 from
the header nginx adds, and must not believe the one the client forged.
"""

import gzip
import json
import re
import signal
import subprocess
import uuid

import pytest
import requests
from requests.adapters import HTTPAdapter

from comments.models import Comment
from tests.deploy.nginx import Site, render_site
from tests.factories import ArticleFactory, comment_form
from tests.services import free_port, is_listening, stop_group, wait_for

pytestmark = pytest.mark.integration

CLIENT = "127.0.0.2"
OTHER_CLIENT = "127.0.0.3"
FORGED = "203.0.113.77"
TOO_MANY = "Too many failed login attempts"
# What nginx adds to each request it passes on; asking gunicorn directly, a test says the same
# (else the production settings send it to HTTPS first).
AS_NGINX_SENDS = {"X-Forwarded-Proto": "https"}


class _From(HTTPAdapter):
    """Connect from a chosen loopback address, as a reader elsewhere on the internet would."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


@pytest.fixture
def proxied(web_nodes, collected_static, tmp_path):
    """nginx on two free ports (HTTP, HTTPS) before one gunicorn node."""
    node = web_nodes.start()
    folder = tmp_path / "nginx"
    folder.mkdir()
    site = Site(
        folder=folder,
        http_port=free_port(),
        https_port=free_port(),
        upstream_port=node.port,
        static_root=collected_static,
        media_root=web_nodes.media_root,
    )
    render_site(site)
    process = subprocess.Popen(
        site.command("-e", str(site.error_log)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )

    def listening():
        if process.poll() is not None:
            raise AssertionError(f"nginx exited: {site.error_log.read_text()}")
        return is_listening("127.0.0.1", site.https_port)

    try:
        wait_for(listening, timeout=30, what="nginx")
        site.node = node
        site.base = f"https://127.0.0.1:{site.https_port}"
        yield site
    finally:
        stop_group(process, signal.SIGTERM)


def _client(site: Site, address: str = CLIENT) -> requests.Session:
    session = requests.Session()
    session.mount("https://", _From(address))
    session.mount("http://", _From(address))
    session.trust_env = False  # else REQUESTS_CA_BUNDLE would win over the test's certificate
    session.verify = str(site.certificate)
    return session


def _direct(site: Site, path: str) -> requests.Response:
    """Ask gunicorn itself, past nginx."""
    return requests.get(
        f"{site.node.url}{path}", headers=AS_NGINX_SENDS, allow_redirects=False, timeout=10
    )


def _wait_until_gunicorn_saw(site: Site, path: str) -> None:
    """gunicorn logs a request once it has answered it: give it a moment to write the line."""
    wait_for(lambda: f" {path} " in site.node.log(), timeout=5, what=f"gunicorn to log {path}")


def test_a_page_comes_through_nginx_gzipped_over_tls(proxied):
    article = ArticleFactory()
    response = _client(proxied).get(
        f"{proxied.base}{article.get_absolute_url()}", headers={"Accept-Encoding": "gzip"}
    )
    assert response.status_code == 200, response.text[:500]
    assert article.title in response.text
    assert response.headers["Server"].startswith("nginx")
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    _wait_until_gunicorn_saw(proxied, article.get_absolute_url())

    plain = _client(proxied).get(
        f"{proxied.base}{article.get_absolute_url()}", headers={"Accept-Encoding": "identity"}
    )
    assert "Content-Encoding" not in plain.headers


def test_plain_http_is_sent_to_https(proxied):
    response = _client(proxied).get(
        f"http://127.0.0.1:{proxied.http_port}/articles/", allow_redirects=False
    )
    assert response.status_code == 301
    assert response.headers["Location"].startswith("https://127.0.0.1")


def test_static_files_come_from_disk_not_from_gunicorn(proxied, collected_static):
    manifest = json.loads((collected_static / "staticfiles.json").read_text())
    hashed = manifest["paths"]["css/site.css"]
    response = _client(proxied).get(
        f"{proxied.base}/static/{hashed}", headers={"Accept-Encoding": "gzip"}
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/css")
    assert response.headers["Content-Encoding"] == "gzip"  # the .gz collectstatic wrote
    assert "immutable" in response.headers["Cache-Control"]
    assert response.content == (collected_static / hashed).read_bytes()
    assert "Referrer-Policy" not in response.headers  # Django's middleware never ran

    marker = f"marker-{uuid.uuid4().hex}.txt"
    (collected_static / marker).write_text("straight from the disk\n")
    try:
        response = _client(proxied).get(f"{proxied.base}/static/{marker}")
        assert response.status_code == 200
        assert response.text == "straight from the disk\n"
        # gunicorn logs every request it answers: one asked of it directly shows up, and
        # none of those nginx answered.
        _direct(proxied, "/static/direct-control.txt")
        _wait_until_gunicorn_saw(proxied, "/static/direct-control.txt")
        assert "/static/" not in proxied.node.log().replace("/static/direct-control.txt", "")
    finally:
        (collected_static / marker).unlink()


def test_uploads_come_from_disk_and_never_run_as_pages(proxied):
    (proxied.media_root / "chart.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    response = _client(proxied).get(f"{proxied.base}/media/chart.svg")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/svg+xml"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert _direct(proxied, "/media/chart.svg").status_code == 404


def test_an_over_large_body_is_refused_by_nginx(proxied):
    article = ArticleFactory()
    body = b"x" * (7 * 1024 * 1024)
    page = _client(proxied).post(
        f"{proxied.base}/articles/{article.slug}/comments/",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert page.status_code == 413
    assert page.headers["Server"].startswith("nginx")

    api = _client(proxied).post(
        f"{proxied.base}/api/v1/articles/{article.slug}/comments/",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    assert api.status_code == 413
    assert api.headers["Content-Type"] == "application/json"
    assert api.json()["error"]["status"] == 413
    # Neither body reached gunicorn.
    _direct(proxied, "/direct-control/")
    _wait_until_gunicorn_saw(proxied, "/direct-control/")
    assert f"/articles/{article.slug}/comments/" not in proxied.node.log()


def _csrf(page: requests.Response) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert found, "the page carries no CSRF token"
    return found.group(1)


def test_a_comment_stores_the_address_nginx_saw_not_a_forged_one(proxied):
    article = ArticleFactory()
    client = _client(proxied)
    url = f"{proxied.base}{article.get_absolute_url()}"
    page = client.get(url)
    body = f"Stored from behind the proxy {uuid.uuid4().hex}"
    response = client.post(
        f"{proxied.base}/articles/{article.slug}/comments/",
        data={"csrfmiddlewaretoken": _csrf(page), **comment_form(body=body)},
        headers={"Referer": url, "X-Forwarded-For": FORGED, "X-Real-IP": FORGED},
        allow_redirects=False,
    )
    assert response.status_code in (302, 303), response.text[:2000]
    comment = Comment.objects.get(body=body)
    assert comment.ip_address == CLIENT  # not the forged one, nor nginx's own 127.0.0.1


def test_sign_in_limits_count_the_address_nginx_saw(proxied):
    """Ten failed sign-ins a minute per address: forging a new address each time gains nothing."""
    login = f"{proxied.base}/accounts/login/"

    def fail_once(address: str, forged: str) -> str:
        client = _client(proxied, address)
        page = client.get(login)
        response = client.post(
            login,
            data={
                "csrfmiddlewaretoken": _csrf(page),
                "login": f"nobody-{uuid.uuid4().hex[:8]}",  # a new account each time
                "password": "wrong",
            },
            headers={"Referer": login, "X-Forwarded-For": forged},
            allow_redirects=False,
        )
        assert response.status_code == 200, response.status_code
        return response.text

    answers = [fail_once(CLIENT, f"198.51.100.{n}") for n in range(1, 12)]
    assert not any(TOO_MANY in text for text in answers[:10])
    assert TOO_MANY in answers[10]
    assert TOO_MANY not in fail_once(OTHER_CLIENT, "198.51.100.1")  # another reader may go on


def test_the_gzip_answer_decodes_to_the_page(proxied):
    article = ArticleFactory()
    raw = _client(proxied).get(
        f"{proxied.base}{article.get_absolute_url()}",
        headers={"Accept-Encoding": "gzip"},
        stream=True,
    )
    assert article.title in gzip.decompress(raw.raw.read()).decode()
