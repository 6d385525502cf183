"""Posting through the "Leave a Reply" form: what is stored, what is refused, who sees it."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from articles.models import Article
from comments.models import Comment, ModerationSettings
from tests.factories import ArticleFactory, CommentFactory, UserFactory, comment_form

pytestmark = pytest.mark.django_db


def _post(client, article, **data):
    extra = {key: data.pop(key) for key in list(data) if key.startswith(("HTTP_", "REMOTE_"))}
    return client.post(f"/articles/{article.slug}/comments/", comment_form(**data), **extra)


def test_anonymous_comment_is_held_and_shown_to_its_author_alone(client, article):
    response = _post(client, article)

    comment = Comment.objects.get()
    assert comment.status == Comment.Status.PENDING
    assert response.status_code == 302
    landing = client.get(response["Location"])
    assert landing["Location"].endswith(f"#comment-{comment.pk}")
    mine = client.get(article.get_absolute_url()).content.decode()
    assert "The insurance angle is underrated." in mine
    assert "Your comment is awaiting moderation." in mine

    from django.test import Client

    other = Client().get(article.get_absolute_url()).content.decode()
    assert "The insurance angle is underrated." not in other


def test_signed_in_comment_is_published_under_the_account_name(client, article):
    user = UserFactory(first_name="Priya", last_name="Raman", email="priya@example.com")
    # an approved comment an hour ago: a known reader, and not a flood
    CommentFactory(user=user, created_at=timezone.now() - timedelta(hours=1))
    client.force_login(user)

    _post(client, article, name="", email="", body="Published at once.")

    comment = Comment.objects.get(article=article)
    assert comment.status == Comment.Status.APPROVED
    assert (comment.user, comment.author_name, comment.author_email) == (
        user,
        "Priya Raman",
        "priya@example.com",
    )
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Logged in as" in html and "Log out?" in html
    assert 'name="email"' not in html


def test_request_facts_are_kept_for_moderators(client, article):
    _post(client, article, REMOTE_ADDR="198.51.100.7", HTTP_USER_AGENT="Reader/1.0 (Linux)")
    comment = Comment.objects.get()
    assert (comment.ip_address, comment.user_agent) == ("198.51.100.7", "Reader/1.0 (Linux)")


def test_followup_wish_is_stored(client, article):
    _post(client, article, wants_followups="on")
    assert Comment.objects.get().wants_followups is True


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"body": ""}, "body", "Please write a comment."),
        ({"body": "   \n  "}, "body", "Please write a comment."),
        ({"body": "x" * 10_001}, "body", "at most 10000 characters"),
        ({"email": "not-an-email"}, "email", "Enter a valid email address."),
        ({"email": ""}, "email", "Please give your email address"),
        ({"name": ""}, "name", "Please give your name."),
        ({"url": "javascript:alert(1)"}, "url", "Enter a valid URL."),
        ({"url": "ftp://files.example.org/"}, "url", "Enter a valid URL."),
        ({"parent": "abc"}, "parent", "Enter a whole number."),
    ],
)
def test_bad_input_gets_a_form_error_and_stores_nothing(client, article, data, field, message):
    response = _post(client, article, **data)

    assert response.status_code == 400
    assert message in str(response.context["comment_form"].errors[field])
    assert 'role="alert"' in response.content.decode()
    assert not Comment.objects.exists()


def test_errors_keep_what_the_reader_typed(client, article):
    response = _post(client, article, email="nope", body="My careful argument.")
    html = response.content.decode()
    assert "My careful argument." in html
    assert 'value="Ann Reader"' in html
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_email_error"' in html


def test_reply_to_a_comment_of_another_article_is_refused(client, article):
    elsewhere = CommentFactory()

    response = _post(client, article, parent=elsewhere.pk)

    assert response.status_code == 400
    assert "not in this discussion" in response.content.decode()
    assert Comment.objects.count() == 1


@pytest.mark.parametrize("status", ["pending", "spam", "rejected", "deleted", "removed"])
def test_reply_to_a_comment_that_is_not_approved_is_refused(client, article, status):
    parent = CommentFactory(article=article, status=status)

    response = _post(client, article, parent=parent.pk)

    assert response.status_code == 400
    assert "cannot be replied to" in response.content.decode()
    assert Comment.objects.count() == 1


def test_a_reply_records_its_parent_root_and_depth(client, article):
    root = CommentFactory(article=article)
    child = CommentFactory(parent=root)

    _post(client, article, parent=child.pk, body="Third level.")

    reply = Comment.objects.get(body="Third level.")
    assert (reply.parent, reply.root_id, reply.depth) == (child, root.pk, 2)


def test_a_reply_at_the_maximum_depth_is_attached_at_that_depth(client, article, moderation):
    moderation.max_depth = 3
    moderation.save()
    root = CommentFactory(article=article)
    middle = CommentFactory(parent=root)
    deepest = CommentFactory(parent=middle)

    _post(client, article, parent=deepest.pk, body="Too deep.")

    reply = Comment.objects.get(body="Too deep.")
    assert reply.depth == 2
    assert reply.parent == middle


def test_closed_article_refuses_a_forged_post(client):
    article = ArticleFactory(comment_policy=Article.CommentPolicy.CLOSED)

    response = _post(client, article)

    assert response.status_code == 403
    assert "Comments are closed." in response.content.decode()
    assert not Comment.objects.exists()


def test_articles_closed_by_age_refuse_posts(client, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.COMMENTS_CLOSE_AFTER_DAYS = 14
    article = ArticleFactory(published_at=timezone.now() - timedelta(days=15))

    assert _post(client, article).status_code == 403
    assert "Comments are closed." in client.get(article.get_absolute_url()).content.decode()


def test_signed_in_only_article_asks_anonymous_readers_to_log_in(client):
    article = ArticleFactory(comment_policy=Article.CommentPolicy.SIGNED_IN)

    page = client.get(article.get_absolute_url()).content.decode()
    response = _post(client, article)

    assert "You must be logged in to post a comment." in page
    assert f"/accounts/login/?next=/articles/{article.slug}/%23respond" in page
    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_drafts_take_no_comments(client):
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    assert _post(client, draft).status_code == 404


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", '<script>alert("name")</script>'),
        ("body", '<script>alert("body")</script><img src=x onerror=alert(1)>'),
        ("body", "[click me](javascript:alert(1))"),
        ("url", 'https://example.org/"><script>alert(1)</script>'),
    ],
)
def test_html_and_script_from_readers_are_rendered_inert(client, article, field, value):
    _post(client, article, **{field: value})
    assert Comment.objects.exists()

    html = client.get(article.get_absolute_url()).content.decode()

    assert "<script>alert(" not in html
    assert "<img src=x" not in html
    assert 'href="javascript:' not in html


def test_email_and_ip_never_appear_on_the_page(client, article):
    _post(client, article, save_details="")
    client.cookies.pop("commenter", None)
    comment = Comment.objects.get()
    Comment.objects.filter(pk=comment.pk).update(status=Comment.Status.APPROVED)

    html = client.get(article.get_absolute_url()).content.decode()

    assert "ann@example.com" not in html
    assert "127.0.0.1" not in html


def test_details_are_remembered_only_when_asked(client, article, moderation):
    moderation.flood_seconds = 0
    moderation.save()
    _post(client, article, save_details="on")
    assert 'value="ann@example.com"' in client.get(article.get_absolute_url()).content.decode()

    _post(client, article, body="Second thought.", save_details="")
    assert 'value="ann@example.com"' not in client.get(article.get_absolute_url()).content.decode()


@pytest.mark.django_db(transaction=True)  # real transactions: no test savepoints in the count
def test_posting_makes_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    article = ArticleFactory()
    root = CommentFactory(article=article)
    ModerationSettings.current()  # the row a migration makes (a flush in another test drops it)
    cache.clear()  # read cold, as after a restart: settings and webhook endpoints come from
    # the database this once. Article, settings, parent, bans, reader's history, insert,
    # event, the hold's statement and its link from the comment, moderators to tell,
    # webhook endpoints (and SQLite's BEGIN).
    with django_assert_max_num_queries(13):
        response = _post(client, article, parent=root.pk)
    assert response.status_code == 302
    # warm, as every post after the first: at most 12 on every database
    with django_assert_max_num_queries(12):
        again = _post(
            client,
            article,
            parent=root.pk,
            body="Another.",
            email="b@example.org",
            REMOTE_ADDR="198.51.100.9",
        )
    assert again.status_code == 302


def test_default_limits_match_the_documentation(moderation):
    assert settings.COMMENTS_PER_PAGE == 50
    assert (moderation.max_depth, moderation.edit_minutes, moderation.max_length) == (5, 15, 10_000)
    assert (moderation.flood_seconds, moderation.min_seconds_to_submit) == (15, 3)
    assert (moderation.link_limit, moderation.hold_first_comments) == (2, True)


def test_the_pipelines_verdict_is_stored_with_its_reason_and_an_event(client, article):
    _post(client, article)

    comment = Comment.objects.get()
    event = comment.events.get()
    assert comment.status_reason == "first comment from this address"
    assert (event.actor, event.from_status, event.to_status, event.reason) == (
        None,
        "",
        "pending",
        "first comment from this address",
    )


def test_a_form_sent_too_fast_is_kept_as_spam_silently(client, article):
    from comments.forms import form_shown_token

    response = _post(client, article, shown_at=form_shown_token())

    assert response.status_code == 302  # the bot is told nothing
    comment = Comment.objects.get()
    assert comment.status == "spam"
    assert comment.status_reason.startswith("form sent 0.")


def test_a_second_comment_at_once_is_refused_by_flood_control(client, article):
    _post(client, article)
    response = _post(client, article, body="Another thought straight away.")

    assert response.status_code == 400
    assert "You are posting comments too quickly." in response.content.decode()
    assert Comment.objects.count() == 1


def test_editing_in_a_held_word_holds_a_published_comment_again(client, article, moderation):
    moderation.held_words = "casino"
    moderation.save()
    author = UserFactory()
    comment = CommentFactory(article=article, user=author, body="Fine words.")
    client.force_login(author)

    client.post(f"/comments/{comment.pk}/edit/", {"body": "Visit my casino."})

    comment.refresh_from_db()
    assert (comment.status, comment.status_reason) == (
        "pending",
        "edited: contains held word 'casino'",
    )
    assert comment.events.get().to_status == "pending"
