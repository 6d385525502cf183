import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings import env_bool, env_int, env_list
from tests.services import ROOT, bare_machine_env, free_port

PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": "k7Qx!v2Lr9#pW4zN8sT1yB6mD3fH0jC5gA-uE%oI^eR&nU*wZ(qY)tX=sV+",
    "DJANGO_ALLOWED_HOSTS": "analysis.example.org",
}


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("TRUE", True), ("no", False), ("", None)]
)
def test_env_bool_reads_common_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("SOME_FLAG", raw)
    assert env_bool("SOME_FLAG", default=None) is expected


@pytest.mark.parametrize(
    ("reader", "raw"), [(env_bool, "maybe"), (env_int, "ten"), (env_int, "1.5")]
)
def test_bad_values_are_refused_with_the_variable_name(monkeypatch, reader, raw):
    monkeypatch.setenv("SOME_VALUE", raw)
    with pytest.raises(ImproperlyConfigured, match="SOME_VALUE"):
        reader("SOME_VALUE", 0)


def test_env_list_splits_on_commas(monkeypatch):
    monkeypatch.setenv("HOSTS", " a.example, b.example ,,")
    assert env_list("HOSTS", []) == ["a.example", "b.example"]


def _manage(*args: str, env: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=bare_machine_env(tmp_path / "var", **env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deployment_checklist(tmp_path):
    result = _manage(
        "check", "--deploy", "--fail-level", "DEBUG", env=PRODUCTION_ENV, tmp_path=tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_its_secrets(tmp_path, missing):
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != missing}
    result = _manage("check", env=env, tmp_path=tmp_path)
    assert result.returncode != 0
    assert f"{missing} must be set" in result.stderr


def test_bare_machine_defaults_need_no_configuration(tmp_path):
    result = _manage(
        "shell",
        "--verbosity=0",
        "-c",
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.EMAIL_DELIVERY_BACKEND)",
        env={},
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "filesystem://",
        "django.core.mail.backends.filebased.EmailBackend",
    ]


def test_a_cache_server_that_is_down_leaves_the_site_running(tmp_path):
    result = _manage(
        "shell",
        "--verbosity=0",
        "-c",
        "from django.core.cache import cache, caches; cache.set('k', 1); "
        "print(type(caches['default']).__name__, cache.get('k'), cache.add('k', 1))",
        env={"REDIS_CACHE_URL": f"redis://127.0.0.1:{free_port()}/0"},
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["TolerantRedisCache", "None", "False"]
