"""An author appeals a removal from the link in their statement mail, and a second moderator
reverses it: with a real worker, SMTP server and webhook receiver, the comment is public again
everywhere a reader or a client looks (the page, the webhook, the API's change feed), and the
author is told. The moderator who removed it cannot take the appeal."""

import json
import re
import time
from urllib.parse import urlparse

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from comments.models import Appeal, Comment, Guideline, Refusal, WebhookEndpoint
from comments.moderation import appeals, decisions, statements
from tests.factories import (
    ArticleFactory,
    CommentFactory,
    UserFactory,
    moderator_user,
    sign_in_staff,
)
from tests.integration.conftest import SECRET, log_tail, verify
from tests.services import wait_for

pytestmark = pytest.mark.integration

BODY = "The harbour board's figures do not add up, and here is the sum."
APPEAL_LINK = re.compile(r"https?://\S+/appeals/[^/\s]+/")


def _clause() -> Guideline:
    # Tables are emptied between these (transactional) tests, the migrated clauses too.
    clause, _ = Guideline.objects.get_or_create(
        number=3, defaults={"title": "Stay on topic", "text": "Talk about the article."}
    )
    return clause


def _author():
    user = UserFactory(username="writer", email="writer@example.org")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def _decide_appeal(moderator, appeal, outcome: str):
    client = Client()
    sign_in_staff(client, moderator)
    return client.post(
        reverse("admin:comments_appeal_decide", args=[appeal.pk]),
        {"outcome": outcome, "note": ""},
        follow=True,
    )


def _outcomes(sink, address: str) -> list:
    """The appeal outcome mails to `address` (a restored comment also brings its author the
    "now published" mail of any comment a moderator approves)."""
    return [m for m in sink.to(address) if m.subject.startswith("The decision on your appeal")]


def _feed(api, article, cursor: str) -> list[dict]:
    response = api.get(f"/api/v1/articles/{article.slug}/comments/", {"since": cursor})
    assert response.status_code == 200, response.content
    return response.json()["changes"]


def test_a_reversed_removal_is_public_again_delivered_and_told(
    workers, smtp_sink, receiver, settings
):
    settings.API_FEED_LAG_SECONDS = 0  # the feed, read in this process, holds nothing back
    server = receiver()
    WebhookEndpoint.objects.create(
        url=f"http://127.0.0.1:{server.port}/hook", secret=SECRET, events=["comment.approved"]
    )
    worker = workers()
    author = _author()
    article = ArticleFactory(title="Harbour accounts")
    comment = CommentFactory(article=article, user=author, author_email=author.email, body=BODY)
    remover, reviewer = moderator_user(username="remover"), moderator_user(username="reviewer")
    clause = _clause()

    decisions.decide(
        comment,
        Comment.Status.REMOVED,
        moderator=remover,
        grounds=statements.grounds_from(clause=clause),
    )

    wait_for(
        lambda: smtp_sink.to(author.email), timeout=60, what=f"the statement\n{log_tail(worker)}"
    )
    (statement_mail,) = smtp_sink.to(author.email)
    cited = f"Ground: Incompatible with the community guidelines — guideline 3: {clause.title}"
    assert cited in statement_mail.text()
    (link,) = set(APPEAL_LINK.findall(statement_mail.text()))
    writer = Client()
    writer.force_login(author)
    response = writer.post(urlparse(link).path, {"explanation": "The sum is the topic."})
    assert response.status_code == 200 and "Appeal received" in response.content.decode()
    appeal = Appeal.objects.get()
    assert (appeal.by, appeal.statement_id) == ("author", comment.statement_id)
    api = APIClient()
    cursor = api.get(f"/api/v1/articles/{article.slug}/comments/").json()["cursor"]

    # The moderator who removed it may not judge the appeal.
    refused = _decide_appeal(remover, appeal, "reverse")

    assert refused.redirect_chain[-1][0] == reverse(
        "admin:comments_appeal_change", args=[appeal.pk]
    )
    assert appeals.SAME_MODERATOR in refused.content.decode()
    appeal.refresh_from_db()
    comment.refresh_from_db()
    assert appeal.state == Appeal.State.OPEN and appeal.decided_by is None
    assert comment.status == Comment.Status.REMOVED
    logged = Refusal.objects.get(kind=Refusal.Kind.APPEAL)
    assert (logged.reason, logged.user, logged.comment_id) == (
        appeals.SAME_MODERATOR,
        remover,
        comment.pk,
    )
    assert _feed(api, article, cursor) == []

    granted = _decide_appeal(reviewer, appeal, "reverse")

    assert granted.redirect_chain[0][0] == reverse("admin:comments_appeal_changelist")
    assert f"Appeal {appeal.pk}: the decision is reversed" in granted.content.decode()
    appeal.refresh_from_db()
    comment.refresh_from_db()
    assert (appeal.state, appeal.decided_by) == (Appeal.State.REVERSED, reviewer)
    assert comment.status == Comment.Status.APPROVED
    page = Client().get(article.get_absolute_url()).content.decode()
    assert f'id="comment-{comment.pk}"' in page and "figures do not add up" in page
    wait_for(lambda: server.received, timeout=60, what=f"the webhook\n{log_tail(worker)}")
    wait_for(
        lambda: _outcomes(smtp_sink, author.email),
        timeout=60,
        what=f"the appeal's outcome\n{log_tail(worker)}",
    )
    time.sleep(1.5)  # anything more would arrive now
    ((headers, body),) = server.received
    payload = json.loads(body)
    assert verify(headers, body)
    assert (payload["event"], payload["comment"]["id"]) == ("comment.approved", comment.pk)
    assert payload["comment"]["status"] == "approved"
    assert [(c["id"], c["status"]) for c in _feed(api, article, cursor)] == [
        (comment.pk, "approved")
    ]
    (outcome,) = _outcomes(smtp_sink, author.email)
    assert outcome.subject.endswith(f"about a comment on {article.title}")
    assert "Outcome: The decision was reversed" in outcome.text()
    assert f"The comment: {settings.SITE_URL}{comment.get_absolute_url()}" in outcome.text()
    assert smtp_sink.to(remover.email) == [] and smtp_sink.to(reviewer.email) == []
