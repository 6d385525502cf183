"""Two gunicorn nodes, one PostgreSQL, one Redis: a reader cannot tell which node answered.

Both nodes run the web unit's command with production settings, behind an imagined load
balancer (each request says X-Forwarded-Proto: https, as nginx does). They share nothing
but the database and Redis (cache, rate limits and broker), as two machines would.
"""

import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from allauth.account.models import EmailAddress
from django.conf import global_settings

from comments.models import ApiToken, Comment
from tests.factories import ArticleFactory, CommentFactory, UserFactory, moderator_user
from tests.services import wait_for

pytestmark = pytest.mark.integration

BEHIND_TLS = {"X-Forwarded-Proto": "https"}
PUBLIC_WITHIN = 1.0  # seconds from a moderator's approval on A to the comment on B's page


class _Browser(requests.Session):
    """A browser as the nodes see it through the balancer: its Secure cookies come back over
    the plain HTTP between balancer and node."""

    def __init__(self):
        super().__init__()
        self.trust_env = False
        self.headers.update(BEHIND_TLS)

    def request(self, *args, **kwargs):
        response = super().request(*args, **kwargs)
        for cookie in self.cookies:
            cookie.secure = False
        return response


def _browser() -> requests.Session:
    return _Browser()


@pytest.fixture
def two_nodes(web_nodes):
    return web_nodes.start(), web_nodes.start()


def test_a_comment_approved_on_one_node_is_public_on_the_other_within_a_second(two_nodes):
    node_a, node_b = two_nodes
    article = ArticleFactory()
    body = f"Held, then approved {uuid.uuid4().hex}"
    held = CommentFactory(article=article, body=body, status=Comment.Status.PENDING)
    page_url = f"{node_b.url}{article.get_absolute_url()}"
    reader = _browser()
    # B has rendered (and may have cached) the page without it, in each of its workers.
    with ThreadPoolExecutor(4) as pool:
        before = list(pool.map(lambda _: _browser().get(page_url), range(4)))
    assert [page.status_code for page in before] == [200] * 4, node_b.log()[-3000:]
    assert not any(body in page.text for page in before)

    _, key = ApiToken.issue(moderator_user(username="mod"), "test")
    decision = requests.post(
        f"{node_a.url}/api/v1/moderation/comments/{held.pk}/decision/",
        json={"to": "approved"},
        headers={**BEHIND_TLS, "Authorization": f"Bearer {key}"},
        timeout=10,
    )
    assert decision.status_code == 200, decision.text
    approved_at = time.monotonic()

    while body not in reader.get(page_url).text:
        assert time.monotonic() - approved_at < PUBLIC_WITHIN, "B still hides the comment"
        time.sleep(0.05)


def _csrf(page: requests.Response) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert found, "the page carries no CSRF token"
    return found.group(1)


def test_a_reader_signed_in_on_one_node_is_signed_in_on_the_other(two_nodes, settings):
    node_a, node_b = two_nodes
    # The nodes check passwords with the production hashers, not the tests' fast one.
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    user = UserFactory(username="traveller")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    settings_page = "/accounts/notifications/"  # for signed-in readers only
    assert _browser().get(f"{node_b.url}{settings_page}", allow_redirects=False).status_code == 302

    browser = _browser()
    login = f"{node_a.url}/accounts/login/"
    signed_in = browser.post(
        login,
        data={
            "csrfmiddlewaretoken": _csrf(browser.get(login)),
            "login": "traveller",
            "password": "correct horse battery staple",
        },
        headers={"Referer": login.replace("http://", "https://")},
        allow_redirects=False,
    )
    assert signed_in.status_code == 302, re.sub(r"\s+", " ", signed_in.text)[-6000:]

    on_b = browser.get(f"{node_b.url}{settings_page}", allow_redirects=False)
    assert on_b.status_code == 200, on_b.headers
    assert "traveller" in on_b.text


def test_the_change_feed_reads_the_same_from_either_node(two_nodes):
    node_a, node_b = two_nodes
    article = ArticleFactory()
    approved = CommentFactory.create_batch(3, article=article)
    held = CommentFactory(article=article, status=Comment.Status.PENDING)
    feed = f"/api/v1/articles/{article.slug}/comments/"
    start = requests.get(f"{node_a.url}{feed}", headers=BEHIND_TLS, timeout=10).json()
    assert start["count"] == 3

    _, key = ApiToken.issue(moderator_user(username="mod"), "test")
    decision = requests.post(
        f"{node_b.url}/api/v1/moderation/comments/{held.pk}/decision/",
        json={"to": "approved"},
        headers={**BEHIND_TLS, "Authorization": f"Bearer {key}"},
        timeout=10,
    )
    assert decision.status_code == 200, decision.text

    def changes_from(node) -> dict:
        response = requests.get(
            f"{node.url}{feed}", params={"since": start["cursor"]}, headers=BEHIND_TLS, timeout=10
        )
        assert response.status_code == 200, response.text
        return response.json()

    # The feed holds back the last moments (API_FEED_LAG_SECONDS) before it tells of them:
    # once the approval is told, so is everything before it (the three just written, too).
    from_a = wait_for(
        lambda: (
            (page := changes_from(node_a))
            and held.pk in [change["id"] for change in page["changes"]]
            and page
        ),
        timeout=10,
        what="the approval in the change feed",
    )
    assert {change["id"] for change in from_a["changes"]} <= {held.pk, *(c.pk for c in approved)}
    assert changes_from(node_b) == from_a
    again = requests.get(
        f"{node_b.url}{feed}", params={"since": from_a["cursor"]}, headers=BEHIND_TLS, timeout=10
    ).json()
    assert again["changes"] == []
