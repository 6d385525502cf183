"""A notifier's notices are their personal data: in their export, and emptied of their name,
address and IP by an erasure (the notice itself stays, a record of due process); the IP of
an old notice goes with the comments' after the retention period."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from comments.models import Appeal, Notice
from comments.portability import personal_data, retention
from tests.factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db


def _notice(**fields) -> Notice:
    values = {
        "comment": CommentFactory(),
        "ground": "STATEMENT_CATEGORY_VIOLENCE",
        "explanation": "a threat",
        "name": "Nina",
        "email": "nina@example.org",
        "good_faith": True,
        "urls": ["https://analysis.example.org/comments/1/"],
        "ip_address": "198.51.100.7",
    }
    return Notice.objects.create(**values | fields)


def test_an_address_export_and_erasure_cover_its_notices():
    notice = _notice(state="no_action")
    Appeal.objects.create(by="notifier", notice=notice, explanation="it is a threat")
    _notice(email="someone-else@example.org")

    exported = personal_data.export_for_email("NINA@example.org")

    assert [row["explanation"] for row in exported["notices"]] == ["a threat"]
    assert exported["notices"][0]["appeal"]["explanation"] == "it is a threat"
    assert exported["notices"][0]["ip_address"] == "198.51.100.7"

    personal_data.erase_for_email("nina@example.org", actor=None, delete_comments=False)

    notice.refresh_from_db()
    assert (notice.name, notice.email, notice.ip_address) == ("", "", None)
    assert notice.explanation == "a threat"  # the record stays
    assert Notice.objects.filter(email="someone-else@example.org").exists()


def test_an_account_export_and_erasure_cover_its_notices():
    user = UserFactory(email="nina@example.org")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    signed_in = _notice(user=user, email="other-address@example.org")
    by_address = _notice()

    exported = personal_data.export_for_user(user)
    personal_data.erase_for_user(user, actor=None, delete_comments=False)

    assert len(exported["notices"]) == 2
    for notice in (signed_in, by_address):
        notice.refresh_from_db()
        assert (notice.user, notice.name, notice.email, notice.ip_address) == (None, "", "", None)


def test_old_notices_lose_their_ip_address_with_the_comments(settings):
    settings.COMMENT_IP_RETENTION_DAYS = 30
    old, recent = _notice(), _notice()
    Notice.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))

    retention.clear_old_request_facts()

    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.ip_address, recent.ip_address) == (None, "198.51.100.7")
