"""A client mirrors a thread through the change feed and ends with exactly the public thread."""

import pytest

from comments.moderation import transitions
from comments.posting import services
from comments.threads.readers import Reader
from tests.factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db


class Mirror:
    """What a syncing client keeps: every comment it was told of, by id."""

    def __init__(self, client, article):
        self.client, self.url = client, f"/api/v1/articles/{article.slug}/comments/"
        first = client.get(self.url).json()
        self.entries = {c["id"]: c for c in first["comments"]}
        self.cursor = first["cursor"]
        self.requests = 1

    def sync(self):
        while True:
            page = self.client.get(self.url, {"since": self.cursor, "limit": 3}).json()
            self.requests += 1
            for change in page["changes"]:
                self.entries[change["id"]] = change
            self.cursor = page["cursor"]
            if not page["more"]:
                return

    def public_thread(self) -> list[dict]:
        """The thread the site shows: published comments, and tombstones with replies."""
        children: dict = {}
        for entry in self.entries.values():
            children.setdefault(entry["parent"], []).append(entry)
        for siblings in children.values():
            siblings.sort(key=lambda e: (e["created_at"], e["id"]))

        def visible(entry) -> bool:
            return entry["status"] == "approved" or any(
                visible(c) for c in children.get(entry["id"], [])
            )

        ordered = []

        def walk(entry):
            if visible(entry):
                ordered.append(entry)
                for child in children.get(entry["id"], []):
                    walk(child)

        for root in children.get(None, []):
            walk(root)
        return ordered


KEYS = ("id", "parent", "depth", "status", "author", "html", "edited_at")


def _shape(entries):
    return [{key: entry[key] for key in KEYS} for entry in entries]


def test_a_mirror_kept_by_the_change_feed_equals_the_public_thread(client, article, settings):
    settings.API_FEED_LAG_SECONDS = 0
    from rest_framework.test import APIClient

    api = APIClient()
    author = UserFactory(username="writer")
    moderator = UserFactory(username="mod", is_staff=True)
    first = CommentFactory(article=article, user=author, body="First.")
    second = CommentFactory(article=article, body="Second.")
    reply = CommentFactory(parent=second, body="A reply.")
    held = CommentFactory(article=article, status="pending", body="Held.")
    mirror = Mirror(api, article)

    # a new comment, an approval, an edit, a removal of a replied-to comment, a deletion
    CommentFactory(parent=reply, body="Deeper.")
    transitions.change_status(held, "approved", actor=moderator)
    services.edit_comment(
        comment=first, reader=Reader(user=author, browser="x"), body="First, revised."
    )
    mirror.sync()
    transitions.change_status(second, "removed", actor=moderator, reason="off topic")
    transitions.change_status(first, "deleted", actor=author)
    spam = CommentFactory(article=article, body="Spam that slipped through.")
    mirror.sync()
    transitions.change_status(spam, "spam", actor=moderator)
    late = CommentFactory(article=article, status="pending", body="Never approved.")
    mirror.sync()

    public = api.get(f"/api/v1/articles/{article.slug}/comments/").json()["comments"]
    assert _shape(mirror.public_thread()) == _shape(public)
    assert late.pk not in mirror.entries
    assert {e["status"] for e in public} == {"approved", "removed"}
    assert "Spam that slipped through." not in str(public)


def test_an_empty_change_page_keeps_the_cursor_moving(article, settings):
    settings.API_FEED_LAG_SECONDS = 0
    from rest_framework.test import APIClient

    api = APIClient()
    url = f"/api/v1/articles/{article.slug}/comments/"
    cursor = api.get(url).json()["cursor"]
    empty = api.get(url, {"since": cursor}).json()
    assert empty == {"changes": [], "cursor": empty["cursor"], "more": False}
    comment = CommentFactory(article=article)
    changed = api.get(url, {"since": empty["cursor"]}).json()
    assert [c["id"] for c in changed["changes"]] == [comment.pk]


@pytest.mark.parametrize("bad", ["", "abc", "MjAyNg", "!!!", "bm90LWEtZGF0ZXwx"])
def test_a_cursor_we_did_not_give_is_400(client, article, bad):
    response = client.get(f"/api/v1/articles/{article.slug}/comments/", {"since": bad})
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["since"] == ["Not a cursor this API gave out."]


@pytest.mark.parametrize("limit", ["0", "1001", "-1", "x", "%C2%B2"])
@pytest.mark.parametrize("with_since", [True, False])
def test_a_limit_out_of_bounds_is_400_with_or_without_a_cursor(
    anonymous, article, limit, with_since
):
    url = f"/api/v1/articles/{article.slug}/comments/?limit={limit}"
    if with_since:
        url += (
            "&since=" + anonymous.get(f"/api/v1/articles/{article.slug}/comments/").json()["cursor"]
        )
    response = anonymous.get(url)
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["limit"] == ["Give a whole number from 1 to 1000."]
