import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from config.settings import BASE_DIR
from tests.services import ROOT, bare_machine_env


def _fields(response) -> dict[str, str]:
    lines = response.content.decode().splitlines()
    return dict(line.split(": ", 1) for line in lines if line)


def test_security_txt_says_whom_to_tell_until_when(client, settings):
    settings.SITE_URL = "https://analysis.example.org"
    settings.SECURITY_CONTACT = "mailto:security@analysis.example.org"

    response = client.get("/.well-known/security.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    fields = _fields(response)
    assert fields["Contact"] == "mailto:security@analysis.example.org"
    assert fields["Canonical"] == "https://analysis.example.org/.well-known/security.txt"
    assert fields["Policy"] == "https://analysis.example.org/.well-known/security-policy"
    assert fields["Preferred-Languages"] == "en"
    expires = datetime.strptime(fields["Expires"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    # RFC 9116: in the future, and less than a year away.
    assert timezone.now() + timedelta(days=30) < expires < timezone.now() + timedelta(days=365)


def test_the_default_contact_is_security_at_the_sites_host(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--verbosity=0", "-c",
         "from django.conf import settings; print(settings.SECURITY_CONTACT)"],
        cwd=ROOT,
        env=bare_machine_env(tmp_path / "var", SITE_URL="https://analysis.example.org/"),
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert result.stdout.strip() == "mailto:security@analysis.example.org", result.stderr


def test_the_policy_it_links_to_is_security_md(client):
    response = client.get("/.well-known/security-policy")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == (BASE_DIR / "SECURITY.md").read_text()
    assert "security.txt" in response.content.decode()


@pytest.mark.parametrize("path", ["/.well-known/security.txt", "/.well-known/security-policy"])
def test_well_known_files_refuse_writes(client, path):
    assert client.post(path).status_code == 405
