"""Notices of illegal content (Art. 16): the form at /comments/ID/notice/, open to anonymous
readers, the refusals it gives (and logs), and what deciding a notice does."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from comments.models import Comment, Guideline, Notice, Refusal, Statement
from comments.models.notices import CHILD_ABUSE, OTHER_LAW
from comments.moderation import decisions, notices, pipeline, statements
from tests.factories import CommentFactory, moderator_user, sign_in_staff

pytestmark = pytest.mark.django_db
S = Comment.Status
SPEECH = Statement.Category.SPEECH


def _form(**fields) -> dict:
    return {
        "ground": SPEECH,
        "explanation": "It calls for violence against a named group.",
        "urls": "",
        "name": "Nina Notifier",
        "email": "nina@example.org",
        "good_faith": "on",
        **fields,
    }


def _send(client, comment, **fields):
    return client.post(f"/comments/{comment.pk}/notice/", _form(**fields))


def test_every_public_comment_links_to_its_notice_form_for_anonymous_readers(client):
    comment = CommentFactory(status=S.APPROVED)

    page = client.get(comment.article.get_absolute_url()).content.decode()
    form = client.get(f"/comments/{comment.pk}/notice/")

    assert f'href="/comments/{comment.pk}/notice/"' in page
    assert "Report illegal content" in page
    assert form.status_code == 200
    body = form.content.decode()
    assert "I believe in good faith" in body and "Child sexual abuse material" in body
    assert f"/comments/{comment.pk}/" in body  # the comment's own address, included


def test_an_anonymous_notice_is_stored_with_the_comments_address_first(client):
    comment = CommentFactory(status=S.APPROVED)

    answer = _send(client, comment, urls="https://mirror.example.net/copy\n\nhttps://b.example/x")

    assert answer.status_code == 302
    notice = Notice.objects.get()
    assert notice.comment == comment and notice.state == "open" and notice.user is None
    assert notice.urls == [
        f"http://testserver/comments/{comment.pk}/",
        "https://mirror.example.net/copy",
        "https://b.example/x",
    ]
    assert notice.ip_address == "127.0.0.1"
    followed = client.get(answer["Location"], follow=True).content.decode()
    assert f"We received your notice (number {notice.pk})" in followed


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"good_faith": ""}, "A notice needs this statement of good faith."),
        ({"explanation": ""}, "Explain why the comment is illegal."),
        ({"name": ""}, "Give your name (it is only optional for child abuse)."),
        ({"email": ""}, "Give your email (it is only optional for child abuse)."),
        ({"ground": OTHER_LAW}, "Name the law the comment breaks."),
        ({"ground": "not-a-ground"}, "Select a valid choice."),
        ({"urls": "javascript:alert(1)"}, "Each line must be one web address"),
        ({"urls": "https://example.org/" + "a" * 2000}, "Each line must be one web address"),
    ],
)
def test_a_bad_notice_is_refused_with_its_reason_stores_nothing_and_is_logged(
    client, fields, error
):
    comment = CommentFactory(status=S.APPROVED)

    answer = _send(client, comment, **fields)

    assert answer.status_code == 400
    assert error in answer.content.decode()
    assert 'role="alert"' in answer.content.decode()
    assert not Notice.objects.exists()
    assert Refusal.objects.filter(kind="notice", comment_id=comment.pk).count() == 1


def test_five_hundred_addresses_are_refused(client):
    comment = CommentFactory(status=S.APPROVED)
    urls = "\n".join(f"https://example.org/{n}" for n in range(500))

    answer = _send(client, comment, urls=urls)

    assert answer.status_code == 400
    assert "List at most 20 further addresses." in answer.content.decode()
    assert not Notice.objects.exists()


def test_child_sexual_abuse_may_be_notified_without_name_or_email(client):
    comment = CommentFactory(status=S.APPROVED)

    answer = _send(client, comment, ground=CHILD_ABUSE, name="", email="")

    assert answer.status_code == 302
    notice = Notice.objects.get()
    assert (notice.name, notice.email, notice.category) == ("", "", Statement.Category.MINORS)


@pytest.mark.parametrize("status", [S.PENDING, S.REMOVED, S.SPAM, S.REJECTED])
def test_a_comment_that_is_not_public_cannot_be_notified(client, status):
    comment = CommentFactory(status=status)

    shown = client.get(f"/comments/{comment.pk}/notice/")
    sent = _send(client, comment)

    assert shown.status_code == sent.status_code == 404
    assert notices.NOT_PUBLIC in sent.content.decode()
    assert not Notice.objects.exists()
    assert Refusal.objects.filter(kind="notice", comment_id=comment.pk).count() == 1


def test_a_flood_from_one_address_is_refused_after_the_limit(client, settings):
    settings.COMMENT_NOTICES_PER_HOUR = 3
    comments = CommentFactory.create_batch(5, status=S.APPROVED)

    answers = [_send(client, comment).status_code for comment in comments]

    assert answers == [302, 302, 302, 429, 429]
    assert Notice.objects.count() == 3
    assert Refusal.objects.filter(kind="notice", reason=notices.TOO_MANY).count() == 2
    other = Client(REMOTE_ADDR="203.0.113.9")
    assert _send(other, comments[4]).status_code == 302  # another address is not held back


def test_the_notice_form_and_its_post_make_no_500_on_unknown_comments(client):
    assert client.get("/comments/999999/notice/").status_code == 404
    assert client.post("/comments/999999/notice/", _form()).status_code == 404


def _notice(comment, **fields) -> Notice:
    values = {"ground": SPEECH, "explanation": "illegal", "name": "N", "email": "n@example.org"}
    return Notice.objects.create(
        comment=comment, good_faith=True, urls=[comment.get_absolute_url()], **values | fields
    )


def test_removing_on_a_notice_decides_every_open_notice_of_the_comment():
    moderator = moderator_user()
    comment = CommentFactory(status=S.APPROVED)
    first, second = _notice(comment), _notice(comment, email="m@example.org")
    other = _notice(CommentFactory(status=S.APPROVED))

    decided = notices.decide(first, moderator=moderator, remove=True)

    comment.refresh_from_db()
    assert comment.status == S.REMOVED
    statement = comment.statement
    assert (statement.source, statement.ground, statement.category) == (
        "notice",
        "illegal",
        SPEECH,
    )
    assert statement.decided_by == moderator
    assert {row.pk for row in decided} == {first.pk, second.pk}
    for row in (first, second):
        row.refresh_from_db()
        assert (row.state, row.statement_id, row.decided_by) == (
            "actioned",
            statement.pk,
            moderator,
        )
    other.refresh_from_db()
    assert other.state == "open"
    # The statement the author reads does not name the notifier.
    for text in (statement.facts, statement.explanation, statement.public_reason):
        assert "n@example.org" not in text and "N " not in text


def test_a_notice_under_another_law_needs_the_moderator_to_name_a_category():
    moderator = moderator_user()
    comment = CommentFactory(status=S.APPROVED)
    notice = _notice(comment, ground=OTHER_LAW, other_law="Local defamation act, s. 4")

    with pytest.raises(decisions.GroundsMissing):
        notices.decide(notice, moderator=moderator, remove=True)
    comment.refresh_from_db()
    notice.refresh_from_db()
    assert (comment.status, notice.state) == (S.APPROVED, "open")

    grounds = statements.grounds_from(category=Statement.Category.DATA_PROTECTION)
    notices.decide(notice, moderator=moderator, remove=True, grounds=grounds)
    comment.refresh_from_db()
    assert comment.statement.source == "notice"
    assert comment.statement.category == Statement.Category.DATA_PROTECTION


def test_a_moderator_may_remove_on_a_notice_under_a_guideline_clause():
    comment = CommentFactory(status=S.APPROVED)
    notice = _notice(comment)
    grounds = statements.grounds_from(clause=Guideline.objects.get(number=3))

    notices.decide(notice, moderator=moderator_user(), remove=True, grounds=grounds)

    comment.refresh_from_db()
    assert (comment.statement.ground, comment.statement.source) == ("guidelines", "notice")
    assert comment.statement.clause.number == 3


def test_no_action_leaves_the_comment_and_a_decided_notice_cannot_be_decided_again():
    comment = CommentFactory(status=S.APPROVED)
    notice = _notice(comment)

    notices.decide(notice, moderator=moderator_user(), remove=False, note="Fair criticism.")
    notice.refresh_from_db()
    comment.refresh_from_db()

    assert (notice.state, notice.decision_note, comment.status) == (
        "no_action",
        "Fair criticism.",
        S.APPROVED,
    )
    with pytest.raises(pipeline.Conflict):
        notices.decide(notice, moderator=moderator_user(), remove=True)


def test_the_notices_queue_lists_open_notices_oldest_first_with_their_age(client):
    moderator = moderator_user()
    sign_in_staff(client, moderator)
    old = _notice(CommentFactory(status=S.APPROVED, body="the older notified comment"))
    Notice.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=5))
    _notice(CommentFactory(status=S.APPROVED, body="the newer notified comment"))
    decided = _notice(CommentFactory(status=S.APPROVED, body="a decided one"))
    Notice.objects.filter(pk=decided.pk).update(state="no_action")

    bare = client.get("/admin/comments/notice/")
    page = client.get("/admin/comments/notice/?state__exact=open").content.decode()

    assert bare.status_code == 302 and bare["Location"].endswith("?state__exact=open")
    assert page.index("the older notified comment") < page.index("the newer notified comment")
    assert "a decided one" not in page
    assert "5\xa0hours" in page


def test_a_moderator_decides_a_notice_from_the_admin(client):
    moderator = moderator_user()
    sign_in_staff(client, moderator)
    comment = CommentFactory(status=S.APPROVED)
    notice = _notice(comment)

    page = client.get(f"/admin/comments/notice/{notice.pk}/change/")
    answer = client.post(
        f"/admin/comments/notice/{notice.pk}/decide/",
        {"outcome": "remove", "category": SPEECH, "note": "Incitement."},
    )

    assert page.status_code == 200 and "Remove the comment" in page.content.decode()
    assert answer.status_code == 302
    notice.refresh_from_db()
    comment.refresh_from_db()
    assert (notice.state, notice.decision_note, comment.status) == (
        "actioned",
        "Incitement.",
        S.REMOVED,
    )


def test_the_refusals_log_never_holds_what_the_sender_typed(client):
    comment = CommentFactory(status=S.APPROVED)

    _send(client, comment, ground="reach-me-at-me@example.org")

    refusal = Refusal.objects.get(kind="notice")
    assert refusal.reason == "ground: not one of the choices"
