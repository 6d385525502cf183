"""Reaching the real services the integration tests need.

Locally a missing service skips the test with a one-line reason. Where REQUIRE_SERVICES
(or CI) is true, the same condition fails the test: CI has the services, so a skip there
would hide a broken set-up.
"""

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


REQUIRE_SERVICES = _truthy(os.environ.get("REQUIRE_SERVICES", os.environ.get("CI")))


def unavailable(reason: str) -> None:
    """Skip (locally) or fail (on CI) because a real part the test needs is missing."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (services are required here: CI/REQUIRE_SERVICES)", pytrace=False)
    pytest.skip(reason)


def is_listening(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    if not is_listening("127.0.0.1", 6379):
        unavailable("Redis is not reachable on 127.0.0.1:6379")
    return url


def chromium_path() -> str:
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        unavailable("Chromium is not installed at /usr/bin/chromium (make test installs it)")
    return str(CHROMIUM if CHROMIUM.exists() else shutil.which("chromium"))


def bare_machine_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a machine with nothing configured: every default in force."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "CELERY_", "EMAIL_", "DJANGO_", "REDIS_"))
    }
    env.update(DJANGO_VAR_DIR=str(var_dir), PYTHONUNBUFFERED="1", **extra)
    return env


def wait_for(predicate, timeout: float, interval: float = 0.25, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def stop_group(process: subprocess.Popen, sig, timeout: float = 20) -> None:
    """Signal the process group as a terminal's Ctrl-C would, then make sure it is gone."""
    try:
        os.killpg(process.pid, sig)
        process.wait(timeout=timeout)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)
        process.wait(timeout=5)
        raise
