"""Statements of reasons, at their home (transitions, decisions, bans) and where they show:
the tombstone, the API's `removal`, the author's page, /guidelines/."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from comments.models import Ban, Comment, Guideline, Report, Statement
from comments.moderation import bans, decisions, pipeline, statements, transitions
from comments.threads.readers import Reader
from tests.api.conftest import client_for
from tests.factories import ArticleFactory, CommentFactory, UserFactory, moderator_user

pytestmark = pytest.mark.django_db
S = Comment.Status


def _clause(number: int) -> Guideline:
    return Guideline.objects.get(number=number)


def _grounds(number: int = 3) -> statements.Grounds:
    return statements.grounds_from(clause=_clause(number))


@pytest.mark.parametrize(
    ("to", "measure"),
    [(S.REMOVED, "removal"), (S.REJECTED, "rejection"), (S.SPAM, "spam")],
)
def test_a_moderators_decision_leaves_a_statement_citing_its_clause(to, measure):
    moderator = moderator_user()
    comment = CommentFactory(status=S.APPROVED)

    decisions.decide(comment, to, moderator=moderator, reason="name-calling", grounds=_grounds())

    made = Statement.objects.get(comment=comment)
    assert (made.measure, made.source, made.ground) == (measure, "own_initiative", "guidelines")
    assert (made.automated_detection, made.automated_decision) == ("not", "not")
    assert made.clause == _clause(3) and made.facts == "name-calling"
    assert made.public_reason == "guideline 3: No personal attacks"
    assert made.decided_by == moderator and made.event.to_status == to
    assert f"/comments/{comment.pk}/reasons/" in made.redress
    comment.refresh_from_db()
    assert comment.statement == made


def test_an_illegal_ground_records_its_category():
    comment = CommentFactory(status=S.APPROVED)
    grounds = statements.grounds_from(category=Statement.Category.SPEECH)

    decisions.decide(comment, S.REMOVED, moderator=moderator_user(), grounds=grounds)

    made = Statement.objects.get(comment=comment)
    assert (made.ground, made.category, made.clause) == ("illegal", grounds.category, None)
    assert made.public_reason == "Illegal or harmful speech"


def test_a_removal_without_grounds_is_refused():
    comment = CommentFactory(status=S.APPROVED)
    with pytest.raises(decisions.GroundsMissing):
        decisions.decide(comment, S.REMOVED, moderator=moderator_user(), reason="rude")
    comment.refresh_from_db()
    assert comment.status == S.APPROVED and not Statement.objects.exists()


def test_a_programmatic_change_without_grounds_says_no_clause_was_cited():
    comment = CommentFactory(status=S.APPROVED)
    transitions.change_status(comment, S.REMOVED, actor=moderator_user(), reason="off topic")
    made = Statement.objects.get(comment=comment)
    assert (made.ground, made.clause, made.explanation, made.public_reason) == (
        "guidelines", None, "off topic", "",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("status", "reason", "measure"),
    [
        (S.PENDING, "first comment from this address", "hold"),
        (S.SPAM, "hidden honeypot field was filled in", "spam"),
    ],
)
def test_an_automatic_verdict_becomes_the_facts_of_an_automated_statement(status, reason, measure):
    comment = CommentFactory(status=status)
    transitions.record_new(comment, reason)
    made = Statement.objects.get(comment=comment)
    assert (made.measure, made.facts, made.source) == (measure, reason, "automated")
    assert (made.automated_detection, made.automated_decision) == ("fully", "fully")
    assert made.decided_by is None


def test_a_hold_on_edit_is_stated_and_publishing_clears_the_link():
    comment = CommentFactory(status=S.APPROVED)
    transitions.change_status(comment, S.PENDING, reason="edited: 3 links (limit 2)")
    made = Statement.objects.get(comment=comment)
    assert (made.measure, made.facts) == ("hold", "edited: 3 links (limit 2)")

    transitions.change_status(comment, S.APPROVED, actor=moderator_user())
    comment.refresh_from_db()
    assert comment.statement is None and Statement.objects.count() == 1  # history is kept


def test_a_ban_states_its_duration_and_ends_by_itself():
    comment = CommentFactory(status=S.PENDING, author_email="troll@example.org", user=None)
    ends = timezone.now() + timedelta(days=7)

    bans.ban_authors([comment], actor=moderator_user(), reason="abuse", ends_at=ends)

    ban = Ban.objects.get(kind=Ban.Kind.EMAIL)
    made = Statement.objects.get(ban=ban)
    assert (made.measure, made.ends_at, made.comment) == ("ban_email", ends, comment)
    assert "until" in made.scope and "indefinitely" not in made.scope
    article = ArticleFactory()
    sub = pipeline.Submission(
        article=article, reader=Reader(user=None, browser="b"), name="T",
        email="troll@example.org", body="Again.",
    )  # fmt: skip
    assert pipeline.check_bans(sub, pipeline.facts_for(sub)) is not None
    Ban.objects.update(ends_at=timezone.now() - timedelta(seconds=1))
    assert pipeline.check_bans(sub, pipeline.facts_for(sub)) is None


def test_an_indefinite_ban_says_so():
    comment = CommentFactory(status=S.APPROVED, user=UserFactory())
    bans.ban_authors([comment], actor=moderator_user(), reason="abuse")
    made = Statement.objects.get(measure="ban_account")
    assert made.ends_at is None and "indefinitely" in made.scope


def _removed_with_reply(grounds):
    article = ArticleFactory()
    gone = CommentFactory(article=article, status=S.APPROVED, body="You fool.")
    CommentFactory(article=article, parent=gone, status=S.APPROVED, body="Steady on.")
    decisions.decide(gone, S.REMOVED, moderator=moderator_user(), grounds=grounds)
    return article, gone


def test_the_tombstone_shows_the_clause_linked_and_never_the_reporter(client):
    article, gone = _removed_with_reply(_grounds(3))
    Report.objects.create(comment=gone, reason="abuse", reporter_key="browser:reporter-x")

    html = client.get(article.get_absolute_url()).content.decode()

    assert "Removed by a moderator — " in html
    assert '<a href="/guidelines/#clause-3">guideline 3: No personal attacks</a>' in html
    assert "You fool." not in html and "reporter-x" not in html


def test_the_tombstone_of_illegal_content_shows_its_category(client):
    grounds = statements.grounds_from(category=Statement.Category.SPEECH)
    article, _ = _removed_with_reply(grounds)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Removed by a moderator — Illegal or harmful speech" in html
    assert "#clause-" not in html


def test_the_api_gives_removal_for_a_removed_comment_and_null_for_others():
    article, gone = _removed_with_reply(_grounds(3))
    body = client_for().get(f"/api/v1/articles/{article.slug}/comments/").json()

    shown = {c["id"]: c for c in body["comments"]}
    assert shown[gone.pk]["removal"] == {
        "measure": "removal", "ground": "guidelines", "clause": 3, "category": None,
        "public_reason": "guideline 3: No personal attacks",
    }  # fmt: skip
    assert [c["removal"] for pk, c in shown.items() if pk != gone.pk] == [None]


def test_the_api_refuses_a_removal_without_grounds_and_takes_a_clause_number():
    comment = CommentFactory(status=S.APPROVED)
    api = client_for(moderator_user())
    url = f"/api/v1/moderation/comments/{comment.pk}/decision/"

    refused = api.post(url, {"to": "removed", "reason": "rude"}, format="json")
    unknown = api.post(url, {"to": "removed", "clause": 99}, format="json")
    taken = api.post(url, {"to": "removed", "clause": 5}, format="json")

    assert refused.status_code == 400
    assert "Cite the guideline clause" in json.dumps(refused.json())
    assert unknown.status_code == 400
    assert taken.status_code == 200 and taken.json()["removal"]["clause"] == 5


def test_the_author_reads_the_statement_and_nobody_else_does():
    author = UserFactory()
    comment = CommentFactory(status=S.APPROVED, user=author)
    decisions.decide(comment, S.REMOVED, moderator=moderator_user(), grounds=_grounds(2))
    mine, stranger = Client(), Client()
    mine.force_login(author)
    stranger.force_login(UserFactory())

    page = mine.get(f"/comments/{comment.pk}/reasons/")

    assert page.status_code == 200
    text = page.content.decode()
    assert "Removal of the comment" in text and "guideline 2: Stay on topic" in text
    assert "Indefinite" in text and "Detection: not automated" in text
    assert stranger.get(f"/comments/{comment.pk}/reasons/").status_code == 404


def test_the_guidelines_page_lists_active_clauses_with_anchors(client):
    Guideline.objects.filter(number=6).update(active=False)
    html = client.get("/guidelines/").content.decode()
    assert 'id="clause-3"' in html and "No personal attacks" in html
    assert 'id="clause-6"' not in html


def test_the_redress_names_the_statement_by_its_full_address(settings):
    settings.SITE_URL = "https://analysis.example.org"
    comment = CommentFactory(status=S.APPROVED)

    decisions.decide(comment, S.REMOVED, moderator=moderator_user(), grounds=_grounds())

    made = Statement.objects.get(comment=comment)
    assert f"(https://analysis.example.org/comments/{comment.pk}/reasons/)" in made.redress


def test_the_notice_and_appeal_forms_load_the_script_that_focuses_their_errors(client):
    comment = CommentFactory(status=S.APPROVED)

    page = client.post(f"/comments/{comment.pk}/notice/", {"explanation": ""}).content.decode()

    assert 'class="form-errors" role="alert" id="notice-errors" tabindex="-1"' in page
    assert "js/form-errors" in page
