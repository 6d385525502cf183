"""nginx accepts the site file as written, with only ports, folders and certificate swapped."""

import subprocess

from tests.deploy.nginx import SITE, Site, render_site
from tests.services import free_port


def test_nginx_accepts_the_site(tmp_path):
    site = Site(
        folder=tmp_path,
        http_port=free_port(),
        https_port=free_port(),
        upstream_port=free_port(),
        static_root=tmp_path / "static",
        media_root=tmp_path / "media",
    )
    render_site(site)
    result = subprocess.run(
        site.command("-t", "-e", str(site.error_log)), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr and "test is successful" in result.stderr


def test_the_site_passes_the_peer_address_the_app_reads():
    """The app reads the last X-Forwarded-For entry (one trusted proxy): nginx must append."""
    text = SITE.read_text()
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in text
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in text
