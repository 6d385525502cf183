import pytest
from rest_framework.test import APIClient

from comments.models import ApiToken
from tests.factories import CommentFactory, UserFactory


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        _, key = ApiToken.issue(user, "test")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def anonymous():
    return APIClient()


@pytest.fixture
def member(db):
    """A reader known to the site: one approved comment before, so theirs publish at once."""
    from datetime import timedelta

    from django.utils import timezone

    user = UserFactory(username="member", first_name="Mia", last_name="Member")
    CommentFactory(user=user, created_at=timezone.now() - timedelta(days=3))
    return user


@pytest.fixture
def member_api(member):
    return client_for(member)


@pytest.fixture
def other_api(db):
    return client_for(UserFactory(username="other"))


@pytest.fixture
def moderator_api(db):
    import io

    from django.core.management import call_command

    UserFactory(username="mod")
    call_command("make_moderator", "mod", stdout=io.StringIO())
    from django.contrib.auth import get_user_model

    return client_for(get_user_model().objects.get(username="mod"))
