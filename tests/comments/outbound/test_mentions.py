"""@mentions: a signed-in reader names another reader; the name is highlighted and its
reader told once, when the comment is public, never before, as their preferences allow."""

import pytest

from comments.models import Comment, MailPreference, ModerationSettings, MutedReader
from comments.moderation import transitions
from comments.outbound import recipients
from comments.posting import services
from comments.threads import quoting
from comments.threads.readers import Reader
from comments.threads.rendering import render
from tests.comments.outbound.helpers import ago, mails_to, verified_user
from tests.factories import CommentFactory, UserFactory, comment_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def bea(db):
    return verified_user("bea", first_name="Bea", email="bea@example.com")


@pytest.fixture
def writer(article):
    """A reader with an approved comment already: what they write now is published."""
    user = verified_user("al", first_name="Al", last_name="", email="al@example.com")
    CommentFactory(
        article=article, user=user, author_email=user.email, body="Earlier.", created_at=ago(3600)
    )
    return user


def _write(article, user, body, **fields):
    return services.post_comment(
        article=article, reader=Reader(user=user, browser="b"), parent_id=None,
        name="", email="", url="", body=body, **fields,
    )  # fmt: skip


def _hold_everything():
    limits = ModerationSettings.current()
    limits.require_approval = True
    limits.save()


def test_a_mention_of_a_reader_is_highlighted_and_listed(article, bea, writer):
    comment = _write(article, writer, "Thanks @bea, and @Bea again; not @nobody or al@bea.org")
    assert comment.mentions == ["bea"]
    assert comment.body_html.count('<span class="mention">@bea</span>') == 2
    assert "@nobody" in comment.body_html and "al@bea.org" in comment.body_html


def test_a_mention_in_code_or_a_link_or_at_a_sentence_end_is_handled(article, bea, writer):
    comment = _write(article, writer, "`@bea` and [@bea](https://x.example/) and ask @bea.")
    assert comment.body_html.count('class="mention"') == 1
    assert '<span class="mention">@bea</span>.' in comment.body_html


def test_an_address_like_username_is_never_mentionable(article, writer):
    UserFactory(username="carol@example.com")
    comment = _write(article, writer, "Hi @carol@example.com")
    assert comment.mentions == []
    assert 'class="mention"' not in comment.body_html


def test_an_anonymous_comment_mentions_nobody(client, article, bea):
    client.post(
        f"/articles/{article.slug}/comments/",
        comment_form(body="Hey @bea"),
    )
    comment = Comment.objects.get()
    assert comment.mentions == []
    assert 'class="mention"' not in comment.body_html


def test_the_mentioned_reader_is_mailed_once_when_the_comment_is_published(
    article, bea, writer, mailoutbox, committed
):
    with committed():
        _write(article, writer, "I think @bea has the numbers, @bea?")
    [mail] = mails_to(mailoutbox, "bea@example.com")
    assert mail.subject == f"Al mentioned you on {article.title}"
    assert "Al mentioned you in a comment" in mail.body
    assert "al@example.com" not in mail.body  # the writer's address is no one's business


def test_a_held_comment_mentions_nobody_until_a_moderator_approves_it(
    article, bea, writer, mailoutbox, committed, approve
):
    _hold_everything()
    with committed():
        comment = _write(article, writer, "Over to @bea.")
    assert comment.status == "pending"
    assert mails_to(mailoutbox, "bea@example.com") == []

    approve(comment)
    assert len(mails_to(mailoutbox, "bea@example.com")) == 1
    # Removed and approved again: no second mail.
    with committed():
        transitions.change_status(comment, "removed", reason="Off topic")
        transitions.change_status(Comment.objects.get(pk=comment.pk), "approved")
    assert len(mails_to(mailoutbox, "bea@example.com")) == 1


def test_the_mentions_switch_turns_the_mail_off(article, bea, writer, mailoutbox, committed):
    MailPreference.objects.create(email=bea.email, user=bea, mentions=False)
    with committed():
        _write(article, writer, "@bea look")
    assert mails_to(mailoutbox, "bea@example.com") == []


def test_the_notification_settings_page_offers_the_mentions_switch(client, bea):
    client.force_login(bea)
    html = client.get("/accounts/notifications/").content.decode()
    assert 'name="mentions"' in html and "checked" in html.split('name="mentions"')[1][:80]


def test_a_reader_who_muted_the_writer_is_not_told(article, bea, writer, mailoutbox, committed):
    MutedReader.objects.create(reader=bea, muted=writer)
    with committed():
        _write(article, writer, "@bea look")
    assert mails_to(mailoutbox, "bea@example.com") == []


def test_a_reply_that_mentions_its_parents_author_makes_one_mail(
    article, bea, writer, mailoutbox, committed
):
    parent = CommentFactory(article=article, user=bea, author_email=bea.email)
    with committed():
        services.post_comment(
            article=article, reader=Reader(user=writer, browser="b"), parent_id=parent.pk,
            name="", email="", url="", body="@bea you are right",
        )  # fmt: skip
    [mail] = mails_to(mailoutbox, "bea@example.com")
    assert "replied to your comment" in mail.body


def test_an_edit_that_adds_a_mention_tells_only_the_newly_named(
    article, bea, writer, mailoutbox, committed
):
    verified_user("dan", email="dan@example.com")
    with committed():
        comment = _write(article, writer, "@bea look")
    with committed():
        services.edit_comment(
            comment=comment, reader=Reader(user=writer, browser="b"), body="@bea and @dan look"
        )
    assert len(mails_to(mailoutbox, "bea@example.com")) == 1
    assert len(mails_to(mailoutbox, "dan@example.com")) == 1


def test_a_crowd_of_mentions_tells_the_first_ten(article, writer, mailoutbox, committed):
    crowd = [verified_user(f"r{n:02d}", email=f"r{n:02d}@example.com") for n in range(12)]
    with committed():
        _write(article, writer, " ".join(f"@{u.username}" for u in crowd))
    told = {address for mail in mailoutbox for address in mail.to}
    assert told == {u.email for u in crowd[: recipients.MENTIONS_TOLD]}


def test_suggestions_are_the_readers_of_this_discussion(client, article, bea, writer):
    CommentFactory(article=article, user=bea, author_name=bea.get_full_name())
    CommentFactory(article=article, user=UserFactory(username="bert"), status="pending")
    UserFactory(username="bella")  # never wrote here
    client.force_login(writer)
    url = f"/articles/{article.slug}/comments/mentionable/"
    assert client.get(url, {"q": "be"}).json() == {
        "readers": [{"username": "bea", "name": bea.get_full_name()}]
    }
    assert client.get(url, {"q": ""}).json() == {"readers": []}
    assert client.get(url, {"q": "\x00" * 500}).status_code == 200


def test_suggestions_need_a_signed_in_reader(client, article):
    response = client.get(f"/articles/{article.slug}/comments/mentionable/", {"q": "a"})
    assert response.status_code == 403
    assert "Sign in" in response.json()["detail"]


def test_rendering_without_surroundings_leaves_mentions_plain():
    assert render("@bea").html == "<p>@bea</p>"
    assert quoting.Discussion(1, mentions=False).readers({"bea"}) == {}


def test_a_name_in_quoted_words_is_not_a_mention_of_the_quoting_comment(
    article, bea, writer, mailoutbox, committed
):
    quoted = CommentFactory(article=article, body="Ask @bea about it.")
    with committed():
        comment = _write(article, writer, quoting.quote_of(quoted) + "Agreed.")
    assert comment.mentions == []
    assert mails_to(mailoutbox, "bea@example.com") == []
