"""The Big List of Naughty Strings (tests/fixtures/blns) as the editors' notes on corrections:
each string accepts or declines a correction, then the article page (as the public and as the
reader who sent them) and the reader's mail must carry every note as stored, escaped where it
is HTML, with no server error. A note is stored on one line, of characters every output can
carry (`articles.text`); one longer than a note may be is refused on its field."""

import json
from html import escape
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from articles.text import carriable
from comments.models import Resolution
from comments.models.discussion import RESOLUTION_NOTE_LENGTH
from comments.moderation import corrections
from comments.moderation.pipeline import Refused
from tests.factories import ArticleFactory, CommentFactory, UserFactory, moderator_user

pytestmark = pytest.mark.django_db

BLNS = json.loads((Path(__file__).parent / "fixtures/blns/blns.json").read_text("utf-8"))
S = Resolution.State


def _stored(text: str) -> str:
    return " ".join(carriable(text).split())


def test_naughty_notes_survive_the_page_and_the_mail(
    settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://analysis.example.org"
    settings.COMMENTS_PER_PAGE = 0
    article = ArticleFactory(title="Grain corridors")
    desk = moderator_user(username="desk")
    writer = UserFactory(username="writer", first_name="Wren", last_name="Writer")
    EmailAddress.objects.create(user=writer, email=writer.email, verified=True, primary=True)

    decided: dict[int, tuple[str, str]] = {}  # comment id -> (state, note as stored)
    refused = 0
    with django_capture_on_commit_callbacks(execute=True):
        for n, text in enumerate(BLNS):
            comment = CommentFactory(
                article=article, user=writer, kind="correction", body=f"Correction {n}."
            )
            note = _stored(text)
            state = S.DECLINED if n % 2 and note else S.ACCEPTED
            try:
                corrections.decide(comment, state, decider=desk, note=text)
            except Refused as refusal:
                assert len(note) > RESOLUTION_NOTE_LENGTH and refusal.field == "note"
                refused += 1
                continue
            assert Resolution.objects.get(comment=comment).note == note
            decided[comment.pk] = (state, note)

    assert len(decided) > 400 and refused < 20
    public = Client(raise_request_exception=False).get(article.get_absolute_url())
    reader = Client(raise_request_exception=False)
    reader.force_login(writer)
    own = reader.get(article.get_absolute_url())
    assert (public.status_code, own.status_code) == (200, 200)
    public_html, own_html = public.content.decode(), own.content.decode()
    declined = sum(state == S.DECLINED for state, _ in decided.values())
    assert public_html.count("Correction declined</p>") == declined
    assert "only you see this note" not in public_html
    for state, note in decided.values():
        if note:
            assert escape(note) in own_html, note
            if state == S.ACCEPTED:
                assert escape(note) in public_html, note

    mails = {int(message.extra_headers["X-Notification-Id"]): message for message in mailoutbox}
    assert len(mails) == len(decided)
    by_comment = {}
    for message in mails.values():
        [pk] = [pk for pk in decided if f"/comments/{pk}/" in message.body]
        by_comment[pk] = message
    for pk, (_state, note) in decided.items():
        message = by_comment[pk]
        if note:
            assert note in message.body, note
            assert escape(note) in message.alternatives[0][0], note
        assert message.to == [writer.email]
