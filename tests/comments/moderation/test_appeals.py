"""Appeals: from a signed link, once per decision, within six months, taken by a moderator
other than the one who decided; a reversal goes through the status transitions."""

import re
from datetime import timedelta

import pytest
from django.core import signing
from django.utils import timezone

from comments.models import Appeal, Ban, Comment, Guideline, ModerationEvent, Notice, Refusal
from comments.moderation import appeals, bans, decisions, notices, pipeline, statements
from comments.threads.readers import remember_browser
from tests.factories import CommentFactory, UserFactory, moderator_user, sign_in_staff

pytestmark = pytest.mark.django_db
S = Comment.Status


def _removed(moderator=None, **fields):
    comment = CommentFactory(status=S.APPROVED, **fields)
    grounds = statements.grounds_from(clause=Guideline.objects.get(number=3))
    decisions.decide(comment, S.REMOVED, moderator=moderator or moderator_user(), grounds=grounds)
    comment.refresh_from_db()
    return comment


def _appeal_path(comment) -> str:
    return appeals.path_for(comment.statement)


def test_the_author_appeals_from_the_link_once(client):
    comment = _removed()
    path = _appeal_path(comment)

    page = client.get(path)
    sent = client.post(path, {"explanation": "I quoted the insult to criticise it."})
    again = client.post(path, {"explanation": "Once more."})

    assert page.status_code == 200 and "Send appeal" in page.content.decode()
    assert "guideline 3" in page.content.decode().lower()
    assert sent.status_code == 200 and "Appeal received" in sent.content.decode()
    appeal = Appeal.objects.get()
    assert (appeal.by, appeal.statement_id, appeal.state) == (
        "author",
        comment.statement_id,
        "open",
    )
    assert again.status_code == 409 and appeals.ALREADY in again.content.decode()
    assert Appeal.objects.count() == 1
    assert Refusal.objects.filter(kind="appeal", reason=appeals.ALREADY).count() == 1


def test_an_appeal_after_six_months_is_refused(client):
    comment = _removed()
    comment.statement.__class__.objects.filter(pk=comment.statement_id).update(
        created_at=timezone.now() - timedelta(days=184)
    )

    answer = client.post(_appeal_path(comment), {"explanation": "Late."})

    assert answer.status_code == 409 and appeals.TOO_LATE in answer.content.decode()
    assert not Appeal.objects.exists()
    assert Refusal.objects.filter(kind="appeal", reason=appeals.TOO_LATE).exists()


def test_a_forged_link_is_refused_and_logged(client):
    forged = signing.dumps(["s", 1], salt="another.salt")

    shown = client.get(f"/appeals/{forged}/")
    sent = client.post(f"/appeals/{forged}/", {"explanation": "x"})

    assert shown.status_code == sent.status_code == 400
    assert "not valid" in sent.content.decode()
    assert Refusal.objects.filter(kind="appeal").count() == 1
    assert not Appeal.objects.exists()


def test_an_empty_appeal_is_a_form_error(client):
    comment = _removed()

    answer = client.post(_appeal_path(comment), {"explanation": "  "})

    assert answer.status_code == 400
    assert "Explain why the decision should change." in answer.content.decode()
    assert not Appeal.objects.exists()


def test_the_deciding_moderator_cannot_take_the_appeal_and_another_reverses_it():
    first, second = moderator_user(), moderator_user()
    comment = _removed(moderator=first)
    appeal = appeals.file(appeals.standing(appeals.token_for(comment.statement)), explanation="x")

    with pytest.raises(pipeline.NotAllowed):
        appeals.decide(appeal, moderator=first, reverse=True)
    comment.refresh_from_db()
    assert comment.status == S.REMOVED
    assert Refusal.objects.filter(kind="appeal", reason=appeals.SAME_MODERATOR).exists()

    appeals.decide(appeal, moderator=second, reverse=True)

    comment.refresh_from_db()
    appeal.refresh_from_db()
    assert comment.status == S.APPROVED
    assert (appeal.state, appeal.decided_by) == ("reversed", second)
    event = ModerationEvent.objects.filter(comment=comment).latest("pk")
    assert (event.actor, event.from_status, event.to_status) == (second, S.REMOVED, S.APPROVED)
    with pytest.raises(pipeline.Conflict):
        appeals.decide(appeal, moderator=second, reverse=False)


def test_an_upheld_appeal_changes_nothing_and_the_decision_cannot_be_appealed_again():
    comment = _removed()
    found = appeals.standing(appeals.token_for(comment.statement))
    appeal = appeals.file(found, explanation="x")

    appeals.decide(appeal, moderator=moderator_user(), reverse=False, note="It is an insult.")

    comment.refresh_from_db()
    assert comment.status == S.REMOVED
    assert Appeal.objects.get().outcome_note == "It is an insult."
    assert appeals.standing(appeals.token_for(comment.statement)).refusal == appeals.ALREADY


def test_a_decision_restored_since_has_nothing_left_to_appeal():
    comment = _removed()
    token = appeals.token_for(comment.statement)
    decisions.decide(comment, S.APPROVED, moderator=moderator_user())

    assert appeals.standing(token).refusal == appeals.NO_LONGER


def test_an_automatic_hold_may_be_appealed_and_any_moderator_takes_it():
    comment = CommentFactory(status=S.APPROVED)
    from comments.moderation import transitions

    transitions.change_status(comment, S.SPAM, reason="spam service verdict")
    comment.refresh_from_db()
    appeal = appeals.file(appeals.standing(appeals.token_for(comment.statement)), explanation="x")

    appeals.decide(appeal, moderator=moderator_user(), reverse=True)

    comment.refresh_from_db()
    assert comment.status == S.APPROVED


def test_reversing_a_ban_ends_it_now():
    moderator = moderator_user()
    author = UserFactory()
    comment = CommentFactory(status=S.APPROVED, user=author)
    grounds = statements.grounds_from(clause=Guideline.objects.get(number=3))
    bans.ban_authors([comment], actor=moderator, reason="threats", grounds=grounds)
    ban = Ban.objects.get(kind="user")
    statement = ban.statements.get()
    appeal = appeals.file(appeals.standing(appeals.token_for(statement)), explanation="x")

    appeals.decide(appeal, moderator=moderator_user(), reverse=True)

    ban.refresh_from_db()
    assert not bans.in_force(ban)
    assert appeals.standing(appeals.token_for(statement)).refusal == appeals.ALREADY


def _notice(comment) -> Notice:
    return Notice.objects.create(
        comment=comment, ground="STATEMENT_CATEGORY_VIOLENCE", explanation="threat",
        name="N", email="n@example.org", good_faith=True, urls=[],
    )  # fmt: skip


def test_a_notifier_appeals_no_action_and_a_second_moderator_removes_the_comment(client):
    first, second = moderator_user(), moderator_user()
    comment = CommentFactory(status=S.APPROVED)
    notice = _notice(comment)
    notices.decide(notice, moderator=first, remove=False)
    notice.refresh_from_db()

    sent = client.post(appeals.path_for(notice), {"explanation": "It is a threat."})
    appeal = Appeal.objects.get()
    appeals.decide(appeal, moderator=second, reverse=True)

    assert sent.status_code == 200 and appeal.by == "notifier"
    comment.refresh_from_db()
    notice.refresh_from_db()
    assert comment.status == S.REMOVED
    assert (comment.statement.source, comment.statement.category) == (
        "notice",
        "STATEMENT_CATEGORY_VIOLENCE",
    )
    assert (notice.state, notice.statement_id) == ("actioned", comment.statement_id)


def test_a_notice_acted_on_or_still_open_cannot_be_appealed_by_its_notifier():
    comment = CommentFactory(status=S.APPROVED)
    notice = _notice(comment)

    assert appeals.standing(appeals.token_for(notice)).refusal == appeals.NO_LONGER
    notices.decide(notice, moderator=moderator_user(), remove=True)
    assert appeals.standing(appeals.token_for(notice)).refusal == appeals.NO_LONGER


def test_the_statement_page_offers_the_appeal_to_its_author_only(client):
    comment = _removed()
    response = client.get("/")
    remember_browser(response, _reader_of(comment))
    client.cookies.update(response.cookies)

    page = client.get(f"/comments/{comment.pk}/reasons/").content.decode()

    assert "Appeal this decision" in page
    link = re.search(r'href="(/appeals/[^"]+/)"', page).group(1)
    assert client.get(link).status_code == 200


def _reader_of(comment):
    from comments.threads.readers import Reader

    return Reader(user=None, browser="b" * 32, own_ids=frozenset({comment.pk}))


def test_the_appeals_queue_tells_the_deciding_moderator_to_leave_it(client):
    first = moderator_user()
    comment = _removed(moderator=first)
    appeal = appeals.file(appeals.standing(appeals.token_for(comment.statement)), explanation="x")
    sign_in_staff(client, first)

    page = client.get(f"/admin/comments/appeal/{appeal.pk}/change/").content.decode()
    answer = client.post(f"/admin/comments/appeal/{appeal.pk}/decide/", {"outcome": "reverse"})

    assert "another moderator has to take this appeal" in page
    assert answer.status_code == 302
    comment.refresh_from_db()
    assert comment.status == S.REMOVED
    listed = client.get("/admin/comments/appeal/?state__exact=open").content.decode()
    assert f"/admin/comments/appeal/{appeal.pk}/change/" in listed


def test_the_statement_page_asks_the_same_queries_however_many_statements(
    client, django_assert_max_num_queries
):
    comment = _removed()
    response = client.get("/")
    remember_browser(response, _reader_of(comment))
    client.cookies.update(response.cookies)
    with django_assert_max_num_queries(12) as one:
        client.get(f"/comments/{comment.pk}/reasons/")
    for _ in range(4):  # restored and removed again: five statements
        decisions.decide(comment, S.APPROVED, moderator=moderator_user())
        grounds = statements.grounds_from(clause=Guideline.objects.get(number=3))
        decisions.decide(comment, S.REMOVED, moderator=moderator_user(), grounds=grounds)

    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(f"/comments/{comment.pk}/reasons/").content.decode()
    assert page.count("Appeal this decision") == 1  # only the one in force
