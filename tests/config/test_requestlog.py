"""One JSON line per request on `discussions.request`, with a request id the response echoes;
no query string, no secret in the path, no address or email anywhere in it."""

import json
import logging

import pytest

from tests.factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db


class Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)

    def parsed(self) -> list[dict]:
        return [json.loads(record.getMessage()) for record in self.records]


@pytest.fixture
def request_lines():
    """The request logger does not propagate (its lines are bare JSON): listen on it."""
    handler = Lines()
    logger = logging.getLogger("discussions.request")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def test_each_request_writes_one_json_line(client, request_lines):
    article = ArticleFactory()

    response = client.get(article.get_absolute_url())

    [line] = request_lines.parsed()
    assert set(line) == {
        "event", "request_id", "method", "path", "status", "duration_ms", "cache_hit",
    }  # fmt: skip
    assert line["event"] == "request"
    assert line["method"] == "GET"
    assert line["path"] == article.get_absolute_url()
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] > 0
    assert line["cache_hit"] is False
    assert line["request_id"] == response["X-Request-ID"]


def test_a_sane_incoming_request_id_is_kept_and_echoed(client, request_lines):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="edge-7f3a9c21.b")

    assert response["X-Request-ID"] == "edge-7f3a9c21.b"
    assert request_lines.parsed()[0]["request_id"] == "edge-7f3a9c21.b"


@pytest.mark.parametrize(
    "sent",
    [
        "short",
        "x" * 101,
        "has space in it",
        "reader@example.org-0001",
        "abc123\r\nSet-Cookie: a=b",
        "id-with-ünïcode-000",
        "../../etc/passwd",
        "",
    ],
)
def test_an_insane_request_id_is_replaced_by_a_new_one(client, request_lines, sent):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=sent)

    generated = response["X-Request-ID"]
    assert generated != sent
    assert len(generated) == 32 and generated.isalnum()
    assert request_lines.parsed()[0]["request_id"] == generated


def test_two_requests_get_two_ids(client):
    assert client.get("/healthz")["X-Request-ID"] != client.get("/healthz")["X-Request-ID"]


def test_the_query_string_is_never_logged(client, request_lines):
    client.get("/healthz?token=s3cret-value&email=reader%40example.org")

    [line] = request_lines.parsed()
    assert line["path"] == "/healthz"
    raw = request_lines.records[0].getMessage()
    assert "s3cret" not in raw and "example.org" not in raw


def test_a_token_in_the_path_is_masked(client, request_lines):
    client.get("/notifications/unsubscribe/cmVhZGVyQGV4YW1wbGUub3Jn:1t2x3y:abcdef/")

    [line] = request_lines.parsed()
    assert line["path"] == "/notifications/unsubscribe/[token]/"


def test_the_line_names_no_address_email_or_agent(client, request_lines, reader):
    client.force_login(reader)
    comment = CommentFactory(author_email="writer@example.org", ip_address="203.0.113.9")

    client.get(
        comment.article.get_absolute_url(),
        REMOTE_ADDR="198.51.100.23",
        HTTP_USER_AGENT="AgentSmith/1.0",
        HTTP_X_FORWARDED_FOR="203.0.113.77",
    )

    raw = request_lines.records[0].getMessage()
    for secret in (
        "198.51.100.23", "203.0.113", "AgentSmith", reader.email, "writer@example.org",
        reader.username,
    ):  # fmt: skip
        assert secret not in raw


def test_errors_are_logged_with_their_status(client, request_lines):
    client.get("/no-such-page/")
    client.post("/articles/no-such-article/comments/", {"body": "x"})

    statuses = [line["status"] for line in request_lines.parsed()]
    assert statuses[0] == 404
    assert statuses[1] in {403, 404}


def test_a_page_cache_hit_is_logged_as_one(client, request_lines, settings):
    settings.PAGE_CACHE_ENABLED = True

    client.get("/")  # rendered, and kept for the next reader
    client.get("/")

    assert [line["cache_hit"] for line in request_lines.parsed()] == [False, True]


def test_records_logged_while_answering_carry_the_request_id(client, caplog, settings):
    from tests.services import free_port

    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    with caplog.at_level(logging.WARNING, logger="config.health"):
        client.get("/readyz", HTTP_X_REQUEST_ID="trace-0000-1111")

    [record] = [r for r in caplog.records if r.name == "config.health"]
    assert "broker" in record.getMessage()
    assert record.request_id == "trace-0000-1111"
    logging.getLogger("config.health").warning("outside any request")
    assert caplog.records[-1].request_id == "-"
