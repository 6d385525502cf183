"""A reader in a real browser follows an article's revisions to what changed, on the demo
content (one demo article is published, then revised, by `load_demo`)."""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, axe_check

pytestmark = pytest.mark.browser

ARTICLE_PATH = "/articles/the-strait-and-the-spreadsheet/"


@pytest.fixture
def demo(transactional_db, live_server):
    call_command("load_demo", force=True, stdout=io.StringIO())
    return live_server.url


def test_reader_goes_from_the_article_to_what_changed(demo, page):
    page.goto(demo + ARTICLE_PATH)
    page.locator(".article__header").get_by_role("link", name="2 revisions").click()

    page.wait_for_url("**" + ARTICLE_PATH + "revisions/")
    table = page.get_by_role("table", name="Revisions, newest first")
    expect(table.get_by_role("row")).to_have_count(3)  # the header and two revisions
    expect(table).to_contain_text("Sharpened the standfirst")
    axe_check(page, "the list of revisions")

    table.get_by_role("link", name="What changed in revision 2").click()

    page.wait_for_url("**/revisions/compare/?from=1&to=2")
    diff = page.get_by_role("region", name="From revision 1")
    expect(diff.get_by_role("insertion").first).to_be_visible()
    inserted = diff.get_by_role("insertion").filter(has_text="carrier alliances")
    expect(inserted).to_have_count(1)
    deleted = diff.get_by_role("deletion").filter(has_text="Predicting the next disruption")
    expect(deleted).to_have_count(1)
    # struck through and underlined, not told apart by colour alone
    assert "line-through" in deleted.evaluate("el => getComputedStyle(el).textDecorationLine")
    assert "underline" in inserted.evaluate("el => getComputedStyle(el).textDecorationLine")
    # what a screen reader hears, and a sighted reader does not see
    assert deleted.text_content().startswith("deleted: Predicting")
    assert deleted.text_content().endswith("end of deletion")
    labels = deleted.locator(".visually-hidden")
    expect(labels).to_have_count(2)
    for index in range(2):
        box = labels.nth(index).bounding_box()
        assert box is not None and box["width"] <= 1 and box["height"] <= 1
    axe_check(page, "the comparison of two revisions")


def test_reader_chooses_two_revisions_to_compare(demo, page):
    page.goto(demo + ARTICLE_PATH + "revisions/compare/")
    page.get_by_label("From revision", exact=True).select_option("2")
    page.get_by_label("To revision", exact=True).select_option("1")
    page.get_by_role("button", name="Compare").click()

    page.wait_for_url("**/revisions/compare/?from=2&to=1")
    diff = page.get_by_role("region", name="From revision 2")
    expect(diff.get_by_role("deletion").filter(has_text="carrier alliances")).to_have_count(1)

    page.get_by_label("To revision", exact=True).select_option("2")
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose two different revisions")
    axe_check(page, "the comparison form with an error")


@pytest.mark.parametrize("width", [1280, 375], ids=["desktop", "phone"])
def test_an_earlier_revision_reads_like_the_article(demo, page, width):
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(demo + ARTICLE_PATH + "revisions/1/")

    expect(page.get_by_role("note")).to_contain_text("Revision 1 of 2")
    expect(page.locator(".prose")).to_contain_text("Predicting the next disruption")
    axe_check(page, f"revision 1 at {width} px")


@pytest.mark.parametrize(
    "path", ["revisions/", "revisions/compare/?from=1&to=2"], ids=["list", "comparison"]
)
def test_revision_pages_fit_a_phone(demo, page, path):
    page.set_viewport_size(PHONE)
    page.goto(demo + ARTICLE_PATH + path)

    # wide content scrolls inside its own region; the page itself never scrolls sideways
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    axe_check(page, f"{path} on a phone")
