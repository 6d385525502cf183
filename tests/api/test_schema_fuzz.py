"""Schemathesis against the live API: no server error, every answer true to the schema."""

import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from comments.models import ApiToken
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.integration

CHECKS = "not_a_server_error,response_schema_conformance,content_type_conformance"


@pytest.fixture
def generous_throttles(monkeypatch):
    """The fuzzer sends hundreds of requests in seconds; limits have their own test."""
    for throttle in (AnonRateThrottle, UserRateThrottle):
        monkeypatch.setattr(
            throttle, "THROTTLE_RATES", {"anon": "100000/min", "user": "100000/min"}
        )


def test_schemathesis_finds_no_server_error_and_no_schema_violation(
    live_server, generous_throttles, tmp_path
):
    article = ArticleFactory(slug="fuzzed")
    root = CommentFactory(article=article)
    CommentFactory(parent=root)
    _, key = ApiToken.issue(UserFactory(username="fuzzer"), "fuzz")

    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("schemathesis")),
            "run",
            f"{live_server.url}/api/v1/schema/",
            "--checks",
            CHECKS,
            "--max-examples",
            "15",
            "--phases",
            "examples,coverage,fuzzing",
            "--workers",
            "1",
            "--seed",
            "1",
            "--header",
            f"Authorization: Bearer {key}",
            "--request-timeout",
            "20",
            "--suppress-health-check",
            "all",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    report = result.stdout[-6000:] + result.stderr[-2000:]
    assert result.returncode == 0, report
    assert "No issues found" in report or "passed" in report, report
