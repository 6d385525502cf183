"""The shared page cache (config/pagecache.py): who is served a copy, when it goes out of
date, HTTP validators, one render for a cold page, and pages without the cache server."""

import re
import threading
import time

import pytest
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import override_settings

from articles.services import save_article
from comments.models import Comment, ModerationSettings
from comments.moderation import transitions
from comments.posting import services as posting
from comments.threads.readers import Reader
from config import pagecache
from tests.factories import ArticleFactory, CommentFactory, UserFactory, comment_form
from tests.services import free_port, redis_url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.PAGE_CACHE_ENABLED = True


def _fixed(body: bytes) -> bytes:
    """The page without the values made for each response."""
    return re.sub(rb'(name="(?:csrfmiddlewaretoken|shown_at)" value=)"[^"]+"', rb"\1", body)


def _get(url, client=None, **headers):
    return (client or Client()).get(url, headers=headers)


def test_second_anonymous_read_is_a_hit_without_queries(django_assert_num_queries, article):
    CommentFactory.create_batch(3, article=article)
    first = _get(article.get_absolute_url())
    assert first.wsgi_request.cache_hit is False

    with django_assert_num_queries(0):
        second = _get(article.get_absolute_url())

    assert second.wsgi_request.cache_hit is True
    assert _fixed(second.content) == _fixed(first.content)
    assert "Content-Security-Policy" in second.headers
    assert "nonce-" not in second["Content-Security-Policy"]


def test_home_hit_is_public_with_validators(django_assert_num_queries, article):
    _get("/")
    with django_assert_num_queries(0):
        hit = _get("/")
    assert hit.wsgi_request.cache_hit is True
    assert "public" in hit["Cache-Control"] and "max-age=15" in hit["Cache-Control"]
    assert hit["ETag"].startswith('W/"') and hit["Last-Modified"]
    assert "Cookie" in hit["Vary"]
    assert "Set-Cookie" not in hit.headers


@pytest.mark.parametrize(
    ("method", "query", "cookies", "headers", "shared"),
    [
        ("get", "", {}, {}, True),
        ("head", "", {}, {}, True),
        ("get", "?cpage=2&order=newest", {}, {}, True),
        ("get", "?utm_source=social&fbclid=x", {}, {}, True),
        ("get", "", {"csrftoken": "x" * 32}, {}, True),
        ("post", "", {}, {}, False),
        ("get", "?replytocom=4", {}, {}, False),
        ("get", "?quote=1", {}, {}, False),
        ("get", "?anything=else", {}, {}, False),
        ("get", "?referrer=x", {}, {}, False),
        ("get", "", {"sessionid": "abc"}, {}, False),
        ("get", "", {"messages": "abc"}, {}, False),
        ("get", "", {"commenter": "abc"}, {}, False),
        ("get", "", {}, {"authorization": "Token abc"}, False),
    ],
)
def test_who_may_share_an_article_page(method, query, cookies, headers, shared):
    request = getattr(RequestFactory(), method)(f"/articles/a/{query}", headers=headers)
    request.COOKIES.update(cookies)
    assert pagecache.is_shared(request, pagecache.ARTICLE) is shared


def test_a_browser_that_wrote_a_comment_is_not_shared(client, article):
    response = client.post(f"/articles/{article.slug}/comments/", comment_form())
    assert response.status_code == 302
    request = RequestFactory().get(article.get_absolute_url())
    request.COOKIES["discussion"] = client.cookies["discussion"].value  # its comment's id
    assert pagecache.is_shared(request, pagecache.ARTICLE) is False


def test_pending_comment_never_reaches_another_reader(client, article):
    _get(article.get_absolute_url())  # a copy exists before the comment
    client.post(f"/articles/{article.slug}/comments/", comment_form(body="Only mine for now."))
    assert Comment.objects.get().status == Comment.Status.PENDING
    client.cookies.pop("commenter", None)  # deleted (details not saved): the browser drops it

    mine = client.get(article.get_absolute_url())
    assert mine.wsgi_request.cache_hit is False
    assert "Only mine for now." in mine.content.decode()
    assert "private" in mine["Cache-Control"]
    for _ in range(2):  # the copy there was, then the copy made afterwards
        other = _get(article.get_absolute_url())
        assert "Only mine for now." not in other.content.decode()
        assert "awaiting moderation" not in other.content.decode()


def test_saved_details_never_reach_another_reader(client, article):
    details = comment_form(email="ann.saved@example.com", save_details="on")
    client.post(f"/articles/{article.slug}/comments/", details)
    client.cookies.pop("discussion", None)  # only the saved details remain
    mine = client.get(article.get_absolute_url())  # the first render of the page
    assert "ann.saved@example.com" in mine.content.decode()
    for _ in range(2):
        assert "ann.saved@example.com" not in _get(article.get_absolute_url()).content.decode()


def test_head_is_answered_from_the_copy(django_assert_num_queries, article):
    _get(article.get_absolute_url())
    with django_assert_num_queries(0):
        head = Client().head(article.get_absolute_url())
    assert head.status_code == 200 and head.wsgi_request.cache_hit is True


def test_signed_in_reader_gets_their_own_render(client, article):
    _get(article.get_absolute_url())
    client.force_login(UserFactory())
    page = client.get(article.get_absolute_url())
    assert page.wsgi_request.cache_hit is False
    assert "private" in page["Cache-Control"] and "no-cache" in page["Cache-Control"]
    assert "Sign out" in page.content.decode()
    assert "Sign out" not in _get(article.get_absolute_url()).content.decode()


def test_messages_are_never_cached(client, article):
    comment = CommentFactory(article=article)
    client.post(f"/comments/{comment.pk}/report/", {"reason": "spam", "note": ""})
    page = client.get(article.get_absolute_url())
    assert "The moderators will look at this comment." in page.content.decode()
    assert page.wsgi_request.cache_hit is False
    for _ in range(2):
        assert "The moderators will look" not in _get(article.get_absolute_url()).content.decode()


def test_a_render_with_messages_is_not_stored(rf):
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore

    request = rf.get("/")
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    request._messages.add(20, "for this reader alone")
    assert not pagecache._is_storable(request, HttpResponse("page"))


def test_a_render_that_wrote_to_the_session_or_used_a_nonce_is_not_stored(rf):
    from django.contrib.sessions.backends.db import SessionStore

    request = rf.get("/")
    request.session = SessionStore()
    assert pagecache._is_storable(request, HttpResponse("page"))
    request.session["seen"] = True
    assert not pagecache._is_storable(request, HttpResponse("page"))
    nonced = rf.get("/")
    nonced._csp_nonce = "abc"
    assert not pagecache._is_storable(nonced, HttpResponse("page"))


def test_csrf_token_is_made_for_each_reader(article):
    _get(article.get_absolute_url())
    for _ in range(2):
        reader = Client(enforce_csrf_checks=True)
        page = reader.get(article.get_absolute_url())
        assert page.wsgi_request.cache_hit is True
        assert "private" in page["Cache-Control"]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]
        preview = reader.post(
            f"/articles/{article.slug}/comments/preview/",
            {**comment_form(), "csrfmiddlewaretoken": token},
        )
        assert preview.status_code != 403


def test_each_reader_of_a_copy_gets_a_form_shown_now(article):
    from comments.forms import seconds_since_shown

    def shown(page) -> str:
        return re.search(r'name="shown_at" value="([^"]+)"', page.content.decode())[1]

    first = shown(_get(article.get_absolute_url()))
    time.sleep(1.1)
    hit = _get(article.get_absolute_url())
    assert hit.wsgi_request.cache_hit is True
    assert shown(hit) != first and seconds_since_shown(shown(hit)) < 1


def test_approving_a_comment_changes_the_page(article):
    comment = CommentFactory(article=article, status=Comment.Status.PENDING, body="Now public.")
    assert "Now public." not in _get(article.get_absolute_url()).content.decode()
    transitions.change_status(comment, Comment.Status.APPROVED)
    page = _get(article.get_absolute_url())
    assert page.wsgi_request.cache_hit is False
    assert "Now public." in page.content.decode()


def test_removing_and_editing_change_the_page(article):
    author = UserFactory()
    comment = CommentFactory(article=article, user=author, body="First words.")
    _get(article.get_absolute_url())
    posting.edit_comment(comment=comment, reader=Reader(user=author, browser="b"), body="Second.")
    assert "Second." in _get(article.get_absolute_url()).content.decode()
    transitions.change_status(comment, Comment.Status.REMOVED, reason="off topic")
    assert "Second." not in _get(article.get_absolute_url()).content.decode()


def test_comment_feeds_are_shared_and_follow_edits(django_assert_num_queries, article):
    author = UserFactory()
    comment = CommentFactory(article=article, user=author, body="Feed words.")
    feeds = [f"/articles/{article.slug}/comments/feed/rss/", "/comments/latest/feed/atom/"]
    for url in feeds:
        assert "Feed words." in _get(url).content.decode()
        with django_assert_num_queries(0):
            assert _get(url).wsgi_request.cache_hit is True
    posting.edit_comment(comment=comment, reader=Reader(user=author, browser="b"), body="Edited.")
    for url in feeds:
        assert "Edited." in _get(url).content.decode()


def test_votes_reach_the_page_within_the_lag(settings, article):
    comment = CommentFactory(article=article)
    _get(article.get_absolute_url())
    posting.mark_useful(comment_id=comment.pk, reader=Reader(user=UserFactory(), browser="b"))
    assert _get(article.get_absolute_url()).wsgi_request.cache_hit is True  # within the lag
    settings.PAGE_CACHE_VOTE_LAG_SECONDS = 0
    assert _get(article.get_absolute_url()).wsgi_request.cache_hit is False


def test_a_revision_and_the_moderation_settings_change_every_page(article):
    _get("/"), _get(article.get_absolute_url())
    article.title = "A new title"
    save_article(article=article, editor=None)
    home = _get("/")
    assert home.wsgi_request.cache_hit is False and "A new title" in home.content.decode()
    _get(article.get_absolute_url())
    settings_row = ModerationSettings.current()
    settings_row.save()
    assert _get(article.get_absolute_url()).wsgi_request.cache_hit is False


def test_other_articles_keep_their_copies(article):
    other = ArticleFactory()
    _get(other.get_absolute_url())
    CommentFactory(article=article, status=Comment.Status.PENDING)
    transitions.change_status(Comment.objects.get(), Comment.Status.APPROVED)
    assert _get(other.get_absolute_url()).wsgi_request.cache_hit is True


def test_conditional_request_is_answered_304_without_rendering(django_assert_num_queries, article):
    home = _get("/")
    with django_assert_num_queries(0):
        again = _get("/", if_none_match=home["ETag"])
    assert again.status_code == 304 and again.wsgi_request.cache_hit is True
    with django_assert_num_queries(0):
        since = _get("/", if_modified_since=home["Last-Modified"])
    assert since.status_code == 304


def test_article_page_with_a_form_revalidates_per_csrf_cookie(django_assert_num_queries, article):
    reader = Client()
    page = reader.get(article.get_absolute_url())
    with django_assert_num_queries(0):
        again = reader.get(article.get_absolute_url(), headers={"if-none-match": page["ETag"]})
    assert again.status_code == 304
    stranger = _get(article.get_absolute_url(), if_none_match=page["ETag"])
    assert stranger.status_code == 200  # another cookie: its own token, not a 304


def test_a_changed_page_is_not_304(article):
    home = _get("/")
    save_article(article=article, editor=None)
    assert _get("/", if_none_match=home["ETag"]).status_code == 200


def test_cold_page_is_rendered_once_for_many_readers():
    renders = []

    def render():
        renders.append(1)
        time.sleep(0.3)
        return HttpResponse(b"<p>page</p>")

    answers = []

    def read():
        request = RequestFactory().get("/")
        answers.append(pagecache._serve(request, pagecache.LISTING, render, {}).content)

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(renders) == 1
    assert answers == [b"<p>page</p>"] * 8


def test_outdated_copy_is_served_while_one_reader_renders():
    request = RequestFactory().get("/")
    pagecache._serve(request, pagecache.LISTING, lambda: HttpResponse(b"old"), {})
    pagecache._bump([pagecache.SITE])
    cache.add(pagecache._page_key(request, pagecache.LISTING) + ":lock", 1, 10)  # one renders
    answer = pagecache._serve(request, pagecache.LISTING, lambda: HttpResponse(b"new"), {})
    assert answer.content == b"old" and request.cache_hit is True


@pytest.fixture
def cache_server_down():
    closed = f"redis://127.0.0.1:{free_port()}/0"
    caches = {"default": {"BACKEND": "config.cache.TolerantRedisCache", "LOCATION": closed}}
    with override_settings(CACHES=caches):
        yield


def test_pages_render_and_posts_work_without_the_cache_server(cache_server_down, article):
    for _ in range(2):
        page = _get(article.get_absolute_url())
        assert page.status_code == 200 and page.wsgi_request.cache_hit is False
    reader = Client()
    posted = reader.post(f"/articles/{article.slug}/comments/", comment_form())
    assert posted.status_code == 302
    assert Comment.objects.count() == 1
    assert list(get_messages(posted.wsgi_request)) == []


@pytest.mark.integration
def test_hits_come_from_redis_without_queries(django_assert_num_queries, article):
    caches = {"default": {"BACKEND": "config.cache.TolerantRedisCache", "LOCATION": redis_url()}}
    with override_settings(CACHES=caches):
        cache.clear()
        first = _get(article.get_absolute_url())
        pagecache._local.copies.clear()  # as another process would: only Redis has it
        with django_assert_num_queries(0):
            hit = _get(article.get_absolute_url())
        assert hit.wsgi_request.cache_hit is True
        assert _fixed(hit.content) == _fixed(first.content)
        cache.clear()


def test_process_copies_keep_to_their_byte_limit():
    local = pagecache._LocalCopies(limit=10)
    for name in "abc":
        local.put(name, pagecache._Copy((1,), 0.0, "text/html", (b"1234",)))
    assert list(local.copies) == ["b", "c"] and local.size == 8
