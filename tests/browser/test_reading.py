"""An anonymous reader in a real browser: home page, article page, contents, keyboard, drafts.

Chromium from the system (never a downloaded one) drives pytest-django's live server, with
the demo content loaded into the test database. The browser and page fixtures are in
tests/browser/conftest.py.
"""

import io

import pytest
from django.core.management import call_command

from tests.browser.conftest import TIMEOUT_MS, axe_check

pytestmark = pytest.mark.browser

ARTICLE_TITLE = "The Strait and the Spreadsheet: Shipping Risk in a Fragmenting Trade System"
ARTICLE_PATH = "/articles/the-strait-and-the-spreadsheet/"
STANDFIRST_START = "Chokepoints have always mattered to trade."
DRAFT_PATH = "/articles/critical-minerals-and-the-price-of-security/"


@pytest.fixture
def demo(transactional_db, live_server):
    call_command("load_demo", force=True, stdout=io.StringIO())
    return live_server.url


def _in_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    viewport = page.viewport_size
    if box is None or viewport is None:
        return False
    return (
        box["y"] < viewport["height"]
        and box["y"] + box["height"] > 0
        and box["x"] < viewport["width"]
        and box["x"] + box["width"] > 0
    )


def test_reader_opens_an_article_from_the_home_page(demo, page, tmp_path):
    page.goto(demo + "/")
    page.get_by_role("link", name=ARTICLE_TITLE).click()
    page.wait_for_url("**" + ARTICLE_PATH)

    heading = page.locator("h1")
    assert heading.count() == 1
    assert heading.inner_text().strip() == ARTICLE_TITLE
    assert page.locator(".article__standfirst").inner_text().startswith(STANDFIRST_START)

    hero = page.locator("figure.hero img")
    hero.wait_for(state="visible")
    page.wait_for_function("img => img.complete", arg=hero.element_handle(), timeout=TIMEOUT_MS)
    assert page.evaluate("img => img.naturalWidth", hero.element_handle()) > 0, (
        f"the hero image did not load: {hero.get_attribute('src')}"
    )
    assert (hero.get_attribute("alt") or "").strip()

    prompt = page.locator("#discussion .discussion__prompt")
    assert "Share your thoughts below" in prompt.inner_text()
    assert prompt.is_visible()

    related = page.locator("aside.related")
    assert related.get_by_role("heading", name="Related analysis").is_visible()
    assert related.locator("ul li a").count() >= 1

    page.screenshot(path=str(tmp_path / "article.png"), full_page=True)


def test_table_of_contents_jumps_to_its_section(demo, page):
    page.goto(demo + ARTICLE_PATH)
    toc = page.get_by_role("navigation", name="In this article")
    entries = toc.get_by_role("link")
    assert entries.count() >= 2
    second = entries.nth(1)
    target_id = second.get_attribute("href").removeprefix("#")
    assert target_id

    second.click()

    page.wait_for_function(
        "id => window.location.hash === '#' + id", arg=target_id, timeout=TIMEOUT_MS
    )
    assert page.evaluate("window.location.hash") == f"#{target_id}"
    section = page.locator(f"[id='{target_id}']")
    assert section.evaluate("el => /^H[1-6]$/.test(el.tagName)")
    assert section.is_visible()
    page.wait_for_function(
        """id => {
            const box = document.getElementById(id).getBoundingClientRect();
            return box.bottom > 0 && box.top < window.innerHeight;
        }""",
        arg=target_id,
        timeout=TIMEOUT_MS,
    )
    assert _in_viewport(page, section)
    assert page.evaluate("window.scrollY") > 0


def test_keyboard_reader_can_skip_to_content(demo, page):
    page.goto(demo + ARTICLE_PATH)

    page.keyboard.press("Tab")
    focused = page.evaluate(
        "({text: document.activeElement.textContent.trim(),"
        " href: document.activeElement.getAttribute('href')})"
    )
    assert focused == {"text": "Skip to content", "href": "#main"}
    assert page.get_by_role("link", name="Skip to content").is_visible()

    page.keyboard.press("Enter")

    page.wait_for_function("document.activeElement.id === 'main'", timeout=TIMEOUT_MS)
    assert page.evaluate("document.activeElement.tagName") == "MAIN"


def test_draft_is_not_found_for_a_reader(demo, page):
    response = page.goto(demo + DRAFT_PATH)

    assert response is not None
    assert response.status == 404
    assert page.get_by_role("heading", level=1, name="Page not found").is_visible()
    assert "Critical minerals" not in page.content()


@pytest.mark.parametrize(
    ("what", "path"),
    [
        ("the demo home page", "/"),
        ("the demo article and its seeded discussion", "/articles/the-compute-question/"),
        ("a long demo article", ARTICLE_PATH),
    ],
)
@pytest.mark.parametrize("width", [1280, 375], ids=["desktop", "phone"])
def test_demo_pages_have_no_axe_violations(demo, page, what, path, width):
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(demo + path)
    assert page.locator("h1").count() == 1
    axe_check(page, f"{what} at {width} px")
