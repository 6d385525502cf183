"""The moderation queue, through the admin's own pages."""

import io
import re

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client

from comments.models import Ban, Comment, Guideline, ModerationEvent, ModerationSettings, Report
from comments.moderation import roles
from tests.factories import ArticleFactory, CommentFactory, UserFactory, comment_form, sign_in_staff

pytestmark = pytest.mark.django_db
QUEUE = "/admin/comments/comment/"


@pytest.fixture
def moderator(db):
    user = UserFactory(username="mod")
    call_command("make_moderator", "mod", stdout=io.StringIO())
    user.refresh_from_db()
    return user


@pytest.fixture
def mod_client(moderator):
    client = Client()
    sign_in_staff(client, moderator)
    return client


def _act(client, action: str, comments, reason: str = "", **extra):
    return client.post(
        QUEUE,
        {
            "action": action,
            "_selected_action": [c.pk for c in comments],
            "reason": reason,
            "index": 0,
            **extra,
        },
        follow=True,
    )


def test_make_moderator_gives_staff_and_the_group(moderator):
    assert moderator.is_staff
    assert moderator.groups.filter(name=roles.MODERATORS).exists()
    assert not moderator.is_superuser


def test_the_queue_opens_on_pending_comments_oldest_first(mod_client):
    from datetime import timedelta

    from django.utils import timezone

    newer = CommentFactory(status="pending", body="newer one")
    older = CommentFactory(
        status="pending", body="older one", created_at=timezone.now() - timedelta(hours=3)
    )
    CommentFactory(status="approved", body="already fine")
    assert older.pk > newer.pk  # written later: ordered by id, it would come second

    first = mod_client.get(QUEUE)
    assert first.status_code == 302
    assert first["Location"].endswith("?status__exact=pending")
    html = mod_client.get(first["Location"]).content.decode()
    rows = re.findall(r'name="_selected_action" value="(\d+)"', html)
    assert rows == [str(older.pk), str(newer.pk)]
    assert html.index("older one") < html.index("newer one")
    assert "already fine" not in html


def test_bulk_approve_of_100_comments_is_one_request_with_fixed_queries(
    mod_client, django_assert_max_num_queries
):
    held = CommentFactory.create_batch(100, status="pending")

    # session, user, permissions, the selection, one update, one insert of events, reports,
    # then the redirect target's own queries (its decision form lists the guideline clauses)
    with django_assert_max_num_queries(41):
        response = _act(mod_client, "approve", held)

    assert response.status_code == 200
    assert Comment.objects.filter(status="approved").count() == 100
    assert (
        ModerationEvent.objects.filter(actor__username="mod", to_status="approved").count() == 100
    )
    assert "Approve: 100 comment(s)." in response.content.decode()


def test_bulk_query_count_does_not_grow_with_the_selection(
    mod_client, django_assert_max_num_queries
):
    few = CommentFactory.create_batch(5, status="pending")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        _act(mod_client, "approve", few)
    many = CommentFactory.create_batch(100, status="pending")
    with django_assert_max_num_queries(len(small)):
        _act(mod_client, "approve", many)


def test_remove_needs_a_clause_or_a_category(mod_client):
    comment = CommentFactory(status="approved")
    refused = _act(mod_client, "remove", [comment], reason="personal attack")
    assert "Cite the guideline clause" in refused.content.decode()
    comment.refresh_from_db()
    assert comment.status == "approved"

    clause = Guideline.objects.get(number=3)
    _act(mod_client, "remove", [comment], reason="personal attack", clause=clause.pk)
    comment.refresh_from_db()
    assert (comment.status, comment.status_reason) == ("removed", "personal attack")
    assert comment.statement.clause == clause


def test_not_spam_approves_and_says_so(mod_client):
    comment = CommentFactory(status="spam")
    _act(mod_client, "not_spam", [comment])
    comment.refresh_from_db()
    assert comment.status == "approved"
    assert ModerationEvent.objects.get(comment=comment).reason == "not spam"


def test_ban_author_bans_and_marks_their_held_comments_spam(mod_client, client, article):
    first = CommentFactory(
        status="pending", author_email="Troll@Example.com", ip_address="203.0.113.9"
    )
    second = CommentFactory(status="pending", author_email="troll@example.com")
    bystander = CommentFactory(status="pending", author_email="kind@example.com")

    response = _act(mod_client, "ban_authors", [first], reason="abusive")

    assert "Added 2 ban(s); 2 held comment(s) marked spam." in response.content.decode()
    assert set(Ban.objects.values_list("kind", "value")) == {
        ("email", "troll@example.com"),
        ("network", "203.0.113.9/32"),
    }
    for comment, status in ((first, "spam"), (second, "spam"), (bystander, "pending")):
        comment.refresh_from_db()
        assert comment.status == status

    # and the next comment from that address is caught by the pipeline
    client.post(
        f"/articles/{article.slug}/comments/",
        comment_form(email="troll@example.com", body="I am back."),
    )
    assert Comment.objects.get(body="I am back.").status == "spam"


def test_moderators_may_not_edit_articles_or_users(mod_client):
    article = ArticleFactory()
    assert mod_client.get("/admin/articles/article/").status_code == 403
    assert mod_client.get(f"/admin/articles/article/{article.pk}/change/").status_code == 403
    assert mod_client.get("/admin/auth/user/").status_code == 403
    assert mod_client.get("/admin/comments/ban/").status_code == 200
    assert mod_client.get("/admin/comments/moderationsettings/", follow=True).status_code == 200


def test_group_has_exactly_the_moderation_permissions():
    codenames = set(
        Group.objects.get(name=roles.MODERATORS).permissions.values_list("codename", flat=True)
    )
    assert codenames == {
        "view_comment", "change_comment", "view_reportedcomment", "change_reportedcomment",
        "view_report", "view_ban", "add_ban", "change_ban", "delete_ban",
        "view_moderationsettings", "change_moderationsettings", "view_moderationevent",
        "view_personaldatalog", "view_usefulvote", "view_guideline", "add_guideline",
        "change_guideline", "view_statement", "view_notice", "change_notice", "view_appeal",
        "change_appeal", "view_refusal",
    }  # fmt: skip


def test_a_moderator_lists_who_voted(mod_client):
    assert mod_client.get("/admin/comments/usefulvote/").status_code == 200
    assert mod_client.get("/admin/comments/usefulvote/add/").status_code == 403


def test_change_page_shows_thread_record_and_history(mod_client):
    root = CommentFactory(body="The opening argument.")
    middle = CommentFactory(
        parent=root, status="pending", author_email="x@example.com", body="Held reply."
    )
    CommentFactory(parent=middle, body="A reply below.")
    CommentFactory(author_email="x@example.com", status="spam", body="Old spam.")
    ModerationEvent.objects.create(
        comment=middle,
        from_status="",
        to_status="pending",
        reason="first comment from this address",
    )

    page = mod_client.get(f"{QUEUE}{middle.pk}/change/").content.decode()
    html = page[page.index('id="thread-heading"') :]

    assert (
        html.index("The opening argument.")
        < html.index("Held reply.")
        < html.index("A reply below.")
    )
    assert "Spam: 1" in html and "Pending: 1" in html
    assert "first comment from this address" in html
    assert 'name="to" value="approved"' in page


def test_approve_from_the_change_page_goes_to_the_next_held_comment(mod_client, moderator):
    comment = CommentFactory(status="pending")
    following = CommentFactory(status="pending")

    response = mod_client.post(
        f"{QUEUE}{comment.pk}/decide/", {"to": "approved", "reason": "", "next": "queue"}
    )

    comment.refresh_from_db()
    assert comment.status == "approved"
    assert response["Location"].endswith(f"/{following.pk}/change/")
    assert ModerationEvent.objects.get(comment=comment).actor == moderator


def test_an_impossible_decision_is_an_error_message(mod_client):
    comment = CommentFactory(status="deleted")
    response = mod_client.post(f"{QUEUE}{comment.pk}/decide/", {"to": "approved"}, follow=True)
    assert "cannot become approved" in response.content.decode()
    comment.refresh_from_db()
    assert comment.status == "deleted"


def test_reported_comments_form_their_own_queue_and_a_decision_clears_them(mod_client):
    reported = CommentFactory(body="Reported words.")
    CommentFactory(body="Nobody minds.")
    Report.objects.create(comment=reported, reason="abuse", reporter_key="browser:a")
    Report.objects.create(comment=reported, reason="spam", reporter_key="browser:b")

    html = mod_client.get("/admin/comments/reportedcomment/").content.decode()
    assert "Reported words." in html and "2 open report(s)" in html
    assert "Nobody minds." not in html

    mod_client.post(
        f"{QUEUE}{reported.pk}/decide/",
        {"to": "removed", "reason": "abuse", "clause": Guideline.objects.get(number=3).pk},
    )

    assert not Report.objects.filter(resolved_at__isnull=True).exists()
    assert (
        "Reported words." not in mod_client.get("/admin/comments/reportedcomment/").content.decode()
    )


def test_moderators_change_the_word_lists(mod_client, client, article):
    mod_client.post(
        "/admin/comments/moderationsettings/1/change/",
        {
            "held_words": "casino", "disallowed_words": "", "link_limit": 2,
            "flood_seconds": 15, "min_seconds_to_submit": 3, "max_depth": 5,
            "edit_minutes": 15, "max_length": 10000, "hold_first_comments": "on",
        },
    )  # fmt: skip
    assert ModerationSettings.current().held_word_list == ["casino"]

    client.post(f"/articles/{article.slug}/comments/", comment_form(body="The casino angle."))
    assert Comment.objects.get().status_reason == "contains held word 'casino'"


def test_overview_shows_counts_chart_reasons_and_reported_articles(mod_client):
    held = CommentFactory(status="pending", status_reason="first comment from this address")
    Report.objects.create(comment=CommentFactory(), reason="abuse", reporter_key="browser:a")
    ModerationEvent.objects.create(comment=held, from_status="", to_status="pending")

    html = mod_client.get("/admin/comments/comment/overview/").content.decode()

    assert "1</strong> comment waiting" in html
    assert "<svg" in html and "Decisions per day" in html
    assert "first comment from this address" in html
    assert "Most reported articles" in html


def test_queue_query_count_is_fixed(mod_client, django_assert_max_num_queries):
    CommentFactory.create_batch(20, status="pending")
    with django_assert_max_num_queries(14):
        small = mod_client.get(f"{QUEUE}?status__exact=pending")
    CommentFactory.create_batch(200, status="pending")
    with django_assert_max_num_queries(14):
        big = mod_client.get(f"{QUEUE}?status__exact=pending")
    assert small.status_code == big.status_code == 200


@pytest.mark.parametrize("term", ["casino", "troll@example.com", "203.0.113.9", "Ann Reader"])
def test_queue_search_by_text_name_email_or_ip(mod_client, term):
    CommentFactory(
        status="pending",
        body="Visit my casino",
        author_name="Ann Reader",
        author_email="troll@example.com",
        ip_address="203.0.113.9",
    )
    CommentFactory(status="pending", body="Unrelated", author_name="Bo", ip_address="192.0.2.1")

    response = mod_client.get(QUEUE, {"status__exact": "pending", "q": term})

    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


def test_failed_mail_can_be_sent_again_from_the_admin(client, editor, settings, mailoutbox):
    from comments.models import Notification, Subscription

    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    comment = CommentFactory()
    sub = Subscription.objects.create(article=comment.article, email="f@example.org")
    row = Notification.objects.create(
        event=f"approved:{comment.pk}", kind="thread", recipient="f@example.org",
        comment=comment, subscription=sub, state="failed", attempts=8, last_error="550",
    )  # fmt: skip
    sign_in_staff(client, editor)

    client.post(
        "/admin/comments/notification/",
        {"action": "send_again", "_selected_action": [row.pk], "index": 0},
    )

    row.refresh_from_db()
    assert (row.state, row.attempts) == ("sent", 1)
    assert [m.to for m in mailoutbox] == [["f@example.org"]]


def test_a_webhook_delivery_can_be_replayed_from_the_admin(client, editor, monkeypatch):
    from comments.models import WebhookDelivery, WebhookEndpoint
    from comments.outbound import webhooks

    sent = []
    monkeypatch.setattr(webhooks, "send", lambda delivery: sent.append(delivery.pk) or (200, "ok"))
    endpoint = WebhookEndpoint.objects.create(
        url="https://hooks.example.org/", secret="s", events=[]
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event="comment.approved", occurrence="x", payload={}, state="sent"
    )
    sign_in_staff(client, editor)

    client.post(
        "/admin/comments/webhookdelivery/",
        {"action": "replay", "_selected_action": [delivery.pk], "index": 0},
    )

    delivery.refresh_from_db()
    assert sent == [delivery.pk]
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("sent", 1, 200)
