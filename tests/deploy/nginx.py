"""The nginx site in platform/deploy/nginx/, rendered for a test: ports, folders, certificate.

The site file is written for the server (ports 80 and 443, /srv/discussions, Let's Encrypt
paths). A test swaps those for its own, in a main nginx.conf that keeps every file nginx
writes (pid, logs, temporary bodies) under one folder, so nginx runs without root's paths.
"""

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.services import ROOT, unavailable

SITE = ROOT / "platform" / "deploy" / "nginx" / "discussions.conf"
SERVER_NAME = "discussions.example.org"


def nginx_binary() -> str:
    found = shutil.which("nginx") or next(
        (path for path in ("/usr/sbin/nginx",) if os.path.exists(path)), None
    )
    if found is None:
        unavailable("nginx is not installed (`make nginx` installs Debian's package)")
    return found


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A throwaway certificate for 127.0.0.1, and its key."""
    if shutil.which("openssl") is None:
        unavailable("openssl is not installed")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return cert, key


@dataclass
class Site:
    """What the test put in place of the server's own values."""

    folder: Path
    http_port: int
    https_port: int
    upstream_port: int
    static_root: Path
    media_root: Path
    certificate: Path | None = None  # written by render_site

    @property
    def conf(self) -> Path:
        return self.folder / "nginx.conf"

    @property
    def error_log(self) -> Path:
        return self.folder / "error.log"

    @property
    def access_log(self) -> Path:
        return self.folder / "access.log"

    def command(self, *args: str) -> list[str]:
        return [nginx_binary(), "-p", str(self.folder), "-c", str(self.conf), *args]


def render_site(site: Site) -> None:
    """Write the site file with the test's values, and a main nginx.conf that includes it."""
    cert, key = self_signed_certificate(site.folder)
    site.certificate = cert
    swaps = {
        "listen 80;": f"listen 127.0.0.1:{site.http_port};",
        "listen [::]:80;": "",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{site.https_port} ssl http2;",
        "listen [::]:443 ssl http2;": "",
        "server 127.0.0.1:8000": f"server 127.0.0.1:{site.upstream_port}",
        "/srv/discussions/var/staticfiles/": f"{site.static_root}/",
        "/srv/discussions/var/media/": f"{site.media_root}/",
        "/var/www/letsencrypt": str(site.folder / "acme"),
        f"/etc/letsencrypt/live/{SERVER_NAME}/fullchain.pem": str(cert),
        f"/etc/letsencrypt/live/{SERVER_NAME}/privkey.pem": str(key),
    }
    text = SITE.read_text()
    for old, new in swaps.items():
        assert old in text, f"{SITE.name} no longer has {old!r}: update the test's swaps"
        text = text.replace(old, new)
    (site.folder / "discussions.conf").write_text(text)
    temp = site.folder / "temp"
    temp.mkdir(exist_ok=True)
    # As root, nginx's workers would drop to `nobody`, who cannot read a test's folder.
    user = "user root;\n" if os.geteuid() == 0 else ""
    site.conf.write_text(
        f"""{user}daemon off;
worker_processes 1;
pid {site.folder}/nginx.pid;
error_log {site.error_log} info;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {site.access_log};
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {site.folder}/discussions.conf;
}}
"""
    )
