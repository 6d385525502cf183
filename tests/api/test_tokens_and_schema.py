import io

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from comments.models import ApiToken

pytestmark = pytest.mark.django_db


def test_the_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(out), stdout=io.StringIO()
    )
    assert "/api/v1/moderation/comments/{id}/decision/" in out.read_text()


def test_a_reader_creates_a_token_sees_it_once_and_revokes_it(client, reader, article):
    client.force_login(reader)

    created = client.post("/accounts/api-tokens/", {"name": "newsletter tool"})
    key = created.context["new_key"]
    assert key.startswith("atr_") and key in created.content.decode()
    assert key not in client.get("/accounts/api-tokens/").content.decode()  # shown once
    token = ApiToken.objects.get(user=reader)
    assert token.key_hash != key

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.get("/api/v1/moderation/queue/").status_code == 403  # known, not a moderator

    client.post("/accounts/api-tokens/", {"revoke": token.pk})
    assert api.get("/api/v1/articles/").status_code == 401


def test_token_page_needs_sign_in_and_a_name(client, reader):
    assert client.get("/accounts/api-tokens/").status_code == 302
    client.force_login(reader)
    response = client.post("/accounts/api-tokens/", {"name": ""})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_another_readers_token_cannot_be_revoked(client, reader):
    from tests.factories import UserFactory

    other = UserFactory()
    token, _ = ApiToken.issue(other, "theirs")
    client.force_login(reader)
    client.post("/accounts/api-tokens/", {"revoke": token.pk})
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.parametrize("value", ["abc", "", "1.5", "-1"])
def test_a_garbled_revoke_is_a_message_not_an_error(client, reader, value):
    client.force_login(reader)
    response = client.post("/accounts/api-tokens/", {"revoke": value}, follow=True)
    assert response.status_code == 200
    assert "That token was not found." in response.content.decode()
