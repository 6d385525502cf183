"""Following a discussion and managing mail: comments/outbound/subscriptions.py.

Asking for follow-ups with the comment form (double opt-in for an address not verified,
forged confirmation links refused), and the notifications page of a signed-in reader.
"""

import re
from urllib.parse import urlparse

import pytest
from django.core import signing
from django.test import Client

from comments.models import Comment, MailPreference, Subscription
from comments.outbound import mail
from tests.comments.outbound.helpers import (
    SITE_URL,
    follower,
    held,
    mails_to,
    moderator,
    verified_user,
)
from tests.factories import ArticleFactory, CommentFactory, UserFactory, comment_form

pytestmark = pytest.mark.django_db


# --- 7. Subscribing with the comment form -----------------------------------------------------


def _post(client, article, **data):
    return client.post(f"/articles/{article.slug}/comments/", comment_form(**data))


def _confirm_path(message):
    [link] = re.findall(r"https?://\S+/notifications/confirm/\S+/", message.body)
    assert link.startswith(f"{SITE_URL}/notifications/confirm/")
    assert link in message.alternatives[0][0]
    return urlparse(link).path


def test_an_anonymous_reader_who_asks_for_followups_gets_one_confirmation_mail(
    client, article, committed, mailoutbox
):
    with committed():
        response = _post(client, article, wants_followups="on", followup_scope="thread")

    assert response.status_code == 302
    sub = Subscription.objects.get()
    assert (sub.email, sub.user, sub.scope, sub.confirmed_at) == (
        "ann@example.com",
        None,
        "thread",
        None,
    )
    [message] = mailoutbox
    assert message.to == ["ann@example.com"]
    assert message.subject == f"Confirm your subscription to the discussion of {article.title}"
    _confirm_path(message)


def test_asking_twice_sends_one_confirmation_mail(
    client, article, moderation, committed, mailoutbox
):
    moderation.flood_seconds = 0
    moderation.save()

    for body in ("First thought.", "Second thought."):
        with committed():
            _post(client, article, body=body, wants_followups="on", followup_scope="thread")

    assert Comment.objects.count() == 2
    assert Subscription.objects.count() == 1
    assert [m.to for m in mailoutbox] == [["ann@example.com"]]


def test_the_confirmation_link_shows_a_button_and_only_the_button_confirms(
    client, article, committed, mailoutbox
):
    with committed():
        _post(client, article, wants_followups="on", followup_scope="thread")
    path = _confirm_path(mailoutbox[0])
    visitor = Client()  # the link may be opened anywhere, or followed by a mail scanner

    page = visitor.get(path)

    assert page.status_code == 200
    html = page.content.decode()
    assert '<form method="post"' in html and "Yes, send me new comments" in html
    assert Subscription.objects.get().confirmed_at is None
    assert visitor.head(path).status_code == 200
    assert Subscription.objects.get().confirmed_at is None

    confirmed = visitor.post(path)

    assert confirmed.status_code == 200
    assert "Subscription confirmed" in confirmed.content.decode()
    assert Subscription.objects.get().is_active


def _tampered(token):
    value, _, signature = token.rpartition(":")
    return f"{value}:{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"


@pytest.mark.parametrize(
    "forge",
    [
        lambda sub: "not-a-token",
        lambda sub: _tampered(mail.confirm_token(sub)),
        lambda sub: signing.dumps(sub.pk, salt="comments.unsubscribe"),
        lambda sub: signing.dumps(sub.pk, key="x" * 50, salt="comments.confirm"),
        lambda sub: signing.dumps(sub.pk + 1000, salt="comments.confirm"),
        lambda sub: signing.dumps({"s": sub.pk, "e": sub.email}, salt="comments.confirm"),
        lambda sub: signing.dumps(True, salt="comments.confirm"),
    ],
    ids=[
        "garbage",
        "tampered",
        "another kind of token",
        "another site's key",
        "no such subscription",
        "the older format, which carried the address",
        "not an id",
    ],
)
def test_a_forged_confirmation_link_is_refused_with_the_sites_page(client, article, forge):
    sub = follower(article, "victim@example.org", confirmed=False)

    for method in (client.get, client.post):
        response = method(f"/notifications/confirm/{forge(sub)}/")

        assert response.status_code == 400
        html = response.content.decode()
        assert "Link not valid" in html
        assert 'class="site-name"' in html  # the site's own page, not a bare error
    sub.refresh_from_db()
    assert sub.confirmed_at is None


@pytest.mark.parametrize(("verified", "confirmation_mails"), [(True, 0), (False, 1)])
def test_a_signed_in_reader_is_subscribed_at_once_only_with_a_verified_address(
    client, article, committed, mailoutbox, verified, confirmation_mails
):
    user = (verified_user if verified else UserFactory)(username="signed-in")
    client.force_login(user)

    with committed():
        _post(client, article, name="", email="", wants_followups="on", followup_scope="thread")

    sub = Subscription.objects.get()
    assert (sub.email, sub.user) == (user.email, user)
    assert (sub.confirmed_at is not None) is verified
    confirmations = [m for m in mailoutbox if m.subject.startswith("Confirm your subscription")]
    assert len(confirmations) == confirmation_mails


def test_a_reader_who_does_not_ask_is_not_subscribed(client, article, committed, mailoutbox):
    with committed():
        _post(client, article, followup_scope="thread")

    assert not Subscription.objects.exists()
    assert mailoutbox == []


def test_a_replies_only_subscriber_hears_of_replies_to_them_and_of_nothing_else(
    client, article, approve, committed, mailoutbox
):
    with committed():
        _post(client, article, wants_followups="on", followup_scope="replies")
    sub = Subscription.objects.get()
    assert sub.scope == "replies"
    Client().post(_confirm_path(mailoutbox[0]))
    mine = Comment.objects.get()
    approve(mine)
    mailoutbox.clear()

    reply = CommentFactory(parent=mine, status="pending", author_name="Bo Replier")
    other = held(article, author_name="Cy Other")
    approve(reply, other)

    assert [m.subject for m in mails_to(mailoutbox, "ann@example.com")] == [
        f"Bo Replier replied to your comment on {article.title}"
    ]


# --- 10. The notifications page ---------------------------------------------------------------

PAGE = "/accounts/notifications/"


def test_the_notifications_page_asks_anonymous_readers_to_log_in(client):
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={PAGE}"


def test_the_notifications_page_lists_my_subscriptions_and_unsubscribes_me(client, reader):
    mine = follower(ArticleFactory(title="Shipping lanes"), reader.email, user=reader)
    waiting = follower(
        ArticleFactory(title="Grain prices"), reader.email, user=reader, confirmed=False
    )
    follower(ArticleFactory(title="Someone else's"), "other@example.org")
    client.force_login(reader)

    html = client.get(PAGE).content.decode()

    assert "Shipping lanes" in html and "Grain prices" in html
    assert "Someone else" not in html
    assert "waiting for you to confirm by email" in html
    assert f'name="unsubscribe" value="{mine.pk}"' in html
    response = client.post(PAGE, {"unsubscribe": mine.pk})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.unsubscribed_at is not None
    html = client.get(PAGE).content.decode()
    assert "Shipping lanes" not in html and "Grain prices" in html
    waiting.refresh_from_db()
    assert waiting.unsubscribed_at is None


def test_the_notifications_page_cannot_unsubscribe_someone_else(client, reader):
    theirs = follower(ArticleFactory(), "other@example.org", user=UserFactory())
    client.force_login(reader)

    client.post(PAGE, {"unsubscribe": theirs.pk})

    theirs.refresh_from_db()
    assert theirs.unsubscribed_at is None


@pytest.mark.parametrize("value", ["abc", "", "1.5"])
def test_the_notifications_page_answers_a_garbled_unsubscribe_without_an_error(
    client, reader, value
):
    client.force_login(reader)
    client.raise_request_exception = False

    response = client.post(PAGE, {"unsubscribe": value})

    assert response.status_code in (302, 400)


def test_the_notifications_page_saves_my_preferences(client, reader):
    client.force_login(reader)

    response = client.post(PAGE, {"article_comments": "on", "published": "on"})

    assert response.status_code == 302
    pref = MailPreference.objects.get(email=reader.email)
    assert (pref.replies, pref.article_comments, pref.published) == (False, True, True)
    assert 'name="replies"' in client.get(PAGE).content.decode()


@pytest.mark.parametrize("is_moderator", [True, False])
def test_the_held_comments_switch_is_offered_to_moderators_only(client, is_moderator):
    user = moderator("mod", opted_in=False) if is_moderator else UserFactory(username="plain")
    client.force_login(user)

    html = client.get(PAGE).content.decode()
    client.post(PAGE, {"replies": "on", "held_comments": "on"})

    assert ('name="held_comments"' in html) is is_moderator
    assert ("comments waiting for moderation" in html.lower()) is is_moderator
    assert MailPreference.objects.get(email=user.email).held_comments is is_moderator


@pytest.mark.parametrize("subscriptions", [1, 30])
def test_the_notifications_page_makes_a_fixed_number_of_queries(
    client, reader, django_assert_max_num_queries, subscriptions
):
    for n in range(subscriptions):
        follower(ArticleFactory(title=f"Analysis {n}"), reader.email, user=reader)
    client.force_login(reader)
    client.get(PAGE)  # the preference row is made on the first visit

    # session, user, preference, moderator check, subscriptions with their articles
    with django_assert_max_num_queries(5):
        response = client.get(PAGE)

    assert response.status_code == 200
    assert response.content.decode().count('name="unsubscribe"') == subscriptions
