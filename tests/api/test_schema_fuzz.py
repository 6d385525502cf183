"""Schemathesis against the live API with every check it has: no server error; every answer's
status, headers, content type and body as the schema says; every request the schema allows
taken and every request it forbids refused; methods, auth and required headers as declared.
Once as an anonymous client, once with a reader's token (a moderator's on moderation)."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from articles.services import save_article
from comments.models import ApiToken
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.integration

CONFIG = """
headers = {{ Authorization = "Bearer ${{FUZZ_READER_TOKEN}}" }}

[[operations]]
include-path-regex = "^/api/v1/moderation/"
headers = {{ Authorization = "Bearer ${{FUZZ_MODERATOR_TOKEN}}" }}

# Known comments, so that the operations on one reach past "not found".
[[operations]]
include-name = "GET /api/v1/comments/{{id}}/"
parameters = {{ id = {public} }}

[[operations]]
include-name = "PATCH /api/v1/comments/{{id}}/"
parameters = {{ id = {own} }}

[[operations]]
include-name = "DELETE /api/v1/comments/{{id}}/"
parameters = {{ id = {own_to_delete} }}

[[operations]]
include-name = "POST /api/v1/comments/{{id}}/report/"
parameters = {{ id = {public} }}

[[operations]]
include-name = "POST /api/v1/comments/{{id}}/useful/"
parameters = {{ id = {public} }}

[[operations]]
include-name = "DELETE /api/v1/comments/{{id}}/useful/"
parameters = {{ id = {public} }}

[[operations]]
include-name = "POST /api/v1/moderation/comments/{{id}}/decision/"
parameters = {{ id = {held} }}
# A removal must cite a guideline clause or an illegal-content category (a statement of
# reasons needs its ground), which no schema can make depend on `to`; so here a 400 to a
# request the schema allows is not a failure either (tests/comments/moderation/
# test_statements.py holds the rule). Every other check still applies.
checks.positive_data_acceptance.expected-statuses = [
    "2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx",
]

# A known article, so that its revisions (1 and 2) are found and their shape is checked.
[[operations]]
include-name = "GET /api/v1/articles/{{slug}}/revisions/"
parameters = {{ slug = "fuzzed" }}

[[operations]]
include-name = "GET /api/v1/articles/{{slug}}/revisions/{{n}}/"
parameters = {{ slug = "fuzzed" }}

# `since` is a cursor this API gave out: any string fits its schema, and any other string
# is 400 "Not a cursor this API gave out." (tests/api/test_sync.py), because no schema can
# say which strings those are. So here, and only here, a 400 to a request the schema allows
# is not a failure of positive_data_acceptance; every other check still applies.
[[operations]]
include-name = "GET /api/v1/articles/{{slug}}/comments/"
checks.positive_data_acceptance.expected-statuses = [
    "2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx",
]
"""


@pytest.fixture
def generous_throttles(monkeypatch):
    """The fuzzer sends hundreds of requests in seconds; limits have their own test."""
    for throttle in (AnonRateThrottle, UserRateThrottle):
        monkeypatch.setattr(
            throttle, "THROTTLE_RATES", {"anon": "100000/min", "user": "100000/min"}
        )


@pytest.fixture
def fuzzed_site(transactional_db, moderation):
    """An article with a discussion, a reader with comments of their own, a moderator; flood
    control off, so that posts are judged on their content (it has its own test)."""
    moderation.flood_seconds = 0
    moderation.save()
    article = ArticleFactory(slug="fuzzed")
    article.body += "\n\nA later paragraph."
    save_article(article=article, editor=UserFactory(username="fuzz-editor"), note="Added one.")
    public = CommentFactory(article=article)
    CommentFactory(parent=public)
    reader = UserFactory(username="fuzzer")
    UserFactory(username="fuzz-moderator")
    call_command("make_moderator", "fuzz-moderator", stdout=io.StringIO())
    moderator = get_user_model().objects.get(username="fuzz-moderator")
    return {
        "ids": {
            "public": public.pk,
            "own": CommentFactory(article=article, user=reader).pk,
            "own_to_delete": CommentFactory(article=article, user=reader).pk,
            "held": CommentFactory(article=article, status="pending").pk,
        },
        "FUZZ_READER_TOKEN": ApiToken.issue(reader, "fuzz")[1],
        "FUZZ_MODERATOR_TOKEN": ApiToken.issue(moderator, "fuzz")[1],
    }


def _schemathesis(url: str, config: Path, env: dict, cwd: Path) -> str:
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("schemathesis")),
            "--config-file",
            str(config),
            "run",
            url,
            "--checks",
            "all",
            "--max-examples",
            "30",
            "--phases",
            "examples,coverage,fuzzing,stateful",
            "--workers",
            "1",
            "--seed",
            "1",
            "--request-timeout",
            "20",
            "--suppress-health-check",
            "all",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=cwd,
        env={**os.environ, **env},
    )
    report = result.stdout[-12000:] + result.stderr[-2000:]
    if output := os.environ.get("FUZZ_REPORT_FILE"):  # the whole report, to read at leisure
        Path(output).write_text(result.stdout + result.stderr)
    assert result.returncode == 0, report
    return report


@pytest.mark.parametrize("client", ["with tokens", "anonymous"])
def test_schemathesis_with_every_check_finds_nothing(
    live_server, generous_throttles, fuzzed_site, tmp_path, client
):
    config = CONFIG.format(**fuzzed_site["ids"])
    tokens = {k: v for k, v in fuzzed_site.items() if k.startswith("FUZZ_")}
    if client == "anonymous":
        config = config.replace('Authorization = "Bearer ${FUZZ_READER_TOKEN}"', "")
        config = config.replace('Authorization = "Bearer ${FUZZ_MODERATOR_TOKEN}"', "")
    (tmp_path / "schemathesis.toml").write_text(config)

    report = _schemathesis(
        f"{live_server.url}/api/v1/schema/", tmp_path / "schemathesis.toml", tokens, tmp_path
    )
    assert "No issues found" in report or "passed" in report, report
