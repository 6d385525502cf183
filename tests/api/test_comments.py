import hashlib

import pytest
from django.utils import timezone

from articles.models import Article
from comments.models import ApiToken, Comment, ModerationEvent, Report, UsefulVote
from comments.models.api import hash_key
from tests.api.conftest import client_for
from tests.factories import ArticleFactory, CommentFactory, UserFactory, moderator_user

pytestmark = pytest.mark.django_db


def _thread(client, article, **params):
    return client.get(f"/api/v1/articles/{article.slug}/comments/", params)


def test_thread_is_flat_in_thread_order_with_tombstones_and_no_private_data(anonymous, article):
    first = CommentFactory(article=article, author_email="a@example.com", ip_address="203.0.113.1")
    reply = CommentFactory(parent=first)
    gone = CommentFactory(article=article, status="deleted", body="withdrawn words")
    under_gone = CommentFactory(parent=gone)
    CommentFactory(article=article, status="pending", body="not yet")
    CommentFactory(article=article, status="spam", body="buy now")

    response = _thread(anonymous, article)

    body = response.json()
    assert [c["id"] for c in body["comments"]] == [first.pk, reply.pk, gone.pk, under_gone.pk]
    assert [c["depth"] for c in body["comments"]] == [0, 1, 0, 1]
    assert body["comments"][1]["parent"] == first.pk
    tomb = body["comments"][2]
    assert (tomb["status"], tomb["author"], tomb["html"]) == ("deleted", None, None)
    assert body["count"] == 3
    raw = response.content.decode()
    for secret in ("a@example.com", "203.0.113.1", "withdrawn words", "not yet", "buy now"):
        assert secret not in raw


def test_tree_nests_replies(anonymous, article):
    root = CommentFactory(article=article)
    reply = CommentFactory(parent=root)
    CommentFactory(parent=reply)
    tree = anonymous.get(f"/api/v1/articles/{article.slug}/comments/tree/").json()
    assert tree[0]["id"] == root.pk
    assert tree[0]["replies"][0]["replies"][0]["depth"] == 2


@pytest.mark.parametrize("order", ["oldest", "useful"])
@pytest.mark.parametrize("count", [10, 1000])
def test_thread_queries_do_not_grow_with_the_discussion(
    anonymous, django_assert_max_num_queries, count, order
):
    article = ArticleFactory()
    from comments.threads.seeding import seed_discussion

    seed_discussion(article, count)
    voters = UserFactory.create_batch(2)
    UsefulVote.objects.bulk_create(
        UsefulVote(comment=comment, voter=voter)
        for comment in Comment.objects.filter(article=article)
        for voter in voters
    )
    Comment.objects.filter(article=article).update(
        useful_count=2, picked_at=timezone.now(), pick_note="Picked.", mentions=["bo", "cy"]
    )
    # Accounts with badges among the commenters.
    for user in (*article.authors.all(), moderator_user(username="mod"), *voters):
        CommentFactory(article=article, user=user)
    count += len(voters) + 2
    # article, fingerprint (ETag), the whole thread, and the badges of its accounts and the
    # sources it cites (a small query each, so that the thread's query of 10,000 rows has no
    # subquery per row)
    with django_assert_max_num_queries(5):
        response = _thread(anonymous, article, order=order)
    assert len(response.json()["comments"]) == count
    assert {c["useful_count"] for c in response.json()["comments"]} == {0, 2}
    assert {tuple(c["mentions"]) for c in response.json()["comments"]} == {(), ("bo", "cy")}
    assert {tuple(c["badges"]) for c in response.json()["comments"]} == {
        (),
        ("author",),
        ("moderator",),
    }


def test_unchanged_thread_answers_304_from_two_queries(
    anonymous, article, django_assert_max_num_queries
):
    CommentFactory.create_batch(5, article=article)
    first = _thread(anonymous, article)
    etag, modified = first["ETag"], first["Last-Modified"]

    with django_assert_max_num_queries(2):
        again = anonymous.get(f"/api/v1/articles/{article.slug}/comments/", HTTP_IF_NONE_MATCH=etag)
    by_date = anonymous.get(
        f"/api/v1/articles/{article.slug}/comments/", HTTP_IF_MODIFIED_SINCE=modified
    )

    assert again.status_code == 304 and again.content == b""
    assert by_date.status_code == 304
    CommentFactory(article=article)
    assert (
        anonymous.get(
            f"/api/v1/articles/{article.slug}/comments/", HTTP_IF_NONE_MATCH=etag
        ).status_code
        == 200
    )


def test_one_comment_links_to_its_thread(anonymous, article):
    comment = CommentFactory(article=article)
    body = anonymous.get(f"/api/v1/comments/{comment.pk}/").json()
    assert body["article"] == article.slug and body["url"] == f"/comments/{comment.pk}/"
    held = CommentFactory(article=article, status="pending")
    assert anonymous.get(f"/api/v1/comments/{held.pk}/").status_code == 404
    assert anonymous.get("/api/v1/comments/-1/").status_code == 404


# --- Writing ----------------------------------------------------------------------------------


def test_anonymous_clients_cannot_write(anonymous, article):
    response = anonymous.post(
        f"/api/v1/articles/{article.slug}/comments/", {"body": "Hi"}, format="json"
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert not Comment.objects.exists()


def test_a_reader_posts_through_the_moderation_pipeline(member_api, member, article):
    response = member_api.post(
        f"/api/v1/articles/{article.slug}/comments/", {"body": "Well argued."}, format="json"
    )

    assert response.status_code == 201
    comment = Comment.objects.get(article=article)
    assert (comment.user, comment.status, comment.status_reason) == (
        member,
        "approved",
        "this account has approved comments",
    )
    assert comment.events.get().reason == "this account has approved comments"
    assert response.json()["status"] == "approved"


def test_a_first_comment_through_the_api_is_held_like_on_the_site(other_api, article):
    response = other_api.post(
        f"/api/v1/articles/{article.slug}/comments/", {"body": "Hello."}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["status"] == "pending"
    assert Comment.objects.get(article=article).status_reason == "first comment from this account"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"body": ""}, "body"),
        ({"body": 42}, None),
        ({"body": "ok", "parent": "x"}, "parent"),
        ({"body": "ok", "parent": -3}, "parent"),
        ({"body": "ok", "author_email": "spoof@example.com"}, "author_email"),
        ({}, "body"),
        ([], "non_field_errors"),
    ],
)
def test_bad_input_is_400_and_changes_nothing(member_api, article, payload, field):
    response = member_api.post(f"/api/v1/articles/{article.slug}/comments/", payload, format="json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["status"] == 400
    if field:
        assert field in error["fields"]
    assert not Comment.objects.filter(article=article).exists()


def test_malformed_json_is_400(member_api, article):
    response = member_api.post(
        f"/api/v1/articles/{article.slug}/comments/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


@pytest.mark.parametrize("where", ["another article", "nowhere", "held"])
def test_a_parent_not_open_to_replies_here_is_a_conflict(member_api, article, where):
    parent_id = {
        "another article": lambda: CommentFactory().pk,
        "nowhere": lambda: 999999,
        "held": lambda: CommentFactory(article=article, status="pending").pk,
    }[where]()
    response = member_api.post(
        f"/api/v1/articles/{article.slug}/comments/",
        {"body": "x", "parent": parent_id},
        format="json",
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "conflict" and "parent" in error["fields"]
    assert not Comment.objects.filter(article=article, body="x").exists()


def test_closed_articles_refuse_posts_as_forbidden(member_api):
    closed = ArticleFactory(comment_policy=Article.CommentPolicy.CLOSED)
    response = member_api.post(
        f"/api/v1/articles/{closed.slug}/comments/", {"body": "x"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "Comments are closed."


def test_posting_again_too_soon_is_429_with_retry_after(member_api, article, moderation):
    moderation.flood_seconds = 60
    moderation.save()
    url = f"/api/v1/articles/{article.slug}/comments/"
    assert member_api.post(url, {"body": "First."}, format="json").status_code == 201
    again = member_api.post(url, {"body": "Second."}, format="json")
    assert again.status_code == 429
    assert 0 < int(again["Retry-After"]) <= 61
    assert again.json()["error"]["code"] == "throttled"


def test_the_same_comment_twice_is_a_conflict(member_api, article, moderation):
    moderation.flood_seconds = 0
    moderation.save()
    url = f"/api/v1/articles/{article.slug}/comments/"
    assert member_api.post(url, {"body": "Same words."}, format="json").status_code == 201
    again = member_api.post(url, {"body": "Same words."}, format="json")
    assert again.status_code == 409
    assert again.json()["error"]["fields"] == {
        "body": ["You have already posted this comment here."]
    }


def test_author_edits_and_deletes_their_own_and_others_cannot(
    member_api, other_api, member, article
):
    mine = CommentFactory(article=article, user=member, body="First.")

    assert (
        other_api.patch(
            f"/api/v1/comments/{mine.pk}/", {"body": "Hijack"}, format="json"
        ).status_code
        == 403
    )
    assert other_api.delete(f"/api/v1/comments/{mine.pk}/").status_code == 403
    edited = member_api.patch(f"/api/v1/comments/{mine.pk}/", {"body": "Second."}, format="json")
    assert edited.status_code == 200 and edited.json()["html"] == "<p>Second.</p>"
    assert member_api.delete(f"/api/v1/comments/{mine.pk}/").status_code == 204
    mine.refresh_from_db()
    assert (mine.body, mine.status) == ("Second.", "deleted")


def test_editing_after_the_window_is_refused(member_api, member, article):
    from datetime import timedelta

    old = CommentFactory(
        article=article, user=member, created_at=timezone.now() - timedelta(hours=1)
    )
    response = member_api.patch(f"/api/v1/comments/{old.pk}/", {"body": "Late."}, format="json")
    assert response.status_code == 403
    assert "can be edited for 15 minutes" in response.json()["error"]["message"]


def test_reporting_once(other_api, article):
    comment = CommentFactory(article=article)
    first = other_api.post(
        f"/api/v1/comments/{comment.pk}/report/", {"reason": "abuse"}, format="json"
    )
    again = other_api.post(
        f"/api/v1/comments/{comment.pk}/report/", {"reason": "spam"}, format="json"
    )
    bad = other_api.post(
        f"/api/v1/comments/{comment.pk}/report/", {"reason": "boring"}, format="json"
    )
    assert (first.status_code, again.status_code, bad.status_code) == (201, 409, 400)
    assert Report.objects.count() == 1


def test_too_many_reports_in_an_hour_is_429_with_retry_after(other_api, article, settings):
    settings.COMMENT_REPORTS_PER_HOUR = 1
    first, second = CommentFactory.create_batch(2, article=article)
    assert (
        other_api.post(
            f"/api/v1/comments/{first.pk}/report/", {"reason": "spam"}, format="json"
        ).status_code
        == 201
    )
    again = other_api.post(
        f"/api/v1/comments/{second.pk}/report/", {"reason": "spam"}, format="json"
    )
    assert again.status_code == 429 and 3500 < int(again["Retry-After"]) <= 3601
    assert Report.objects.count() == 1


def test_a_body_is_as_long_as_sent_even_with_characters_the_site_drops(
    member_api, article, moderation
):
    moderation.max_length = 100
    moderation.flood_seconds = 0
    moderation.save()
    url = f"/api/v1/articles/{article.slug}/comments/"
    response = member_api.post(url, {"body": "x" * 99 + "\x07\x07"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["body"] == [
        "A comment has at most 100 characters (this one has 101)."
    ]
    assert member_api.post(url, {"body": "x" * 98 + "\x07\x07"}, format="json").status_code == 201
    assert Comment.objects.get(article=article).body == "x" * 98


def test_revoked_or_wrong_tokens_are_401(article):
    user = UserFactory()
    client = client_for(user)
    ApiToken.objects.filter(user=user).update(revoked_at=timezone.now())
    assert (
        client.post(
            f"/api/v1/articles/{article.slug}/comments/", {"body": "x"}, format="json"
        ).status_code
        == 401
    )
    from rest_framework.test import APIClient

    wrong = APIClient()
    wrong.credentials(HTTP_AUTHORIZATION="Bearer atr_not-a-real-key")
    assert wrong.get("/api/v1/articles/").status_code == 401


def test_tokens_are_stored_hashed():
    user = UserFactory()
    token, key = ApiToken.issue(user, "tool")

    assert key.startswith("atr_")
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert row["key_hash"] == hash_key(key) == hashlib.sha256(key.encode()).hexdigest()
    assert row["key_hash"] != key
    assert row["hint"] == key[:10]  # shown beside the token: too short to use
    secret = key[len("atr_") + 6 :]  # the key beyond its hint
    for column, value in row.items():
        assert secret not in str(value), column


# --- Moderation ---------------------------------------------------------------------------------


def test_moderation_api_is_for_moderators_only(anonymous, member_api, moderator_api, article):
    held = CommentFactory(article=article, status="pending", author_email="h@example.com")
    assert anonymous.get("/api/v1/moderation/queue/").status_code == 401
    assert member_api.get("/api/v1/moderation/queue/").status_code == 403
    queue = moderator_api.get("/api/v1/moderation/queue/").json()
    assert [c["id"] for c in queue["results"]] == [held.pk]
    assert queue["results"][0]["author_email"] == "h@example.com"


def test_a_moderators_decision_writes_the_same_event(moderator_api, article):
    held = CommentFactory(article=article, status="pending")
    response = moderator_api.post(
        f"/api/v1/moderation/comments/{held.pk}/decision/", {"to": "approved"}, format="json"
    )
    assert response.status_code == 200
    event = ModerationEvent.objects.get(comment=held)
    assert (event.actor.username, event.from_status, event.to_status) == (
        "mod",
        "pending",
        "approved",
    )
    again = moderator_api.post(
        f"/api/v1/moderation/comments/{held.pk}/decision/", {"to": "rejected"}, format="json"
    )
    removed = moderator_api.post(
        f"/api/v1/moderation/comments/{held.pk}/decision/", {"to": "removed"}, format="json"
    )
    assert again.status_code == 200  # approved -> rejected is allowed
    assert removed.status_code == 409  # rejected -> removed is not


def test_the_reported_queue(moderator_api, article):
    reported = CommentFactory(article=article)
    Report.objects.create(comment=reported, reason="abuse", reporter_key="browser:x")
    body = moderator_api.get("/api/v1/moderation/queue/", {"queue": "reported"}).json()
    assert [c["id"] for c in body["results"]] == [reported.pk]
    assert body["results"][0]["open_reports"] == 1
    assert moderator_api.get("/api/v1/moderation/queue/", {"queue": "nope"}).status_code == 400


def _waiting(article, queue, count):
    """`count` comments in `queue`: held ones, or published ones with open reports (one or
    two each, so that a count of the wrong comment's reports would show)."""
    if queue == "pending":
        return CommentFactory.create_batch(count, article=article, status="pending")
    comments = CommentFactory.create_batch(count, article=article)
    Report.objects.bulk_create(
        Report(comment=comment, reason="abuse", reporter_key=f"browser:{n}")
        for i, comment in enumerate(comments)
        for n in range(1 + i % 2)
    )
    return comments


@pytest.mark.parametrize("queue", ["pending", "reported"])
@pytest.mark.parametrize("count", [10, 200])
def test_the_moderation_queue_queries_do_not_grow_with_it(
    moderator_api, article, django_assert_max_num_queries, queue, count
):
    _waiting(article, queue, count)
    url = "/api/v1/moderation/queue/"

    # the token with its user, the token's last use, the user's own permissions and their
    # groups' (a moderator?), the page of comments with their articles and report counts
    with django_assert_max_num_queries(5):
        response = moderator_api.get(url, {"queue": queue})

    assert response.status_code == 200
    body = response.json()
    assert len(body["results"]) == min(count, 50)
    if queue == "reported":
        assert {entry["open_reports"] for entry in body["results"]} == {1, 2}
    if count > 50:  # the next page costs the same
        with django_assert_max_num_queries(5):
            following = moderator_api.get(body["next"])
        assert following.status_code == 200 and len(following.json()["results"]) == 50


def test_throttling_answers_429_with_retry_after(anonymous, article, settings):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import AnonRateThrottle

    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "anon": "3/min"}
    original = AnonRateThrottle.THROTTLE_RATES
    AnonRateThrottle.THROTTLE_RATES = rates
    try:
        codes = [anonymous.get("/api/v1/articles/").status_code for _ in range(4)]
        last = anonymous.get("/api/v1/articles/")
    finally:
        AnonRateThrottle.THROTTLE_RATES = original
    assert codes == [200, 200, 200, 429]
    assert last.status_code == 429 and int(last["Retry-After"]) > 0
    assert last.json()["error"]["code"] == "throttled"


def test_the_length_limit_is_the_moderators_setting(member_api, article, moderation):
    moderation.max_length = 100
    moderation.save()
    response = member_api.post(
        f"/api/v1/articles/{article.slug}/comments/", {"body": "x" * 101}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["body"] == [
        "A comment has at most 100 characters (this one has 101)."
    ]


@pytest.mark.parametrize(
    ("who", "path", "code"),
    [
        ("member_api", "/api/v1/articles/", 200),
        ("member_api", "/api/v1/comments/{comment}/", 200),
        ("member_api", "/api/v1/moderation/queue/", 403),  # a reader: permissions come first
        ("moderator_api", "/api/v1/moderation/queue/", 200),
    ],
)
def test_options_describes_without_error(request, article, who, path, code):
    comment = CommentFactory(article=article)
    api = request.getfixturevalue(who)
    assert api.options(path.format(comment=comment.pk)).status_code == code


def test_options_on_a_thread_names_its_methods(member_api, article):
    response = member_api.options(f"/api/v1/articles/{article.slug}/comments/")
    assert response.status_code == 200
    assert {"GET", "POST"} <= {m.strip() for m in response["Allow"].split(",")}


@pytest.mark.parametrize(
    ("status", "code"),
    [("spam", 404), ("rejected", 404), ("pending", 404), ("removed", 200), ("deleted", 200)],
)
def test_one_comment_is_seen_by_strangers_only_if_public_or_a_tombstone(
    anonymous, article, status, code
):
    comment = CommentFactory(article=article, status=status, body="Words.")
    response = anonymous.get(f"/api/v1/comments/{comment.pk}/")
    assert response.status_code == code
    if code == 200:
        assert response.json()["html"] is None and "Words." not in response.content.decode()


def test_reporting_a_comment_that_is_not_published_is_refused(other_api, article):
    held = CommentFactory(article=article, status="pending")
    gone = CommentFactory(article=article, status="deleted")
    assert (
        other_api.post(
            f"/api/v1/comments/{held.pk}/report/", {"reason": "spam"}, format="json"
        ).status_code
        == 404
    )
    assert (
        other_api.post(
            f"/api/v1/comments/{gone.pk}/report/", {"reason": "spam"}, format="json"
        ).status_code
        == 409
    )
    assert not Report.objects.exists()
