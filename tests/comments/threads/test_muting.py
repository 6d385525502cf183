"""Muting a reader: the rule, the page that collapses their comments, and the account page."""

import pytest
from django.db import IntegrityError

from comments.models import Comment, MutedReader
from comments.moderation.pipeline import Conflict, NotAllowed
from comments.threads import muting
from comments.threads.html import MUTED
from comments.threads.readers import Reader
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

ANONYMOUS = Reader(user=None, browser="test")


def _as(user) -> Reader:
    return Reader(user=user, browser="b")


@pytest.fixture
def loud(db):
    return UserFactory(username="loud", first_name="Lou", last_name="Dee")


def _page(client, article) -> str:
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def _collapsed(html: str) -> int:
    return html.count('<details class="comment__muted">')


def test_a_reader_mutes_and_unmutes_an_account(reader, loud):
    assert muting.mute(reader=_as(reader), user_id=loud.pk) is True
    assert muting.muted_ids_of(_as(reader)) == {loud.pk}
    assert muting.muted_by(reader) == [loud]

    assert muting.unmute(reader=_as(reader), user_id=loud.pk) is True
    assert muting.muted_ids_of(_as(reader)) == frozenset()
    assert muting.unmute(reader=_as(reader), user_id=loud.pk) is False


def test_muting_twice_changes_nothing(reader, loud):
    muting.mute(reader=_as(reader), user_id=loud.pk)
    assert muting.mute(reader=_as(reader), user_id=loud.pk) is False
    assert MutedReader.objects.count() == 1


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("self", muting.NOT_YOURSELF),
        ("unknown", muting.NO_SUCH_READER),
        ("anonymous", muting.ANONYMOUS_COMMENT),
    ],
)
def test_muting_is_refused_for_oneself_unknown_and_anonymous(reader, target, message):
    user_id = {"self": reader.pk, "unknown": 987654, "anonymous": None}[target]
    with pytest.raises(Conflict) as refused:
        muting.mute(reader=_as(reader), user_id=user_id)
    assert refused.value.message == message
    assert not MutedReader.objects.exists()


def test_an_anonymous_reader_cannot_mute(loud):
    with pytest.raises(NotAllowed):
        muting.mute(reader=ANONYMOUS, user_id=loud.pk)
    assert muting.muted_ids_of(ANONYMOUS) == frozenset()


def test_the_database_refuses_a_mute_of_oneself(reader):
    with pytest.raises(IntegrityError):
        MutedReader.objects.create(reader=reader, muted=reader)


def test_the_page_collapses_only_the_muted_accounts_comments_for_the_muting_reader(
    client, reader, loud
):
    article = ArticleFactory()
    muted = CommentFactory(article=article, user=loud, body="Loud words")
    reply = CommentFactory(parent=muted, user=UserFactory(username="calm"), body="Calm reply")
    CommentFactory(article=article, author_name="Anon", body="Anonymous words")
    MutedReader.objects.create(reader=reader, muted=loud)

    client.force_login(reader)
    html = _page(client, article)

    assert _collapsed(html) == 1
    start = html.index(f'id="comment-{muted.pk}"')
    details = html.index('<details class="comment__muted">', start)
    assert html.index(f"{MUTED}<span", details) < html.index("Loud words", details)
    # The reply is outside the folded comment, and shown as it is.
    assert html.index("</details>", details) < html.index(f'id="comment-{reply.pk}"')
    assert "Calm reply" in html and "Anonymous words" in html
    assert 'name="mute" value="no"' in html

    client.force_login(UserFactory(username="other"))
    assert _collapsed(_page(client, article)) == 0
    client.logout()
    assert _collapsed(_page(client, article)) == 0


def test_mute_buttons_only_on_other_accounts_comments(client, reader, loud):
    article = ArticleFactory()
    theirs = CommentFactory(article=article, user=loud)
    mine = CommentFactory(article=article, user=reader)
    anonymous = CommentFactory(article=article)

    assert "comment__mute" not in _page(client, article)  # nobody signed in

    client.force_login(reader)
    html = _page(client, article)
    assert html.count('<form class="comment__mute"') == 1
    assert f'action="/comments/{theirs.pk}/mute/"' in html
    assert f'action="/comments/{mine.pk}/mute/"' not in html
    assert f'action="/comments/{anonymous.pk}/mute/"' not in html


def test_the_mute_button_mutes_and_comes_back_to_the_comment(client, reader, loud):
    comment = CommentFactory(user=loud)
    client.force_login(reader)

    response = client.post(f"/comments/{comment.pk}/mute/", {"mute": "yes"})

    assert response.status_code == 302
    assert response["Location"].endswith(f"#comment-{comment.pk}")
    assert muting.muted_ids_of(_as(reader)) == {loud.pk}
    assert client.post(f"/comments/{comment.pk}/mute/", {"mute": "yes"}).status_code == 302
    client.post(f"/comments/{comment.pk}/mute/", {"mute": "no"})
    assert not MutedReader.objects.exists()


@pytest.mark.parametrize("whose", ["own", "anonymous"])
def test_the_mute_view_refuses_clearly(client, reader, whose):
    comment = CommentFactory(user=reader if whose == "own" else None)
    client.force_login(reader)

    response = client.post(f"/comments/{comment.pk}/mute/", {"mute": "yes"})

    assert response.status_code == 409
    expected = muting.NOT_YOURSELF if whose == "own" else muting.ANONYMOUS_COMMENT
    assert expected in response.content.decode()
    assert not MutedReader.objects.exists()


def test_the_mute_view_refuses_anonymous_readers_and_unknown_comments(client, reader, loud):
    comment = CommentFactory(user=loud)
    response = client.post(f"/comments/{comment.pk}/mute/", {"mute": "yes"})
    assert response.status_code == 403
    assert muting.SIGN_IN_TO_MUTE in response.content.decode()

    client.force_login(reader)
    assert client.post("/comments/987654/mute/", {"mute": "yes"}).status_code == 404
    hidden = CommentFactory(user=loud, status=Comment.Status.PENDING)
    assert client.post(f"/comments/{hidden.pk}/mute/", {"mute": "yes"}).status_code == 404
    assert client.get(f"/comments/{comment.pk}/mute/").status_code == 405
    assert not MutedReader.objects.exists()


def test_the_account_page_lists_muted_readers_and_unmutes(client, reader, loud):
    someone = UserFactory(username="someone", first_name="Sam", last_name="Else")
    MutedReader.objects.create(reader=reader, muted=loud)
    MutedReader.objects.create(reader=UserFactory(username="other"), muted=reader)
    client.force_login(reader)

    html = client.get("/accounts/muted/").content.decode()
    assert loud.get_full_name() in html
    assert someone.get_full_name() not in html  # muted by nobody
    assert f'name="unmute" value="{loud.pk}"' in html

    response = client.post("/accounts/muted/", {"unmute": str(loud.pk)}, follow=True)
    assert "Unmuted" in response.content.decode()
    assert not MutedReader.objects.filter(reader=reader).exists()
    # Someone else's mute of this reader is theirs: never shown, never touched.
    assert MutedReader.objects.filter(muted=reader).exists()

    response = client.post("/accounts/muted/", {"unmute": "nonsense"}, follow=True)
    assert response.status_code == 200
    assert "That reader was not muted." in response.content.decode()


def test_the_account_page_needs_a_signed_in_reader(client):
    response = client.get("/accounts/muted/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("count", [10, 1000])
def test_a_page_with_muted_readers_keeps_its_query_count(
    client, reader, django_assert_max_num_queries, count
):
    article = ArticleFactory()
    authors = [UserFactory() for _ in range(5)]
    for n in range(count):
        CommentFactory(article=article, user=authors[n % 5])
    for author in authors[:3]:
        MutedReader.objects.create(reader=reader, muted=author)
    client.force_login(reader)
    # session, user, article, authors, topics, related, comment structure, comment content,
    # moderation settings, editor's picks, badges, the reader's own votes, the muted readers,
    # this visit recorded
    # and the anchors of the comments on passages
    with django_assert_max_num_queries(15):
        response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert _collapsed(response.content.decode()) == min(count, 50) * 3 // 5
