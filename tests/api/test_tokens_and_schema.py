import io

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from comments.models import ApiToken
from comments.models.api import hash_key

pytestmark = pytest.mark.django_db


def test_the_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(out), stdout=io.StringIO()
    )
    assert "/api/v1/moderation/comments/{id}/decision/" in out.read_text()


def _schema() -> dict:
    return APIClient().get("/api/v1/schema/", {"format": "json"}).json()


def _operations(schema: dict):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield method.upper(), path, operation


def test_every_answer_an_operation_can_give_is_documented_with_the_error_shape():
    schema = _schema()
    for method, path, operation in _operations(schema):
        codes = set(operation["responses"])
        expected = {"401", "404", "406", "429"} | ({"304"} if method == "GET" else {"403"})
        if method in ("POST", "PATCH"):
            expected |= {"400", "415"}
        assert expected <= codes, (method, path, codes)
        for code, response in operation["responses"].items():
            if code >= "400":
                shape = response["content"]["application/json"]["schema"]
                assert shape == {"$ref": "#/components/schemas/Error"}, (method, path, code)
        if method == "GET":
            for code in ("200", "304"):
                assert operation["responses"][code]["headers"]["ETag"]["required"], (path, code)


def test_every_bound_is_in_the_schema():
    schema = _schema()

    def parameter(path, name):
        parameters = schema["paths"][path]["get"]["parameters"]
        return next(p["schema"] for p in parameters if p["name"] == name)

    assert parameter("/api/v1/articles/", "page_size") == {
        "type": "integer",
        "minimum": 1,
        "maximum": 100,
    }
    limit = parameter("/api/v1/articles/{slug}/comments/", "limit")
    assert (limit["minimum"], limit["maximum"]) == (1, 1000)
    components = schema["components"]["schemas"]
    for name in ("CommentInputRequest", "CommentEditRequest", "ReportInputRequest"):
        assert components[name]["additionalProperties"] is False, name
    assert components["CommentEditRequest"]["required"] == ["body"]  # PATCH takes a whole body


def test_the_change_feed_has_its_own_shape_in_the_schema():
    schema = _schema()
    thread = schema["paths"]["/api/v1/articles/{slug}/comments/"]["get"]["responses"]["200"]
    assert thread["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ThreadOrChanges"
    }
    components = schema["components"]["schemas"]
    assert components["ThreadOrChanges"]["oneOf"] == [
        {"$ref": "#/components/schemas/Thread"},
        {"$ref": "#/components/schemas/Changes"},
    ]
    assert set(components["Changes"]["required"]) == {"changes", "cursor", "more"}
    change = components["Change"]
    assert (
        "updated_at" in change["required"]
        and "updated_at" not in components["Comment"]["properties"]
    )


def test_a_comments_longest_in_the_schema_is_the_moderators_setting(moderation):
    moderation.max_length = 500
    moderation.save()
    body = _schema()["components"]["schemas"]["CommentInputRequest"]["properties"]["body"]
    assert body["maxLength"] == 500


def test_a_reader_creates_a_token_sees_it_once_and_revokes_it(client, reader, article):
    client.force_login(reader)

    created = client.post("/accounts/api-tokens/", {"name": "newsletter tool"})
    key = created.context["new_key"]
    assert key.startswith("atr_") and key in created.content.decode()
    assert key not in client.get("/accounts/api-tokens/").content.decode()  # shown once
    token = ApiToken.objects.get(user=reader)
    assert token.key_hash == hash_key(key) != key

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
