"""The site behind a real nginx, as deployed: gunicorn on loopback, nginx in front adding
X-Forwarded-For. Every request gunicorn sees comes from 127.0.0.1, yet a client elsewhere
is not loopback to /metrics, and the request log names no client."""

import json
import shutil
import signal
import socket
import subprocess
import sys
import uuid

import pytest
import requests
from django.db import connection

from tests.integration.conftest import _database_url
from tests.services import ROOT, bare_machine_env, free_port, stop_group, unavailable, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

TOKEN = "metrics-" + "0123456789abcdef"

NGINX_CONF = """
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    server {{
        listen {port};
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}
}}
"""


def outside_address() -> str:
    """An address of this machine that is not loopback: connecting to it from here reaches
    nginx from a client that is not 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.254", 9))  # no packet is sent for UDP connect
            address = probe.getsockname()[0]
        except OSError:
            address = ""
    if not address or address.startswith("127."):
        unavailable("this machine has no address but loopback to play an outside client from")
    return address


@pytest.fixture
def stack(tmp_path):
    if shutil.which("nginx") is None:
        unavailable("nginx is not installed (make test installs it)")
    if connection.vendor != "postgresql":
        unavailable("DATABASE_URL does not point at PostgreSQL (CI sets it)")
    upstream, port = free_port(), free_port()
    env = bare_machine_env(
        tmp_path / "var",
        DATABASE_URL=_database_url(),
        DJANGO_ALLOWED_HOSTS="*",
        DJANGO_TRUSTED_PROXY_COUNT="1",
        METRICS_TOKEN=TOKEN,
    )
    web_log = tmp_path / "gunicorn.log"
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application",
         "--bind", f"127.0.0.1:{upstream}", "--workers", "1"],
        cwd=ROOT, env=env, stdout=web_log.open("w"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    conf = prefix / "nginx.conf"
    conf.write_text(NGINX_CONF.format(prefix=prefix, port=port, upstream=upstream))
    proxy = subprocess.Popen(
        ["nginx", "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL, stderr=(prefix / "stderr.log").open("w"),
        start_new_session=True,
    )  # fmt: skip
    try:
        wait_for(
            lambda: _answers(f"http://127.0.0.1:{port}/healthz"),
            timeout=60,
            what=f"gunicorn behind nginx\n{web_log.read_text()[-2000:]}",
        )
        yield {"port": port, "upstream": upstream, "web_log": web_log}
    finally:
        for process in (proxy, web):
            if process.poll() is None:
                stop_group(process, signal.SIGTERM)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def test_metrics_through_nginx_are_closed_to_an_outside_client(stack):
    outside = f"http://{outside_address()}:{stack['port']}/metrics"
    through_loopback = f"http://127.0.0.1:{stack['port']}/metrics"

    refused = requests.get(outside, timeout=10)
    spoofed = requests.get(outside, headers={"X-Forwarded-For": "127.0.0.1"}, timeout=10)
    with_token = requests.get(outside, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    local = requests.get(through_loopback, timeout=10)
    direct = requests.get(f"http://127.0.0.1:{stack['upstream']}/metrics", timeout=10)

    assert (refused.status_code, refused.json()["error"]["code"]) == (404, "not_found")
    assert spoofed.status_code == 404
    assert with_token.status_code == 200
    assert "discussions_requests_total" in with_token.text
    assert local.status_code == 200  # a scraper on the machine, through the proxy
    assert direct.status_code == 200  # or straight to gunicorn


def test_probes_and_the_request_log_behind_nginx(stack):
    request_id = f"lb-{uuid.uuid4().hex}"
    address = outside_address()

    health = requests.get(
        f"http://{address}:{stack['port']}/healthz?token=abc",
        headers={"X-Request-ID": request_id},
        timeout=10,
    )
    ready = requests.get(f"http://{address}:{stack['port']}/readyz", timeout=10)

    assert health.status_code == 200 and health.headers["X-Request-ID"] == request_id
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"database": "ok", "cache": "ok", "broker": "ok"}
    wait_for(
        lambda: request_id in stack["web_log"].read_text(), timeout=10, what="the request line"
    )
    [line] = [
        json.loads(text)
        for text in stack["web_log"].read_text().splitlines()
        if text.startswith("{") and request_id in text
    ]
    assert line["path"] == "/healthz" and line["status"] == 200
    assert address not in stack["web_log"].read_text()
