"""Fixtures of the notification tests.

Celery runs eagerly here and the worker's mail backend is locmem, so a mail that is sent
lands in `mailoutbox`. Rows are handed to Celery after commit: the tests run those callbacks
with `django_capture_on_commit_callbacks`, or hold them back to see what happens meanwhile.
"""

import pytest

from comments.moderation import transitions
from tests.comments.outbound.helpers import SITE_URL
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _mail_lands_in_the_outbox(settings, mailoutbox):
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = SITE_URL


@pytest.fixture
def staff(db):
    """The moderator who approves; not a recipient of anything unless a test makes them one."""
    return UserFactory(username="approver", is_staff=True)


@pytest.fixture
def approve(staff, django_capture_on_commit_callbacks):
    """Approve comments in one bulk change, and run what was queued after commit."""

    def approve(*comments):
        with django_capture_on_commit_callbacks(execute=True):
            moved = transitions.change_statuses(comments, "approved", actor=staff)
        assert len(moved) == len(comments)
        return moved

    return approve


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed(): ...` runs the block, then what it queued after commit."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
