"""Reading the systemd units in platform/deploy/systemd/ the way systemd reads them."""

import configparser
import re
import shlex
from pathlib import Path

from tests.services import ROOT

UNIT_DIR = ROOT / "platform" / "deploy" / "systemd"
UNITS = ("discussions-web.service", "discussions-worker.service", "discussions-beat.service")
# Where README.md "Deployment" puts the code; a test swaps in this checkout.
APP_DIR = "/srv/discussions"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # systemd's keys are case-sensitive
    parser.read_string((UNIT_DIR / name).read_text())
    return parser


def unit_environment(name: str) -> dict[str, str]:
    """The unit's own Environment= values (not its environment file's)."""
    raw = unit(name)["Service"].get("Environment", "")
    return dict(item.split("=", 1) for item in shlex.split(raw))


def unit_command(name: str, bind: str | None = None) -> list[str]:
    """ExecStart as the process receives it: %% and ${VAR} expanded, words split.

    `bind` replaces gunicorn's --bind address, to run the unit's command on a test port."""
    raw = unit(name)["Service"]["ExecStart"].replace("%%", "%")
    environment = unit_environment(name)
    raw = re.sub(r"\$\{(\w+)\}", lambda match: environment[match.group(1)], raw)
    words = shlex.split(raw)
    if bind is not None:
        words[words.index("--bind") + 1] = bind
    return words


def render_units(folder: Path, app_dir: Path = ROOT) -> list[Path]:
    """The units with this checkout in place of the server's code folder, written to `folder`."""
    paths = []
    for name in UNITS:
        text = (UNIT_DIR / name).read_text()
        assert APP_DIR in text, f"{name} no longer names {APP_DIR}"
        path = folder / name
        path.write_text(text.replace(APP_DIR, str(app_dir)))
        paths.append(path)
    return paths
