"""`make run` on a bare machine: it serves the demo, its worker sends mail, Ctrl-C stops it all.

The real command, the real processes: make → honcho → runserver, a Celery worker and beat,
with every setting at its default (SQLite and a filesystem broker under a temporary folder,
mail written by the worker as files).
"""

import contextlib
import os
import re
import shutil
import signal
import subprocess
import uuid
from pathlib import Path

import pytest
import requests

from tests.services import ROOT, bare_machine_env, free_port, stop_group, unavailable, wait_for

pytestmark = pytest.mark.integration

START_TIMEOUT = 180
MAIL_TIMEOUT = 60
DEMO_TITLE = "The Strait and the Spreadsheet"


def _log_tail(log_path: Path, lines: int = 60) -> str:
    try:
        text = log_path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return "(no log written)"
    return "\n--- make run log (tail) ---\n" + "\n".join(text.splitlines()[-lines:])


def _processes() -> list[dict]:
    """Every process on the machine: pid, ppid, pgid, sid, state and command line."""
    out = subprocess.run(
        ["ps", "-eo", "pid=,ppid=,pgid=,sid=,stat=,args="],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows = []
    for line in out.splitlines():
        parts = line.split(None, 5)
        if len(parts) < 5:
            continue
        pid, ppid, pgid, sid = (int(value) for value in parts[:4])
        rows.append(
            {
                "pid": pid,
                "ppid": ppid,
                "pgid": pgid,
                "sid": sid,
                "stat": parts[4],
                "args": parts[5] if len(parts) > 5 else "",
            }
        )
    return rows


def _alive(row: dict) -> bool:
    return not row["stat"].startswith("Z")


def _descendants(root_pid: int) -> dict[int, dict]:
    """The live process tree under `root_pid` (whatever session each process chose)."""
    rows = _processes()
    children: dict[int, list[dict]] = {}
    for row in rows:
        children.setdefault(row["ppid"], []).append(row)
    found: dict[int, dict] = {}
    pending = [root_pid]
    while pending:
        for row in children.get(pending.pop(), []):
            if row["pid"] not in found and _alive(row):
                found[row["pid"]] = row
                pending.append(row["pid"])
    return found


def _format(rows) -> str:
    return "\n".join(
        f"  pid={r['pid']} ppid={r['ppid']} pgid={r['pgid']} sid={r['sid']} "
        f"stat={r['stat']} {r['args']}"
        for r in rows
    )


def _get(url: str, **kwargs):
    try:
        return requests.get(url, timeout=5, **kwargs)
    except requests.RequestException:
        return None


def test_make_run_serves_the_demo_delivers_mail_through_the_worker_and_stops_on_ctrl_c(tmp_path):
    if shutil.which("make") is None:
        unavailable("make is not installed")

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    var_dir = tmp_path / "var"
    mail_dir = var_dir / "mail"
    log_path = tmp_path / "make-run.log"
    seen: dict[int, dict] = {}  # every process the stack started, to check none outlives it

    with log_path.open("wb") as log:
        process = subprocess.Popen(
            ["make", "run", f"WEB_PORT={port}"],
            cwd=ROOT,
            start_new_session=True,
            env=bare_machine_env(var_dir),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:

        def home_page():
            seen.update(_descendants(process.pid))
            if process.poll() is not None:
                raise AssertionError(
                    f"make run exited with {process.returncode} before serving"
                    + _log_tail(log_path)
                )
            response = _get(base + "/")
            return response if response is not None and response.status_code == 200 else None

        try:
            home = wait_for(home_page, timeout=START_TIMEOUT, interval=0.5, what="the home page")
        except AssertionError as error:
            raise AssertionError(f"{error}{_log_tail(log_path)}") from None

        # The demo content is loaded and listed.
        assert DEMO_TITLE in home.text, _log_tail(log_path)
        slugs = list(dict.fromkeys(re.findall(r'href="/articles/([-\w]+)/"', home.text)))
        assert slugs, "the home page links to no article" + _log_tail(log_path)
        slug = next((s for s in slugs if s == "the-strait-and-the-spreadsheet"), slugs[0])
        article = requests.get(f"{base}/articles/{slug}/", timeout=10)
        assert article.status_code == 200, _log_tail(log_path)
        h1 = re.search(r"<h1[^>]*>(.*?)</h1>", article.text, re.DOTALL)
        assert h1, "the article page has no <h1>"
        if slug == "the-strait-and-the-spreadsheet":
            assert DEMO_TITLE in h1.group(1)
        else:
            assert h1.group(1).strip()

        # The worker is up and processes what the web process queues: a signup's mail.
        worker_ready = re.compile(r"^.*worker\.\d+\s*\|.*\bready\b", re.MULTILINE)
        try:
            wait_for(
                lambda: worker_ready.search(log_path.read_text(errors="replace")),
                timeout=MAIL_TIMEOUT,
                what="the worker to log that it is ready",
            )
        except AssertionError as error:
            raise AssertionError(f"{error}{_log_tail(log_path)}") from None

        token = uuid.uuid4().hex[:10]
        email = f"newreader-{token}@example.com"
        session = requests.Session()
        signup_url = f"{base}/accounts/signup/"
        form = session.get(signup_url, timeout=10)
        assert form.status_code == 200, _log_tail(log_path)
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        assert csrf, "the signup form carries no CSRF token"
        assert session.cookies.get("csrftoken"), "the signup page set no csrftoken cookie"
        response = session.post(
            signup_url,
            data={
                "csrfmiddlewaretoken": csrf.group(1),
                "email": email,
                "username": f"newreader{token}",
                "password1": "a long and unusual passphrase 42",
                "password2": "a long and unusual passphrase 42",
            },
            headers={"Referer": signup_url},
            allow_redirects=False,
            timeout=10,
        )
        assert response.status_code == 302, (
            f"signup answered {response.status_code}:\n{response.text[:2000]}" + _log_tail(log_path)
        )
        assert response.headers["Location"].endswith("/accounts/confirm-email/"), response.headers

        def delivered():
            seen.update(_descendants(process.pid))
            if not mail_dir.is_dir():
                return None
            for path in mail_dir.iterdir():
                if email in path.read_text(encoding="utf-8", errors="replace"):
                    return path
            return None

        try:
            wait_for(delivered, timeout=MAIL_TIMEOUT, what=f"the worker to write a mail to {email}")
        except AssertionError as error:
            raise AssertionError(f"{error}{_log_tail(log_path)}") from None

        # Ctrl-C: the whole stack goes, nothing is left behind.
        seen.update(_descendants(process.pid))
        assert len(seen) >= 4, "expected make, honcho, web, worker and beat:\n" + _format(
            seen.values()
        )
        stop_group(process, signal.SIGINT)

        def leftovers():
            alive = {row["pid"]: row for row in _processes() if _alive(row)}
            return [
                row
                for pid, row in alive.items()
                if row["sid"] == process.pid
                or row["pgid"] == process.pid
                or (pid in seen and row["args"] == seen[pid]["args"])
            ]

        try:
            wait_for(lambda: not leftovers(), timeout=15, what="every process to exit")
        except AssertionError:
            raise AssertionError(
                "processes outlived Ctrl-C:\n" + _format(leftovers()) + _log_tail(log_path)
            ) from None
    finally:
        # Whatever happened above, nothing the stack started may keep running. honcho puts
        # each of its children in a session of its own, so the make group alone is not enough:
        # also kill the groups of processes seen in the tree that are still the same processes.
        groups = {process.pid}
        for row in _processes():
            same = seen.get(row["pid"])
            if same and _alive(row) and row["args"] == same["args"]:
                groups.add(row["pgid"])
        for pgid in groups:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pgid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
