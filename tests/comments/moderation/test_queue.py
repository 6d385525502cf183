"""The moderators' queues have one definition, whichever page or endpoint shows them."""

import io
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from comments.models import Report
from comments.moderation import queue
from tests.api.conftest import client_for
from tests.factories import CommentFactory, UserFactory, sign_in_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(db):
    user = UserFactory(username="mod")
    call_command("make_moderator", "mod", stdout=io.StringIO())
    return user


@pytest.fixture
def site(db):
    """Unreported comments, one with an open report, one reported twice, one whose only
    report was resolved, and held comments: two of them reported."""
    for _ in range(5):
        CommentFactory()
    once = CommentFactory(body="Reported once.")
    twice = CommentFactory(body="Reported twice.")
    resolved = CommentFactory(body="Report resolved.")
    held = [CommentFactory(status="pending") for _ in range(3)]
    Report.objects.create(comment=once, reason="abuse", reporter_key="browser:a")
    Report.objects.create(comment=twice, reason="abuse", reporter_key="browser:a")
    Report.objects.create(comment=twice, reason="spam", reporter_key="browser:b")
    Report.objects.create(
        comment=resolved, reason="spam", reporter_key="browser:c", resolved_at=timezone.now()
    )
    Report.objects.create(comment=held[0], reason="spam", reporter_key="browser:d")
    return {"reported": {once.pk, twice.pk, held[0].pk}, "pending": {c.pk for c in held}}


def test_the_queues_hold_exactly_their_comments(site):
    assert set(queue.reported().values_list("pk", flat=True)) == site["reported"]
    assert set(queue.pending().values_list("pk", flat=True)) == site["pending"]
    assert queue.sizes() == {"pending": 3, "reported": 3}


def test_the_admin_badges_count_the_queues(site, moderator):
    client = Client()
    sign_in_staff(client, moderator)

    html = client.get("/admin/comments/comment/?status__exact=pending").content.decode()

    assert "Pending queue (3)" in html
    assert "Reported (3)" in html


def test_the_admin_list_and_the_api_show_the_same_reported_queue(site, moderator):
    client = Client()
    sign_in_staff(client, moderator)
    html = client.get("/admin/comments/reportedcomment/").content.decode()
    in_admin = {int(pk) for pk in re.findall(r'name="_selected_action" value="(\d+)"', html)}

    api = client_for(moderator).get("/api/v1/moderation/queue/", {"queue": "reported"}).json()

    assert in_admin == site["reported"]
    assert {entry["id"] for entry in api["results"]} == site["reported"]


def test_a_site_with_no_report_has_an_empty_reported_queue(db, moderator):
    for _ in range(4):
        CommentFactory()
    client = Client()
    sign_in_staff(client, moderator)

    html = client.get("/admin/comments/comment/?status__exact=pending").content.decode()

    assert "Reported (0)" in html
