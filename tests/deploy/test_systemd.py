"""The systemd units start this project's web, worker and beat processes as systemd reads them."""

import importlib
import shutil
import subprocess

import pytest

from tests.deploy.units import APP_DIR, UNITS, render_units, unit, unit_command
from tests.services import ROOT, unavailable

PROCFILE = ROOT / "platform" / "deploy" / "Procfile"


def test_systemd_accepts_every_unit_with_this_checkout_in_place(tmp_path):
    if shutil.which("systemd-analyze") is None:
        unavailable("systemd-analyze is not installed")
    paths = render_units(tmp_path)
    result = subprocess.run(
        ["systemd-analyze", "verify", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "not executable" not in result.stderr, result.stderr


def test_the_web_unit_serves_this_projects_wsgi_application():
    command = unit_command("discussions-web.service")
    assert command[0] == f"{APP_DIR}/.venv/bin/gunicorn"
    module, _, name = command[1].partition(":")
    assert callable(getattr(importlib.import_module(module), name))
    # nginx's upstream, and nothing outside the machine
    assert command[command.index("--bind") + 1] == "127.0.0.1:8000"


@pytest.mark.parametrize(
    ("name", "kind"),
    [("discussions-worker.service", "worker"), ("discussions-beat.service", "beat")],
)
def test_the_celery_units_run_this_projects_app(name, kind):
    from celery import Celery

    command = unit_command(name)
    assert command[0] == f"{APP_DIR}/.venv/bin/celery"
    assert command[1:4] == ["-A", "config", kind]
    assert isinstance(importlib.import_module("config").celery_app, Celery)


def test_units_run_what_the_procfile_runs():
    """`make serve` (honcho and the Procfile) and systemd start the same three programs."""
    procfile = dict(
        line.split(": ", 1) for line in PROCFILE.read_text().splitlines() if line.strip()
    )
    for name, process in zip(UNITS, ("web", "worker", "beat"), strict=True):
        program, app = unit_command(name)[0], unit_command(name)[1:3]
        words = procfile[process].split()
        assert program.endswith("/" + words[0]), (name, words[0])
        assert " ".join(app) in procfile[process], (name, procfile[process])


@pytest.mark.parametrize("name", UNITS)
def test_every_unit_runs_as_the_site_user_with_the_site_environment(name):
    service = unit(name)["Service"]
    assert service["User"] == "discussions"
    assert service["EnvironmentFile"] == "/etc/discussions/env"
    assert service["WorkingDirectory"] == APP_DIR
    # The only folder the site writes to: uploads, beat's schedule.
    assert service["ReadWritePaths"] == f"{APP_DIR}/var"


def test_the_web_access_log_holds_no_address_and_no_query_string():
    """A query string may carry a token, and the address is a reader's: gunicorn's access log
    (Procfile, unit, container) writes the path alone."""
    command = unit_command("discussions-web.service")
    formats = [command[command.index("--access-logformat") + 1]]
    formats.append(PROCFILE.read_text().split("--access-logformat ", 1)[1].split("'")[1])
    dockerfile = (ROOT / "platform" / "deploy" / "Dockerfile").read_text()
    formats.append(dockerfile.split('"--access-logformat", "', 1)[1].split('"')[0])
    for value in formats:
        assert value == "%(m)s %(U)s %(s)s %(B)s %(M)sms"
        for leak in ("%(h)s", "%(r)s", "%(q)s", "%({x-forwarded-for}i)s"):
            assert leak not in value
