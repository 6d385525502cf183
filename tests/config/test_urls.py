import io

import pytest
from PIL import Image

pytestmark = pytest.mark.django_db


def test_favicon_ico_is_the_sites_icon(client):
    """Browsers ask for /favicon.ico wherever a page names no icon: the admin, feeds, files."""
    response = client.get("/favicon.ico", follow=True)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/")
    icon = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert icon.format == "ICO"
    assert {(16, 16), (32, 32)} <= icon.info["sizes"]
    assert "max-age" in response["Cache-Control"]


def test_pages_name_the_svg_icon_and_the_ico_fallback(client):
    html = client.get("/").content.decode()

    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    assert '<link rel="icon" href="/favicon.ico" sizes="32x32">' in html
