"""Editing and deleting one's own comment; reporting someone else's."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from comments.models import Comment, Report
from tests.factories import CommentFactory, UserFactory, comment_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def posted(client, article):
    """A comment posted anonymously from `client`'s browser."""
    client.post(f"/articles/{article.slug}/comments/", comment_form(body="First version."))
    return Comment.objects.get()


def test_author_edits_within_the_window_and_it_shows_as_edited(client, posted):
    response = client.post(f"/comments/{posted.pk}/edit/", {"body": "Second *version*."})

    posted.refresh_from_db()
    assert response.status_code == 302
    assert posted.body_html == "<p>Second <em>version</em>.</p>"
    assert posted.edited_at is not None
    assert "(edited)" in client.get(posted.article.get_absolute_url()).content.decode()


def test_editing_after_the_window_is_refused(client, posted):
    Comment.objects.filter(pk=posted.pk).update(created_at=timezone.now() - timedelta(minutes=16))

    response = client.post(f"/comments/{posted.pk}/edit/", {"body": "Too late."})

    assert response.status_code == 403
    assert "can no longer be edited" in response.content.decode()
    posted.refresh_from_db()
    assert posted.body == "First version."


def test_another_browser_cannot_edit_or_delete(posted):
    stranger = Client()
    assert stranger.post(f"/comments/{posted.pk}/edit/", {"body": "Hijack"}).status_code == 404
    Comment.objects.filter(pk=posted.pk).update(status=Comment.Status.APPROVED)
    assert stranger.post(f"/comments/{posted.pk}/edit/", {"body": "Hijack"}).status_code == 403
    assert stranger.post(f"/comments/{posted.pk}/delete/").status_code == 403
    posted.refresh_from_db()
    assert (posted.body, posted.status) == ("First version.", Comment.Status.APPROVED)


def test_an_empty_edit_is_a_form_error(client, posted):
    response = client.post(f"/comments/{posted.pk}/edit/", {"body": "  "})
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()


def test_signed_in_author_deletes_and_replies_keep_their_place(client, article):
    author = UserFactory()
    mine = CommentFactory(article=article, user=author, body="Regrettable.")
    reply = CommentFactory(parent=mine, body="A reply worth keeping.")
    client.force_login(author)

    assert "Delete your comment?" in client.get(f"/comments/{mine.pk}/delete/").content.decode()
    client.post(f"/comments/{mine.pk}/delete/")

    mine.refresh_from_db()
    assert mine.status == Comment.Status.DELETED
    assert mine.body == "Regrettable."  # kept for moderators, never shown
    html = Client().get(article.get_absolute_url()).content.decode()
    assert "This comment was deleted." in html
    assert "Regrettable." not in html
    assert f'id="comment-{reply.pk}"' in html


def test_report_is_stored_once_per_reader(client, article):
    comment = CommentFactory(article=article)

    first = client.post(f"/comments/{comment.pk}/report/", {"reason": "abuse", "note": "Insults."})
    second = client.post(f"/comments/{comment.pk}/report/", {"reason": "spam"})

    assert first.status_code == 302
    report = Report.objects.get()
    assert (report.reason, report.note, report.ip_address) == ("abuse", "Insults.", "127.0.0.1")
    assert second.status_code == 400
    assert "already reported" in second.content.decode()


def test_report_needs_a_known_reason(client, article):
    comment = CommentFactory(article=article)
    response = client.post(f"/comments/{comment.pk}/report/", {"reason": "boring"})
    assert response.status_code == 400
    assert not Report.objects.exists()


def test_reports_are_rate_limited(client, article, settings):
    settings.COMMENT_REPORTS_PER_HOUR = 3
    comments = CommentFactory.create_batch(4, article=article)
    statuses = [
        client.post(f"/comments/{c.pk}/report/", {"reason": "spam"}).status_code for c in comments
    ]
    assert statuses == [302, 302, 302, 400]
    assert Report.objects.count() == 3


def test_a_held_comment_cannot_be_reported(client, article):
    held = CommentFactory(article=article, status=Comment.Status.PENDING)
    assert client.post(f"/comments/{held.pk}/report/", {"reason": "spam"}).status_code == 404


def test_a_reader_who_signs_in_keeps_seeing_and_editing_what_this_browser_wrote(
    client, posted, article
):
    """The page and the edit link answer "is it mine?" alike, before and after signing in."""
    assert posted.status == "pending"
    client.force_login(UserFactory(username="later"))

    page = client.get(article.get_absolute_url()).content.decode()
    edit = client.get(f"/comments/{posted.pk}/edit/")

    assert f'id="comment-{posted.pk}"' in page and "awaiting moderation" in page
    assert edit.status_code == 200


def test_another_browser_sees_neither(posted, article):
    other = Client()

    assert f'id="comment-{posted.pk}"' not in other.get(article.get_absolute_url()).content.decode()
    assert other.get(f"/comments/{posted.pk}/edit/").status_code == 404
