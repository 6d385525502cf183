"""Playwright fixtures shared by the browser tests.

Chromium from the system (never a downloaded one) drives pytest-django's live server. One
browser per test module; every test gets fresh, isolated contexts (cookies, storage), so a
test can play several readers at once by asking `new_context` for more than one.
"""

import os

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect, sync_playwright

from tests.services import chromium_path

# Playwright's sync API keeps an event loop in this thread, which makes Django refuse
# database access from it (SynchronousOnlyOperation) unless told it is safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

TIMEOUT_MS = 15_000
VIEWPORT = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}  # where layouts that depend on width are checked too
# The rules of WCAG 2.2 at levels A and AA, as axe-core tags them; nothing else.
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# Assertions that wait (expect(...).to_...) wait as long as actions do.
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="module")
def browser():
    executable = chromium_path()
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=executable,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def new_context(browser):
    """Make a browser context (one reader); all are closed when the test ends.

    Keyword arguments go to `browser.new_context`, e.g. `java_script_enabled=False`.
    """
    contexts = []

    def make(**options):
        options.setdefault("viewport", VIEWPORT)
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    try:
        yield make
    finally:
        for context in contexts:
            context.close()


@pytest.fixture
def page(new_context):
    """A page in a fresh context of its own, with JavaScript on."""
    return new_context().new_page()


def axe_check(page, what: str) -> None:
    """Fail, listing each violation and its elements, if axe-core finds WCAG 2.2 AA faults."""
    options = {"runOnly": {"type": "tag", "values": WCAG_22_AA}, "resultTypes": ["violations"]}
    results = Axe().run(page, options=options)
    assert results.violations_count == 0, (
        f"axe-core on {what}:\n{results.generate_snapshot()}\n{results.generate_report()}"
    )


def select_words(page, within: str, start: str, end: str | None = None) -> str:
    """Select, inside the element matching CSS `within`, from the words `start` to the end
    of the words `end` (or just `start`), as a reader dragging over them would; wait for the
    browser to tell the page the selection changed; return what is selected."""
    selected = page.evaluate(
        """([within, start, end]) => new Promise((resolve) => {
            const root = document.querySelector(within);
            const find = (words) => {
                const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
                for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                    const at = node.data.indexOf(words);
                    if (at >= 0) return [node, at];
                }
                return [null, -1];
            };
            if (!root) { resolve(null); return; }
            const [first, from] = find(start);
            const [last, at] = find(end);
            if (!first || !last) { resolve(null); return; }
            document.addEventListener(
                "selectionchange", () => resolve(window.getSelection().toString()), {once: true}
            );
            const range = document.createRange();
            range.setStart(first, from);
            range.setEnd(last, at + end.length);
            window.getSelection().removeAllRanges();
            window.getSelection().addRange(range);
        })""",
        [within, start, end or start],
    )
    assert selected, f"{start!r} or {end!r} is not in {within}"
    return selected


# Runs before any page script, outside the page's policy, and keeps what the browser reports.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI} ${where}`);
});
"""


class Watch:
    """Everything the browser says about the page's policy, and any uncaught error."""

    def __init__(self, context):
        context.add_init_script(RECORD_VIOLATIONS)
        self.page = context.new_page()
        self.messages: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.messages.append(f"page error: {error}"))

    def _console(self, message) -> None:
        text = message.text
        if message.type == "error" or "Content Security Policy" in text or "Refused to" in text:
            self.messages.append(f"{message.type}: {text} ({self.page.url})")

    def visit(self, url: str) -> None:
        response = self.page.goto(url)
        assert response.ok, f"{url}: {response.status}"
        assert (
            "'unsafe-inline'"
            not in response.headers["content-security-policy"].split("script-src")[1].split(";")[0]
        )
        self.page.wait_for_load_state("networkidle")
        self.check()

    def answered(self, status: int) -> None:
        """The page was meant to answer `status` (a form sent back with its errors): the
        console line the browser logs for that is no fault of the page."""
        logged = f"error: Failed to load resource: the server responded with a status of {status} "
        self.messages = [
            line
            for line in self.messages
            if not (line.startswith(logged) and line.endswith(f"({self.page.url})"))
        ]

    def check(self) -> None:
        violations = self.page.evaluate("window.__violations")
        assert violations == [], f"{self.page.url}: {violations}"
        assert self.messages == [], "\n".join(self.messages)
