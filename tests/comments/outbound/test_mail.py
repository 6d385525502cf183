"""What every notification mail carries: a well-formed message that speaks to its own
recipient only, and the links that stop it (confirming, one-click unsubscribe).

Every subscriber of one comment is rendered from one shared rendering (a fan-out renders its
templates once); these tests deliver several recipients in one batch and read every link and
every token in every part of every mail, decoded, for another recipient's address.
"""

import re
from email import message_from_string
from email.policy import default as default_policy
from urllib.parse import urlparse

import pytest
from django.core import signing
from django.test import Client

from comments.models import MailPreference, Notification, Subscription
from comments.moderation import transitions
from comments.outbound import mail, recipients
from tests.comments.outbound.helpers import (
    SITE_URL,
    follower,
    held,
    mails_to,
    moderator,
    one_click,
    unsubscribe_path,
    verified_user,
)
from tests.factories import ArticleFactory, CommentFactory
from tests.privacy import reveals

pytestmark = pytest.mark.django_db

FOLLOWERS = [
    "annabel.quill@example.org",
    "bartholomew.vance@example.org",
    "cy.deeley+news@example.net",
]


@pytest.fixture
def fanout(db, django_capture_on_commit_callbacks, mailoutbox):
    """Three confirmed followers of one discussion; one comment approved; one batch of mail."""
    article = ArticleFactory()
    for email in FOLLOWERS:
        Subscription.objects.create(article=article, email=email, scope="thread")
    Subscription.objects.filter(article=article).update(confirmed_at=article.published_at)
    comment = CommentFactory(article=article, status="pending")
    with django_capture_on_commit_callbacks(execute=True):
        transitions.change_status(comment, "approved", actor=None, reason="test")
    assert sorted(m.to[0] for m in mailoutbox) == sorted(FOLLOWERS)
    return mailoutbox


def _parts(message) -> dict[str, str]:
    """Every text a recipient can read or a program can decode: headers, both bodies, the
    whole message as sent (with its transfer encoding), each decoded back."""
    [(html, _)] = message.alternatives
    raw = message.message().as_string()
    parsed = message_from_string(raw, policy=default_policy)
    decoded = [part.get_content() for part in parsed.walk() if not part.is_multipart()]
    headers = "\n".join(f"{name}: {value}" for name, value in parsed.items())
    return {
        "text": message.body,
        "html": html,
        "raw": raw,
        "decoded": "\n".join(decoded),
        "headers": headers,
        "subject": message.subject,
    }


def _links(text: str) -> list[str]:
    return re.findall(rf"{re.escape(SITE_URL)}/notifications/unsubscribe/[^\s\"'<>]+", text)


def test_each_body_links_to_its_own_unsubscribe_link_in_a_shared_batch(fanout):
    for message in fanout:
        header_link = re.fullmatch(r"<([^>]+)>", message.extra_headers["List-Unsubscribe"])[1]
        parts = _parts(message)
        assert set(_links(parts["text"])) == {header_link}
        assert set(_links(parts["html"])) == {header_link}
        token = urlparse(header_link).path.rstrip("/").rsplit("/", 1)[-1]
        row = Notification.objects.get(pk=mail.read_unsubscribe_token(token))
        assert row.recipient == message.to[0]


def test_no_mail_carries_another_recipients_address_in_clear_or_encoded(fanout):
    for message in fanout:
        others = [email for email in FOLLOWERS if email != message.to[0]]
        for name, text in _parts(message).items():
            for other in others:
                assert not reveals(text, other), f"{other} is readable in the {name}"


def test_no_link_token_carries_any_address_at_all(fanout):
    """Not even the recipient's own: a forwarded mail must not give it away either."""
    for message in fanout:
        for link in _links(_parts(message)["text"]):
            token = urlparse(link).path.rstrip("/").rsplit("/", 1)[-1]
            for email in FOLLOWERS:
                assert not reveals(token, email)
                assert not reveals(token, email.split("@")[0])


def test_the_confirmation_link_carries_no_address(
    db, mailoutbox, django_capture_on_commit_callbacks
):
    article = ArticleFactory()
    with django_capture_on_commit_callbacks(execute=True):
        recipients.subscribe(article=article, email="new.reader@example.org", scope="thread")
    [message] = mailoutbox
    links = re.findall(rf"{re.escape(SITE_URL)}/notifications/confirm/[^\s\"'<>]+", message.body)
    assert links
    for link in links:
        assert not reveals(link, "new.reader")


def test_the_helper_finds_an_address_hidden_in_a_signed_token():
    """The checks above can fail: the token format this replaced is caught."""
    leaky = signing.dumps({"n": 7, "e": "ann@example.org"}, salt="comments.unsubscribe")

    assert reveals(f"{SITE_URL}/notifications/unsubscribe/{leaky}/", "ann@example.org")


def test_a_token_for_one_row_unsubscribes_that_row_alone(fanout):
    first, second = fanout[0], fanout[1]
    link = re.fullmatch(r"<([^>]+)>", first.extra_headers["List-Unsubscribe"])[1]

    response = Client(enforce_csrf_checks=True).post(
        urlparse(link).path,
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert not Subscription.objects.get(email=first.to[0]).is_active
    assert Subscription.objects.get(email=second.to[0]).is_active


# --- 8 and 9. What every mail carries, and stopping it ----------------------------------------


CAST = {
    "writer": "writer@example.net",
    "follower": "follower@example.net",
    "parent": "parent-secret@example.net",
    "commenter": "commenter-secret@example.net",
    "moderator": "moderator@example.net",
    "newcomer": "newcomer@example.net",
}
IPS = {"parent": "198.51.100.23", "commenter": "203.0.113.77"}
KINDS = ["held", "reply", "article", "thread", "published", "confirm"]
# Who gets each kind in `_everybody_is_told`.
RECIPIENT = {
    "held": "moderator",
    "reply": "parent",
    "article": "writer",
    "thread": "follower",
    "published": "commenter",
    "confirm": "newcomer",
}


@pytest.fixture
def cast(article):
    people = {
        role: verified_user(role, email=email)
        for role, email in CAST.items()
        if role in ("writer", "parent", "commenter")
    }
    people["moderator"] = moderator("moderator", email=CAST["moderator"])
    article.authors.set([people["writer"]])
    follower(article, CAST["follower"])
    parent = CommentFactory(
        article=article,
        user=people["parent"],
        author_name="Pat Parent",
        author_email=CAST["parent"],
        ip_address=IPS["parent"],
    )
    return {"people": people, "parent": parent}


def _everybody_is_told(article, cast, staff, committed):
    """One comment that is held, then approved, and one new subscription: a mail of every kind."""
    reply = CommentFactory(
        parent=cast["parent"],
        status="pending",
        user=cast["people"]["commenter"],
        author_name="Rita Replier",
        author_email=CAST["commenter"],
        ip_address=IPS["commenter"],
    )
    with committed():
        transitions.record_new(reply, "first comment from this account")
    with committed():
        transitions.change_status(reply, "approved", actor=staff)
    with committed():
        recipients.subscribe(article=article, email=CAST["newcomer"], scope="thread")
    return reply


@pytest.mark.parametrize("kind", KINDS)
def test_every_mail_is_well_formed_and_tells_no_other_readers_address(
    article, cast, staff, committed, mailoutbox, kind
):
    _everybody_is_told(article, cast, staff, committed)
    recipient = CAST[RECIPIENT[kind]]
    row = Notification.objects.get(kind=kind)
    assert row.recipient == recipient
    [message] = mails_to(mailoutbox, recipient)

    assert message.to == [recipient]
    assert message.body.strip()
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html" and "<html" in html
    link = re.fullmatch(r"<([^>]+)>", message.extra_headers["List-Unsubscribe"]).group(1)
    assert urlparse(link).scheme in ("http", "https")
    assert link.startswith(f"{SITE_URL}/notifications/unsubscribe/")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"notification-{row.pk}@" in message.extra_headers["Message-ID"]
    raw = message.message().as_string()
    assert f"notification-{row.pk}@" in raw
    assert "The Analysis Review" in message.body and "The Analysis Review" in html
    strangers = [email for role, email in CAST.items() if email != recipient]
    for text in (raw, message.body, html, message.subject):
        for secret in [*strangers, *IPS.values()]:
            assert not reveals(text, secret)


def test_every_kind_of_mail_was_produced_once(article, cast, staff, committed, mailoutbox):
    _everybody_is_told(article, cast, staff, committed)

    assert sorted(Notification.objects.values_list("kind", flat=True)) == sorted(KINDS)
    assert sorted(m.to[0] for m in mailoutbox) == sorted(CAST.values())


def _unsubscribed(kind, article):
    """What a reader who unsubscribed from a mail of `kind` has turned off."""
    email = CAST[RECIPIENT[kind]]
    if kind in ("thread", "confirm"):
        return Subscription.objects.get(email=email).unsubscribed_at is not None
    field = {
        "reply": "replies",
        "article": "article_comments",
        "published": "published",
        "held": "held_comments",
    }[kind]
    return getattr(MailPreference.objects.get(email=email), field) is False


@pytest.mark.parametrize("kind", KINDS)
def test_one_click_unsubscribe_stops_that_kind_of_mail(
    article, cast, staff, committed, mailoutbox, kind
):
    _everybody_is_told(article, cast, staff, committed)
    recipient = CAST[RECIPIENT[kind]]
    [message] = mails_to(mailoutbox, recipient)

    response = one_click(unsubscribe_path(message))

    assert response.status_code == 200
    assert "Unsubscribed" in response.content.decode()
    assert _unsubscribed(kind, article)
    mailoutbox.clear()
    _everybody_is_told(article, cast, staff, committed)  # the same things happen again
    assert mails_to(mailoutbox, recipient) == []
    assert mailoutbox  # the others are still told


@pytest.mark.parametrize("method", ["get", "head"])
def test_opening_the_unsubscribe_link_shows_a_button_and_changes_nothing(
    article, cast, staff, committed, mailoutbox, method
):
    _everybody_is_told(article, cast, staff, committed)
    [message] = mails_to(mailoutbox, CAST["follower"])
    prefs = list(MailPreference.objects.values())

    response = getattr(Client(enforce_csrf_checks=True), method)(unsubscribe_path(message))

    assert response.status_code == 200
    if method == "get":
        html = response.content.decode()
        assert '<form method="post"' in html and ">Unsubscribe</button>" in html
    assert Subscription.objects.get(email=CAST["follower"]).is_active
    assert list(MailPreference.objects.values()) == prefs


def test_one_click_unsubscribe_cancels_that_subscriptions_unsent_mail(
    article, staff, approve, mailoutbox, django_capture_on_commit_callbacks
):
    follower(article, "follower@example.org")
    follower(article, "other@example.org")
    approve(held(article))
    [message] = mails_to(mailoutbox, "follower@example.org")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        transitions.change_status(held(article), "approved", actor=staff)

    assert one_click(unsubscribe_path(message)).status_code == 200
    for callback in queued:
        callback()

    assert len(mails_to(mailoutbox, "follower@example.org")) == 1
    assert len(mails_to(mailoutbox, "other@example.org")) == 2
    assert list(
        Notification.objects.filter(recipient="follower@example.org").values_list(
            "state", flat=True
        )
    ) == ["cancelled", "sent"]
    approve(held(article))
    assert len(mails_to(mailoutbox, "follower@example.org")) == 1


def test_unsubscribing_from_a_reply_mail_without_a_subscription_turns_replies_off(
    article, approve, mailoutbox
):
    parent_author = verified_user("parent")
    parent = CommentFactory(article=article, user=parent_author, author_email=parent_author.email)
    approve(CommentFactory(parent=parent, status="pending"))
    [message] = mailoutbox

    assert one_click(unsubscribe_path(message)).status_code == 200

    pref = MailPreference.objects.get(email=parent_author.email)
    assert (pref.replies, pref.article_comments, pref.published) == (False, True, True)
    approve(CommentFactory(parent=parent, status="pending"))
    assert len(mailoutbox) == 1


def test_unsubscribing_from_a_reply_mail_stops_all_mail_about_that_discussion(
    article, approve, mailoutbox
):
    """A signed-in reader who follows the thread gets a reply mail (the most personal kind
    wins). The page after one click says "no more mail about the discussion"; so it must be."""
    parent_author = verified_user("parent")
    follower(article, parent_author.email, user=parent_author)
    parent = CommentFactory(article=article, user=parent_author, author_email=parent_author.email)
    approve(CommentFactory(parent=parent, status="pending"))
    [message] = mailoutbox
    assert Notification.objects.get().kind == "reply"

    response = one_click(unsubscribe_path(message))
    assert "no more mail about the discussion" in response.content.decode()

    approve(CommentFactory(parent=parent, status="pending", author_name="Cy Later"), held(article))
    assert [m.subject for m in mails_to(mailoutbox, parent_author.email)] == [message.subject]


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        signing.dumps(1, salt="comments.confirm"),
        signing.dumps({"n": 1, "e": "a@example.org"}, salt="comments.unsubscribe"),
    ],
    ids=["garbage", "another kind of token", "the older format, which carried the address"],
)
def test_a_forged_unsubscribe_link_is_refused(token):
    response = one_click(f"/notifications/unsubscribe/{token}/")

    assert response.status_code == 400
    assert "Link not valid" in response.content.decode()
