"""Error reports go to SENTRY_DSN only when it is set, and carry no personal data."""

import http.server
import os
import subprocess
import sys
import threading

from tests.services import ROOT, free_port, wait_for

# A process with the site's settings that answers one request whose view fails.
FAILING_REQUEST = """
import django, sentry_sdk
django.setup()
from django.test import Client
from django.urls import path
from config import urls

def fails(request):
    raise RuntimeError("boom in a view")

urls.urlpatterns.insert(0, path("fails/", fails))
client = Client(raise_request_exception=False)
client.cookies["sessionid"] = "s3ssion-cookie-value"
client.get("/fails/?email=reader%40example.org", REMOTE_ADDR="198.51.100.23",
           HTTP_USER_AGENT="AgentSmith/1.0")
print("client active:", sentry_sdk.get_client().is_active())
sentry_sdk.flush(5)
"""


def _run(extra_env: dict) -> str:
    env = {key: value for key, value in os.environ.items() if key != "SENTRY_DSN"}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", **extra_env)
    done = subprocess.run(
        [sys.executable, "-c", FAILING_REQUEST],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


class Collector(http.server.BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length)
        if self.headers.get("Content-Encoding") == "gzip":
            import gzip

            body = gzip.decompress(body)
        Collector.received.append(body)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def test_without_a_dsn_nothing_is_started():
    assert "client active: False" in _run({})


def test_with_a_dsn_an_error_is_reported_without_personal_data():
    Collector.received = []
    port = free_port()
    server = http.server.HTTPServer(("127.0.0.1", port), Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        out = _run({"SENTRY_DSN": f"http://publickey@127.0.0.1:{port}/42"})
        wait_for(lambda: Collector.received, timeout=10, what="the error report")
    finally:
        server.shutdown()

    assert "client active: True" in out
    report = b"".join(Collector.received).decode("utf-8", "replace")
    assert "boom in a view" in report
    for secret in ("198.51.100.23", "s3ssion-cookie-value", "reader@example.org", "reader%40"):
        assert secret not in report
