"""The mail a reader gets when the editors decide on their correction: to an address known to
be theirs (as "now published" is), once per outcome, and to nobody else."""

import pytest

from comments.models import MailPreference, Notification, Resolution
from comments.moderation import corrections
from tests.comments.outbound.helpers import (
    follower,
    mails_to,
    one_click,
    unsubscribe_path,
    verified_user,
)
from tests.factories import ArticleFactory, CommentFactory, moderator_user

pytestmark = pytest.mark.django_db
S = Resolution.State


@pytest.fixture
def author(db):
    return verified_user("author", email="author@example.com", is_staff=True)


@pytest.fixture
def article(author):
    return ArticleFactory(authors=[author], title="Grain corridors")


@pytest.fixture
def editor(db):
    return moderator_user(username="desk", email="desk@example.com")


def _correction(article, **fields):
    return CommentFactory(
        article=article, kind="correction", body="The tonnage is 4.1 Mt.", **fields
    )


def test_an_accepted_correction_is_mailed_to_its_verified_writer(
    article, author, editor, mailoutbox, committed
):
    writer = verified_user("wren", email="wren@example.com")
    comment = _correction(article, user=writer, author_email=writer.email)

    with committed():
        corrections.decide(
            comment, S.ACCEPTED, decider=editor, note="Fixed in the table.", revision=2
        )

    [message] = mailoutbox
    assert message.to == ["wren@example.com"]
    assert message.subject == "Your correction was accepted: Grain corridors"
    assert "Thank you: the editors accepted your correction" in message.body
    assert "Their note: Fixed in the table." in message.body
    assert "The tonnage is 4.1 Mt." in message.body
    assert f"https://analysis.example.org/comments/{comment.pk}/" in message.body
    assert "https://analysis.example.org/articles/" in message.body
    html = message.alternatives[0][0]
    assert "Fixed in the table." in html and "/revisions/2/" in html
    every_part = message.body + html + str(message.message())
    for other in ("desk@example.com", "author@example.com"):
        assert other not in every_part  # the decider's and the author's addresses stay out


def test_a_declined_correction_tells_its_writer_the_note(article, editor, mailoutbox, committed):
    writer = verified_user("wren", email="wren@example.com")
    comment = _correction(article, user=writer, author_email=writer.email)

    with committed():
        corrections.decide(comment, S.DECLINED, decider=editor, note="The source says 41 Mt.")

    [message] = mailoutbox
    assert message.subject == "Your correction on Grain corridors: the editors' decision"
    assert "did not change the article" in message.body
    assert "Their note to you: The source says 41 Mt." in message.body
    assert "/revisions/" not in message.body


def test_an_unverified_account_address_gets_nothing(article, editor, mailoutbox, committed):
    from tests.factories import UserFactory

    writer = UserFactory(username="unverified", email="unverified@example.com")
    comment = _correction(article, user=writer, author_email=writer.email)

    with committed():
        corrections.decide(comment, S.ACCEPTED, decider=editor)

    assert mailoutbox == []
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    ("subscription", "mailed"),
    [("confirmed", True), ("unconfirmed", False), ("none", False), ("left", False)],
)
def test_an_anonymous_writer_is_mailed_only_at_a_confirmed_address(
    article, editor, mailoutbox, committed, subscription, mailed
):
    comment = _correction(article, author_email="anon@example.com")
    if subscription != "none":
        sub = follower(article, "anon@example.com", confirmed=subscription != "unconfirmed")
        if subscription == "left":
            from django.utils import timezone

            sub.unsubscribed_at = timezone.now()
            sub.save()

    with committed():
        corrections.decide(comment, S.ACCEPTED, decider=editor)

    assert bool(mails_to(mailoutbox, "anon@example.com")) is mailed
    assert len(mailoutbox) == int(mailed)


def test_a_writer_who_opted_out_is_not_mailed(article, editor, mailoutbox, committed):
    writer = verified_user("wren", email="wren@example.com")
    MailPreference.objects.create(email="wren@example.com", user=writer, corrections=False)
    comment = _correction(article, user=writer, author_email=writer.email)

    with committed():
        corrections.decide(comment, S.ACCEPTED, decider=editor)

    assert mailoutbox == []


def test_one_click_in_the_mail_stops_mail_about_corrections(article, editor, mailoutbox, committed):
    writer = verified_user("wren", email="wren@example.com")
    comment = _correction(article, user=writer, author_email=writer.email)
    with committed():
        corrections.decide(comment, S.ACCEPTED, decider=editor)

    response = one_click(unsubscribe_path(mailoutbox[0]))

    assert response.status_code == 200
    assert MailPreference.objects.get(email="wren@example.com").corrections is False
    later = _correction(article, user=writer, author_email=writer.email)
    with committed():
        corrections.decide(later, S.ACCEPTED, decider=editor)
    assert len(mailoutbox) == 1


def test_each_outcome_is_told_once_and_a_changed_decision_cancels_the_unsent_one(
    article, editor, mailoutbox, committed, django_capture_on_commit_callbacks
):
    writer = verified_user("wren", email="wren@example.com")
    comment = _correction(article, user=writer, author_email=writer.email)

    # Declined, then accepted before the first mail left (its callbacks never ran).
    with django_capture_on_commit_callbacks(execute=False):
        corrections.decide(comment, S.DECLINED, decider=editor, note="No.")
    with committed():
        corrections.decide(comment, S.ACCEPTED, decider=editor, note="On second look, yes.")
        corrections.decide(comment, S.ACCEPTED, decider=editor, note="On second look, yes.")

    assert [m.subject for m in mailoutbox] == ["Your correction was accepted: Grain corridors"]
    states = dict(Notification.objects.values_list("event", "state"))
    assert states == {
        f"correction:{comment.pk}:declined": Notification.State.CANCELLED,
        f"correction:{comment.pk}:accepted": Notification.State.SENT,
    }


def test_nobody_is_told_of_a_correction_whose_writer_was_erased_or_decided_it(
    article, author, editor, mailoutbox, committed
):
    erased = _correction(article, author_email="")
    own = _correction(article, user=author, author_email=author.email)

    with committed():
        corrections.decide(erased, S.ACCEPTED, decider=editor)
        corrections.decide(own, S.ACCEPTED, decider=author)

    assert mailoutbox == []
