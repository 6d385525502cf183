"""compose.yaml and the Dockerfile, read (never run here: no images can be downloaded).

What can be checked without running them: the five services are there, the site's three
run the programs the systemd units run, and every setting they pass is one
config/settings.py reads, so a misspelt name cannot sit there unnoticed."""

import re

import pytest
import yaml

from tests.deploy.units import unit_command
from tests.services import ROOT

DEPLOY = ROOT / "platform" / "deploy"
APP_SERVICES = ("migrate", "web", "worker", "beat")
# Read by programs other than Django's settings: gunicorn's worker count.
READ_ELSEWHERE = {"WEB_CONCURRENCY"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def _settings_read() -> set[str]:
    source = (ROOT / "config" / "settings.py").read_text()
    return set(re.findall(r'env_(?:str|bool|int|list)\(\s*"([A-Z0-9_]+)"', source))


def test_compose_runs_the_database_redis_and_the_three_processes(compose):
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(compose["services"])


@pytest.mark.parametrize("service", APP_SERVICES)
def test_every_setting_compose_passes_is_one_the_site_reads(compose, service):
    names = set(compose["services"][service]["environment"])
    unknown = names - _settings_read() - READ_ELSEWHERE
    assert not unknown, f"{service} sets {sorted(unknown)}, which nothing reads"


def test_the_app_services_share_database_cache_and_broker(compose):
    environments = [compose["services"][name]["environment"] for name in APP_SERVICES]
    for name in ("DATABASE_URL", "REDIS_CACHE_URL", "CELERY_BROKER_URL", "DJANGO_SECRET_KEY"):
        assert len({environment[name] for environment in environments}) == 1, name
    database = environments[0]["DATABASE_URL"]
    postgres = compose["services"]["postgres"]["environment"]
    assert database.startswith(f"postgres://{postgres['POSTGRES_USER']}:")
    assert database.endswith(f"@postgres:5432/{postgres['POSTGRES_DB']}")


@pytest.mark.parametrize(
    ("service", "unit"),
    [("worker", "discussions-worker.service"), ("beat", "discussions-beat.service")],
)
def test_the_celery_services_run_what_their_units_run(compose, service, unit):
    command = compose["services"][service]["command"]
    assert command[:4] == ["celery", *unit_command(unit)[1:4]]


def test_the_image_starts_the_web_process_as_its_unit_does():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    found = re.search(r"^CMD (\[.*?\])\s*$", dockerfile, re.MULTILINE | re.DOTALL)
    assert found, "the Dockerfile has no CMD"
    command = yaml.safe_load(found.group(1).replace("\\\n", ""))
    unit = unit_command("discussions-web.service", bind="0.0.0.0:8000")
    assert command == ["gunicorn", *unit[1:]]
    assert "UNTESTED" in dockerfile and "UNTESTED" in (DEPLOY / "compose.yaml").read_text()
