"""People, subscriptions and mail lookups shared by the notification tests."""

import io
import re
from datetime import timedelta
from urllib.parse import urlparse

from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from comments.models import MailPreference, Subscription
from tests.factories import CommentFactory, UserFactory

SITE_URL = "https://analysis.example.org"


def verified_user(username, **fields):
    user = UserFactory(username=username, **fields)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def moderator(username, *, opted_in=True, **fields):
    user = UserFactory(username=username, **fields)
    call_command("make_moderator", username, stdout=io.StringIO())
    if opted_in:
        MailPreference.objects.create(email=user.email.lower(), user=user, held_comments=True)
    return user


def follower(article, email, *, confirmed=True, scope="thread", user=None):
    return Subscription.objects.create(
        article=article,
        email=email,
        user=user,
        scope=scope,
        confirmed_at=timezone.now() if confirmed else None,
    )


def mails_to(outbox, address):
    return [message for message in outbox if address in message.to]


def unsubscribe_path(message):
    link = re.fullmatch(r"<([^>]+)>", message.extra_headers["List-Unsubscribe"]).group(1)
    assert link.startswith(f"{SITE_URL}/")
    return urlparse(link).path


def one_click(path):
    """What a mail provider does with List-Unsubscribe-Post: a POST with no cookie, no token."""
    return Client(enforce_csrf_checks=True).post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )


def ago(seconds):
    return timezone.now() - timedelta(seconds=seconds)


def held(article, **fields):
    return CommentFactory(article=article, status="pending", **fields)
