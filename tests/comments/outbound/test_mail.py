"""A notification mail speaks to its own recipient only.

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

from comments.models import Notification, Subscription
from comments.moderation import transitions
from comments.outbound import mail
from tests.factories import ArticleFactory, CommentFactory
from tests.privacy import reveals

pytestmark = pytest.mark.django_db

SITE_URL = "https://analysis.example.org"
FOLLOWERS = [
    "annabel.quill@example.org",
    "bartholomew.vance@example.org",
    "cy.deeley+news@example.net",
]


@pytest.fixture(autouse=True)
def _mail_lands_in_the_outbox(settings):
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = SITE_URL


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
    from comments.outbound import recipients

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
