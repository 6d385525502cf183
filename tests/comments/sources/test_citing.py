"""A comment cites its sources: through the form and the API, up to five, checked when sent;
a worker reads what each page says of itself; the daily re-check marks a page that went away;
and the page and the API show them."""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from comments.models import Comment, Source
from comments.sources import citing
from tests.comments.sources.conftest import page
from tests.factories import CommentFactory, UserFactory, comment_form

pytestmark = pytest.mark.django_db

ARTICLE_HTML = """<html><head><title>Fallback</title>
<meta property="og:title" content="Freight rates in 2026">
<meta property="og:site_name" content="Shipping Weekly">
<meta property="article:published_time" content="2026-10-04T08:00:00Z">
</head><body>Text</body></html>"""


@pytest.fixture
def news(site, allow, dns):
    """A news site on loopback, as news.example, that the fetcher may reach."""
    allow(site)
    dns["news.example"] = ["127.0.0.1"]
    site.routes["/freight"] = page(ARTICLE_HTML)
    return site


def _post(client, article, urls, titles=(), **fields):
    data = comment_form(**fields)
    data["source_url"] = list(urls)
    data["source_title"] = list(titles)
    return client.post(f"/articles/{article.slug}/comments/", data)


def test_the_form_offers_five_source_rows(client, article):
    html = client.get(article.get_absolute_url()).content.decode()
    assert html.count('name="source_url"') == 5
    assert '<label for="source-url-1">Source 1: web address</label>' in html


def test_sources_from_the_form_are_stored_in_order_and_filled_from_the_pages(
    client, article, news, django_capture_on_commit_callbacks
):
    url = news.url("/freight", name="news.example")
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, article, ["", url, "https://Example.ORG/a b"], ["", "", "Mine"])
    assert response.status_code == 302
    comment = Comment.objects.get()
    first, second = comment.sources.order_by("position")
    assert (first.position, first.url) == (1, url)
    assert (first.title, first.publisher, first.published) == (
        "Freight rates in 2026", "Shipping Weekly", date(2026, 10, 4),
    )  # fmt: skip
    assert first.status == "ok" and first.checked_at is not None
    # The reader's own title stays; the URL is kept in its plain spelling.
    assert (second.url, second.title) == ("https://example.org/a%20b", "Mine")


@pytest.mark.parametrize(
    ("urls", "message"),
    [
        (["ftp://example.org/file"], "Source 1:"),
        (["https://example.org/", "http://10.0.0.7/admin"], "Source 2:"),
        ([f"https://example.org/{n}" for n in range(6)], citing.TOO_MANY),
    ],
    ids=["not http", "private address", "six sources"],
)
def test_a_source_that_may_not_be_cited_is_a_form_error_and_nothing_is_stored(
    client, article, urls, message
):
    response = _post(client, article, urls, body="My words stay in the form.")
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "My words stay in the form." in html
    assert not Comment.objects.exists() and not Source.objects.exists()


def test_the_api_takes_sources_and_shows_them(article, news, django_capture_on_commit_callbacks):
    reader = UserFactory()
    client = Client()
    client.force_login(reader)
    url = news.url("/freight", name="news.example")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/articles/{article.slug}/comments/",
            {"body": "See the data.", "sources": [{"url": url}]},
            content_type="application/json",
        )
    assert response.status_code == 201, response.content
    [source] = response.json()["sources"]
    assert source["url"] == url and source["status"] == "pending"
    comment = Comment.objects.get()
    shown = client.get(f"/api/v1/comments/{comment.pk}/").json()["sources"]
    assert shown[0]["title"] == "Freight rates in 2026" and shown[0]["status"] == "ok"


def test_the_api_refuses_six_sources_or_a_private_address_with_json(article):
    client = Client()
    client.force_login(UserFactory())
    url = f"/api/v1/articles/{article.slug}/comments/"
    six = [{"url": f"https://example.org/{n}"} for n in range(6)]
    for sources in (six, [{"url": "http://10.0.0.7/"}], [{"url": "javascript:alert(1)"}]):
        response = client.post(
            url, {"body": "x", "sources": sources}, content_type="application/json"
        )
        assert response.status_code == 400, response.content
        assert response.json()["error"]["fields"]["sources"]
    assert not Comment.objects.exists()


def test_a_source_on_a_forbidden_address_is_never_fetched(article, make_site, settings):
    settings.COMMENT_SOURCES_ALLOW_LOOPBACK = set()
    forbidden = make_site()
    comment = CommentFactory(article=article)
    source = Source.objects.create(comment=comment, position=1, url=forbidden.url("/"))
    citing.check(source)
    assert source.status == "refused"
    assert not forbidden.contacted()


def test_a_source_that_goes_down_is_unreachable_after_three_daily_checks(article, news):
    comment = CommentFactory(article=article)
    url = news.url("/freight", name="news.example")
    source = Source.objects.create(comment=comment, position=1, url=url)
    start = timezone.now()
    citing.check(source, now=start)
    assert source.status == "ok"
    del news.routes["/freight"]  # the page is gone: 404 from now on
    for day in (1, 2):
        citing.check(source, now=start + timedelta(days=day))
        assert source.status == "ok"  # one or two bad days are not "unreachable"
    citing.check(source, now=start + timedelta(days=3))
    assert source.status == "unreachable"
    assert source.first_failed_at == start + timedelta(days=1)


def test_the_periodic_recheck_takes_what_is_due(article, news):
    comment = CommentFactory(article=article)
    url = news.url("/freight", name="news.example")
    old = Source.objects.create(
        comment=comment, position=1, url=url, checked_at=timezone.now() - timedelta(days=2)
    )
    fresh = Source.objects.create(
        comment=comment, position=2, url=url, checked_at=timezone.now(), status="ok"
    )
    never = Source.objects.create(comment=comment, position=3, url=url)
    assert citing.recheck_due() == 2
    old.refresh_from_db(), fresh.refresh_from_db(), never.refresh_from_db()
    assert old.checked_at > fresh.checked_at - timedelta(seconds=5)
    assert never.status == "ok"


def test_the_page_lists_sources_numbered_with_their_state(client, article):
    comment = CommentFactory(article=article)
    Source.objects.create(
        comment=comment, position=1, url="https://example.org/a?x=<b>", title='Rates & "risk"',
        publisher="Weekly", published=date(2026, 3, 2), status="ok",
    )  # fmt: skip
    Source.objects.create(
        comment=comment, position=2, url="https://gone.example/", status="unreachable",
        first_failed_at=timezone.now() - timedelta(days=3),
        archived_url="https://archive.example/gone",
    )  # fmt: skip
    html = client.get(article.get_absolute_url()).content.decode()
    assert f'<ol class="sources" aria-labelledby="comment-{comment.pk}-sources">' in html
    assert "Rates &amp; &quot;risk&quot;" in html and "<b>" not in html
    assert '<time datetime="2026-03-02">2 March 2026</time>' in html
    assert "unreachable since" in html and 'href="https://archive.example/gone"' in html
