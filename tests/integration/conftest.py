"""Real parts for the integration tests: an SMTP server that records what it receives, a
Redis broker, `celery worker` (and beat) processes and gunicorn web nodes that share the test
database, and an HTTP server that receives webhooks."""

import email
import email.header
import hashlib
import hmac
import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from kombu import pools

from config.celery import app as celery_app
from tests.deploy.units import unit_command
from tests.services import (
    ROOT,
    free_port,
    is_listening,
    redis_url,
    stop_group,
    unavailable,
    wait_for,
)


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: Message

    @property
    def message_id(self) -> str:
        return self.message["Message-ID"]

    @property
    def subject(self) -> str:
        unfolded = re.sub(r"\r?\n(?=[ \t])", "", self.message["Subject"])  # RFC 5322 2.2.3
        return str(email.header.make_header(email.header.decode_header(unfolded)))

    def text(self, subtype: str = "plain") -> str:
        """The decoded body of the text/`subtype` part (transfer encodings undone)."""
        for part in self.message.walk():
            if part.get_content_type() == f"text/{subtype}":
                return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
        return ""

    def everything(self) -> str:
        """Every header and every part decoded: what a promise about the mail must hold for."""
        headers = "\n".join(f"{key}: {value}" for key, value in self.message.items())
        return "\n".join([headers, self.subject, self.text("plain"), self.text("html")])


@dataclass
class SmtpSink:
    """aiosmtpd handler: keeps every message; refuses (451) until `refuse_until`."""

    received: list[Received] = field(default_factory=list)
    refused: int = 0
    refuse_until: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):
        if time.time() < self.refuse_until:
            with self.lock:
                self.refused += 1
            return "451 4.3.0 Mailbox busy, try again later"
        parsed = email.message_from_bytes(envelope.content)
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 OK"

    def to(self, address: str) -> list[Received]:
        with self.lock:
            return [item for item in self.received if address in item.recipients]

    def count(self) -> int:
        with self.lock:
            return len(self.received)


@pytest.fixture
def smtp_sink():
    sink = SmtpSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    sink.port = port
    try:
        yield sink
    finally:
        controller.stop()


@pytest.fixture
def broker(transactional_db):
    """Tasks from this process go to Redis, for real (no eager mode here)."""
    url = redis_url()
    import redis

    redis.Redis.from_url(url).flushdb()
    previous = (celery_app.conf.broker_write_url, celery_app.conf.broker_transport_options)
    _point_app_at(url, {"visibility_timeout": 10})
    celery_app.conf.task_always_eager = False
    try:
        yield url
    finally:
        _point_app_at(*previous)


def _point_app_at(url: str, options: dict) -> None:
    # The write URL, because Celery lets a CELERY_BROKER_URL variable override broker_url.
    celery_app.conf.broker_write_url = url
    celery_app.conf.broker_url = url
    celery_app.conf.broker_transport_options = options
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
        celery_app._pool = None
    celery_app.amqp._producer_pool = None
    pools.reset()  # kombu's process-wide pools still hold the old broker's connections


def _database_url() -> str:
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings_dict['NAME']}"
    if connection.vendor == "postgresql":
        user = settings_dict.get("USER") or "postgres"
        host = settings_dict.get("HOST") or "127.0.0.1"
        port = settings_dict.get("PORT") or 5432
        return f"postgres://{user}@{host}:{port}/{settings_dict['NAME']}"
    unavailable(f"no worker set-up for the {connection.vendor} database")
    return ""


@pytest.fixture
def workers(broker, smtp_sink, tmp_path):
    """Start and stop real Celery processes against the test database and the sink."""
    started: list[subprocess.Popen] = []
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": broker,
        "CELERY_VISIBILITY_TIMEOUT": "10",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_sink.port),
        "EMAIL_USE_TLS": "false",
        "EMAIL_USE_SSL": "false",
        "EMAIL_TIMEOUT": "5",
        "NOTIFICATION_RETRY_BASE": "1",
        "NOTIFICATION_CLAIM_SECONDS": "5",
        "NOTIFICATION_REQUEUE_SECONDS": "30",
        "NOTIFICATION_SWEEP_SECONDS": "2",
        "DJANGO_VAR_DIR": str(tmp_path / "var"),
        "PYTHONUNBUFFERED": "1",
    }

    def start(kind: str = "worker") -> subprocess.Popen:
        log = (tmp_path / f"{kind}-{len(started)}.log").open("w")
        args = (
            ["worker", "--pool=solo", "-l", "INFO"]
            if kind == "worker"
            else ["beat", "-l", "INFO", "-s", str(tmp_path / "beat-schedule")]
        )
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", *args],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        process.log_path = log.name
        started.append(process)
        if kind == "worker":
            wait_for(
                lambda: "ready." in Path(log.name).read_text(),
                timeout=60,
                what="the worker to start",
            )
        return process

    try:
        yield start
    finally:
        for process in started:
            if process.poll() is None:
                stop_group(process, signal.SIGTERM)


def log_tail(process, chars: int = 3000) -> str:
    return Path(process.log_path).read_text()[-chars:]


# --- Web nodes: gunicorn as production runs it ---------------------------------------------


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory) -> Path:
    """`collectstatic` as a deployment runs it (hashed names, compressed twins), once a run."""
    root = tmp_path_factory.mktemp("deploy") / "staticfiles"
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": "collectstatic-only",
        "DJANGO_ALLOWED_HOSTS": "localhost",
        "DJANGO_STATIC_ROOT": str(root),
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=600,
    )
    return root


@dataclass
class WebNode:
    process: subprocess.Popen
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture
def web_nodes(transactional_db, collected_static, tmp_path, settings):
    """Start gunicorn processes with production settings, as the web unit starts them.

    Every node shares the test database, one Redis (cache and broker), the collected static
    files and one uploads folder, as nodes behind one load balancer would. The nodes sign
    with the test's SECRET_KEY, so that tokens the test makes (a form's shown-at) are theirs.
    """
    redis = redis_url()
    import redis as redis_client

    # Redis keeps cached pages and rate-limit counts between runs, when the test database's
    # rows (and their ids) start again: begin from nothing.
    redis_client.Redis.from_url(redis).flushdb()
    media_root = tmp_path / "media"
    media_root.mkdir()
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_BEHIND_PROXY": "true",
        "DATABASE_URL": _database_url(),
        "REDIS_CACHE_URL": redis,
        "CELERY_BROKER_URL": redis,
        "DJANGO_STATIC_ROOT": str(collected_static),
        "DJANGO_MEDIA_ROOT": str(media_root),
        "DJANGO_SERVE_MEDIA": "false",
        "DJANGO_VAR_DIR": str(tmp_path / "var"),
        "WEB_CONCURRENCY": "2",
        "PYTHONUNBUFFERED": "1",
    }
    nodes = WebNodes(env, tmp_path, media_root)
    try:
        yield nodes
    finally:
        for node in nodes.started:
            if node.process.poll() is None:
                stop_group(node.process, signal.SIGTERM)


class WebNodes:
    def __init__(self, env: dict[str, str], folder: Path, media_root: Path):
        self.env, self.folder, self.media_root = env, folder, media_root
        self.started: list[WebNode] = []

    def start(self, **extra_env: str) -> WebNode:
        """One more node on a port of its own, once it accepts connections."""
        port = free_port()
        log_path = self.folder / f"web-{len(self.started)}.log"
        command = unit_command("discussions-web.service", bind=f"127.0.0.1:{port}")
        with log_path.open("w") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", *command[1:]],
                cwd=ROOT,
                env={**self.env, **extra_env},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        node = WebNode(process, port, log_path)
        self.started.append(node)

        def listening():
            if process.poll() is not None:
                raise AssertionError(f"gunicorn exited with {process.returncode}:\n{node.log()}")
            return is_listening("127.0.0.1", port, timeout=0.5)

        wait_for(listening, timeout=60, what=f"gunicorn on port {port}")
        return node


# --- A webhook receiver ---------------------------------------------------------------------

SECRET = "s3cret-shared-with-the-receiver"  # of the webhook endpoints these tests make


class Receiver:
    """Records deliveries; answers 503 to the first `refuse` of them."""

    def __init__(self, refuse: int = 0):
        self.received, self.refuse, self.lock = [], refuse, threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    refuse = receiver.refuse > 0
                    receiver.refuse -= 1
                    if not refuse:
                        receiver.received.append((dict(self.headers), body))
                self.send_response(503 if refuse else 200)
                self.end_headers()
                self.wfile.write(b"busy" if refuse else b"ok")

            def log_message(self, *args):
                pass

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


def verify(headers: dict, body: bytes) -> bool:
    """What the README tells a receiver to do."""
    timestamp = headers["X-Webhook-Timestamp"]
    expected = hmac.new(
        SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    fresh = abs(time.time() - int(timestamp)) < 300
    return fresh and hmac.compare_digest(headers["X-Webhook-Signature"], f"sha256={expected}")


@pytest.fixture
def receiver():
    made = []

    def make(refuse=0):
        made.append(Receiver(refuse))
        return made[-1]

    yield make
    for item in made:
        item.close()
