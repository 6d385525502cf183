"""Every GET of the API carries a strong ETag; sent back, it answers 304 from at most two
queries, and anything the answer shows changing changes the tag."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from comments.models import Report
from comments.moderation import transitions
from comments.posting import services
from comments.threads.readers import Reader
from tests.factories import ArticleFactory, CommentFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db


def _tag(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    etag = response["ETag"]
    assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/")
    return etag


def _revalidates(client, url, etag, assert_queries, queries=2, **params):
    with assert_queries(queries):
        again = client.get(url, params, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304, again.content
    assert again.content == b"" and again["ETag"] == etag
    return again


@pytest.fixture
def listed(db):
    energy = TopicFactory(name="Energy")
    author = UserFactory(first_name="Jo", last_name="Writer")
    articles = [ArticleFactory(topics=[energy], authors=[author]) for _ in range(3)]
    CommentFactory(article=articles[0])
    return articles


# --- The article list --------------------------------------------------------------------------


def test_article_list_answers_304_from_two_queries(
    anonymous, listed, django_assert_max_num_queries
):
    etag = _tag(anonymous, "/api/v1/articles/")
    # the page of articles with their counts, their authors and topics
    again = _revalidates(anonymous, "/api/v1/articles/", etag, django_assert_max_num_queries)
    assert again["Cache-Control"] == "no-cache"
    assert (
        anonymous.get("/api/v1/articles/", HTTP_IF_NONE_MATCH=f'"other", W/{etag}').status_code
        == 304
    )


@pytest.mark.parametrize(
    "change",
    [
        "an article's title",
        "a topic's name",
        "a topic added to an article",
        "an author's name",
        "a new article",
        "a scheduled article going live",
        "a comment approved",
    ],
)
def test_article_list_tag_follows_what_the_list_shows(anonymous, listed, change):
    scheduled = ArticleFactory(status="scheduled", published_at=timezone.now() + timedelta(hours=1))
    before = _tag(anonymous, "/api/v1/articles/")
    first = listed[0]
    if change == "an article's title":
        first.title = "A new title"
        first.save()
    elif change == "a topic's name":
        first.topics.update(name="Power")
    elif change == "a topic added to an article":
        first.topics.add(TopicFactory(name="Chips"))
    elif change == "an author's name":
        first.authors.update(first_name="Joanna")
    elif change == "a new article":
        ArticleFactory()
    elif change == "a scheduled article going live":
        type(scheduled).objects.filter(pk=scheduled.pk).update(
            published_at=timezone.now() - timedelta(minutes=1)
        )
    elif change == "a comment approved":
        held = CommentFactory(article=first, status="pending")
        transitions.change_status(held, "approved", actor=UserFactory(is_staff=True))
    assert _tag(anonymous, "/api/v1/articles/") != before


def test_article_list_tag_follows_the_parameters_and_the_cursor(anonymous, listed):
    listed[0].topics.add(TopicFactory(name="Chips"))
    first_page = anonymous.get("/api/v1/articles/", {"page_size": 2}).json()
    tags = [
        _tag(anonymous, "/api/v1/articles/"),
        _tag(anonymous, "/api/v1/articles/", page_size=2),
        _tag(anonymous, first_page["next"]),
        _tag(anonymous, "/api/v1/articles/", topic="chips"),
        _tag(anonymous, "/api/v1/articles/", search="nothing-matches"),
    ]
    assert len(set(tags)) == len(tags)
    # a parameter that leaves the answer as it was leaves its tag too: the tag is the answer's
    assert _tag(anonymous, "/api/v1/articles/", topic="energy") == tags[0]


# --- One article -------------------------------------------------------------------------------


def test_article_detail_answers_304_from_two_queries(
    anonymous, listed, django_assert_max_num_queries
):
    url = f"/api/v1/articles/{listed[0].slug}/"
    # the article with its count, its authors and topics
    _revalidates(anonymous, url, _tag(anonymous, url), django_assert_max_num_queries)


@pytest.mark.parametrize(
    "change",
    ["its body", "its closing question", "a topic's name", "an author's name", "a comment"],
)
def test_article_detail_tag_follows_what_it_shows(anonymous, listed, change):
    article = listed[0]
    url = f"/api/v1/articles/{article.slug}/"
    before = _tag(anonymous, url)
    if change == "its body":
        article.body += "\n\nA late paragraph."
        article.save()
    elif change == "its closing question":
        article.discussion_prompt = "What did we miss?"
        article.save()
    elif change == "a topic's name":
        article.topics.update(name="Power")
    elif change == "an author's name":
        article.authors.update(last_name="Other")
    elif change == "a comment":
        CommentFactory(article=article)
    assert _tag(anonymous, url) != before


# --- A discussion, whole, as a tree, and as changes ---------------------------------------------


@pytest.mark.parametrize("suffix", ["comments/", "comments/tree/"])
def test_a_discussion_answers_304_from_two_queries_and_follows_its_comments(
    anonymous, article, django_assert_max_num_queries, suffix
):
    comment = CommentFactory(article=article)
    url = f"/api/v1/articles/{article.slug}/{suffix}"
    etag = _tag(anonymous, url)
    # the article, the discussion's version
    _revalidates(anonymous, url, etag, django_assert_max_num_queries)
    transitions.change_status(
        comment, "removed", actor=UserFactory(is_staff=True), reason="off topic"
    )
    assert _tag(anonymous, url) != etag


def test_the_thread_and_its_tree_have_different_tags(anonymous, article):
    CommentFactory(article=article)
    base = f"/api/v1/articles/{article.slug}/comments/"
    assert _tag(anonymous, base) != _tag(anonymous, base + "tree/")


def test_a_page_of_changes_answers_304_from_three_queries_and_follows_them(
    anonymous, article, settings, django_assert_max_num_queries
):
    settings.API_FEED_LAG_SECONDS = 0
    url = f"/api/v1/articles/{article.slug}/comments/"
    cursor = anonymous.get(url).json()["cursor"]
    first = CommentFactory(article=article)
    CommentFactory(article=article)
    etag = _tag(anonymous, url, since=cursor)
    # the article, the page of changes, their sources
    _revalidates(anonymous, url, etag, django_assert_max_num_queries, queries=3, since=cursor)
    transitions.change_status(
        first, "removed", actor=UserFactory(is_staff=True), reason="off topic"
    )
    assert _tag(anonymous, url, since=cursor) != etag
    assert _tag(anonymous, url, since=cursor, limit=1) != _tag(anonymous, url, since=cursor)


# --- One comment -------------------------------------------------------------------------------


def test_one_comment_answers_304_from_three_queries_and_follows_its_text(
    anonymous, article, django_assert_max_num_queries
):
    author = UserFactory()
    comment = CommentFactory(article=article, user=author, body="First words.")
    url = f"/api/v1/comments/{comment.pk}/"
    etag = _tag(anonymous, url)
    # the comment with its article, its author's badges, its sources
    _revalidates(anonymous, url, etag, django_assert_max_num_queries, queries=3)
    services.edit_comment(
        comment=comment, reader=Reader(user=author, browser="x"), body="Second words."
    )
    assert _tag(anonymous, url) != etag


def test_one_comment_tag_follows_its_article_and_its_reader(anonymous, member_api, member):
    held = CommentFactory(user=member, status="pending")
    article = held.article
    url = f"/api/v1/comments/{held.pk}/"
    mine = member_api.get(url)
    assert mine.status_code == 200 and mine["Cache-Control"] == "private, no-cache"
    assert anonymous.get(url, HTTP_IF_NONE_MATCH=mine["ETag"]).status_code == 404
    approved = CommentFactory(article=article)
    before = _tag(anonymous, f"/api/v1/comments/{approved.pk}/")
    type(article).objects.filter(pk=article.pk).update(slug="renamed")
    assert _tag(anonymous, f"/api/v1/comments/{approved.pk}/") != before


# --- The moderation queue ----------------------------------------------------------------------


def _queries_beyond_authentication(captured) -> list[str]:
    """What a request cost once its token was looked up and the moderator's permissions read."""
    own = ("comments_apitoken", "auth_permission", "auth_user_groups")
    return [q["sql"] for q in captured if not any(table in q["sql"] for table in own)]


def test_the_moderation_queue_answers_304_from_two_queries_beyond_the_moderator(
    moderator_api, article
):
    CommentFactory.create_batch(3, article=article, status="pending")
    url = "/api/v1/moderation/queue/"
    etag = _tag(moderator_api, url)
    with CaptureQueriesContext(connection) as captured:
        again = moderator_api.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["Cache-Control"] == "private, no-cache"
    # the page of the queue with its report counts
    assert len(_queries_beyond_authentication(captured)) <= 2, captured.captured_queries


@pytest.mark.parametrize("change", ["a new held comment", "a decision", "a report", "the queue"])
def test_the_moderation_queue_tag_follows_what_it_shows(moderator_api, article, change):
    held = CommentFactory(article=article, status="pending")
    url = "/api/v1/moderation/queue/"
    before = _tag(moderator_api, url)
    if change == "a new held comment":
        CommentFactory(article=article, status="pending")
    elif change == "a decision":
        transitions.change_status(held, "approved", actor=UserFactory(is_staff=True))
    elif change == "a report":
        Report.objects.create(comment=held, reason="abuse", reporter_key="browser:x")
    if change == "the queue":
        assert _tag(moderator_api, url, queue="reported") != before
    else:
        assert _tag(moderator_api, url) != before
