"""Every check of the moderation pipeline, with hand-made facts, then the facts it reads."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from comments.models import Ban, Comment, ModerationSettings
from comments.moderation import pipeline, spamcheck
from comments.moderation.pipeline import Facts, History, Refused, Submission, Verdict, verdict_for
from comments.threads.readers import Reader
from tests.factories import ArticleFactory, CommentFactory, UserFactory

NOW = timezone.now()
ARTICLE = SimpleNamespace(pk=1, get_absolute_url=lambda: "/articles/x/")


def settings(**overrides) -> ModerationSettings:
    return ModerationSettings(pk=1, **overrides)


def sub(body="A thoughtful point.", *, user=None, ip="198.51.100.7", **fields) -> Submission:
    reader = Reader(user=user, browser="b", ip=ip)
    fields.setdefault("name", "Ann")
    fields.setdefault("email", "ann@example.com")
    return Submission(article=ARTICLE, reader=reader, body=body, seconds_to_submit=30, **fields)


def facts(*, bans=(), history=None, **setting_values) -> Facts:
    return Facts(
        settings=settings(**setting_values),
        bans=list(bans),
        history=history or History(approved=1),
        now=NOW,
    )


def staff():
    return SimpleNamespace(pk=9, is_staff=True, is_superuser=False)


def reader_user(pk=5):
    return SimpleNamespace(pk=pk, is_staff=False, is_superuser=False)


@pytest.mark.parametrize(
    ("submission", "known", "expected"),
    [
        (sub(user=staff()), facts(history=History()), Verdict("approved", "staff member")),
        (sub(), facts(history=History(approved=3)), Verdict("approved", "this address has approved comments")),
        (sub(user=reader_user()), facts(history=History(approved=1)), Verdict("approved", "this account has approved comments")),
        (sub(), facts(history=History()), Verdict("pending", "first comment from this address")),
        (sub(user=reader_user()), facts(history=History()), Verdict("pending", "first comment from this account")),
        (sub(), facts(history=History(approved=4, spam=1)), Verdict("pending", "this address has comments marked spam")),
        (sub(), facts(history=History(), hold_first_comments=False), Verdict("approved", "passed every check")),
        (sub(), facts(require_approval=True), Verdict("pending", "every comment is approved by a moderator")),
        (sub("Try our casino tonight"), facts(held_words="casino\npoker"), Verdict("pending", "contains held word 'casino'")),
        (sub("A casinos review"), facts(held_words="casino"), Verdict("approved", "this address has approved comments")),
        (sub("Cheap VIAGRA here"), facts(disallowed_words="viagra"), Verdict("spam", "contains disallowed word 'viagra'")),
        (sub(name="viagra seller"), facts(disallowed_words="viagra"), Verdict("spam", "contains disallowed word 'viagra'")),
        (sub("see https://a.example https://b.example and www.c.example"), facts(), Verdict("pending", "3 links (limit 2)")),
        (sub("see https://a.example and [b](https://b.example)"), facts(), Verdict("approved", "this address has approved comments")),
        (sub(honeypot="http://spam.example"), facts(), Verdict("spam", "hidden honeypot field was filled in")),
        (Submission(article=ARTICLE, reader=Reader(user=None, browser="b"), name="A", email="a@example.com", body="x", seconds_to_submit=1.2), facts(), Verdict("spam", "form sent 1.2 s after it was shown (minimum 3 s)")),
        (Submission(article=ARTICLE, reader=Reader(user=None, browser="b"), name="A", email="a@example.com", body="x", seconds_to_submit=-1), facts(), Verdict("spam", "form without a valid timestamp")),
        (Submission(article=ARTICLE, reader=Reader(user=None, browser="b"), name="A", email="a@example.com", body="x", seconds_to_submit=None), facts(), Verdict("approved", "this address has approved comments")),
    ],
)  # fmt: skip
def test_each_check_decides_with_its_reason(submission, known, expected):
    assert verdict_for(submission, known) == expected


@pytest.mark.parametrize(
    ("ban", "submission", "expected"),
    [
        (Ban(kind="email", value="ann@example.com", outcome="spam"), sub(email="ANN@example.com"), Verdict("spam", "banned email address ann@example.com")),
        (Ban(kind="domain", value="example.com", outcome="rejected"), sub(), Verdict("rejected", "banned email domain example.com")),
        (Ban(kind="user", value="5", outcome="spam"), sub(user=reader_user(5)), Verdict("spam", "banned account 5")),
        (Ban(kind="network", value="198.51.100.0/24", outcome="spam"), sub(ip="198.51.100.200"), Verdict("spam", "banned ip address or network 198.51.100.0/24")),
        (Ban(kind="network", value="2001:db8::/32", outcome="rejected"), sub(ip="2001:db8::1"), Verdict("rejected", "banned ip address or network 2001:db8::/32")),
    ],
)  # fmt: skip
def test_bans_reject_or_mark_spam(ban, submission, expected):
    assert verdict_for(submission, facts(bans=[ban])) == expected


def test_a_ban_elsewhere_does_not_touch_others():
    bans = [Ban(kind="network", value="203.0.113.0/24"), Ban(kind="email", value="x@example.org")]
    assert verdict_for(sub(), facts(bans=bans)).status == "approved"


def test_staff_pass_even_when_their_address_is_banned():
    ban = Ban(kind="network", value="198.51.100.0/24")
    assert verdict_for(sub(user=staff()), facts(bans=[ban])).status == "approved"


def test_flood_control_refuses_with_the_wait():
    recent = History(approved=2, last_by_ip=NOW - timedelta(seconds=5))
    with pytest.raises(Refused, match=r"too quickly\. Please wait 11 seconds"):
        verdict_for(sub(), facts(history=recent, flood_seconds=15))


def test_flood_control_lets_a_reader_through_after_the_wait():
    earlier = History(approved=2, last_by_reader=NOW - timedelta(seconds=16))
    assert verdict_for(sub(), facts(history=earlier, flood_seconds=15)).status == "approved"


def test_duplicate_comment_is_a_form_error_on_the_body():
    with pytest.raises(Refused) as refused:
        verdict_for(sub(), facts(history=History(approved=1, duplicates=1)))
    assert (refused.value.field, refused.value.message) == (
        "body",
        "You have already posted this comment here.",
    )


def test_edits_skip_the_traps_meant_for_new_comments():
    edit = Submission(
        article=ARTICLE, reader=Reader(user=None, browser="b"), name="A", email="a@example.com",
        body="same", is_edit=True, seconds_to_submit=0.1,
    )  # fmt: skip
    busy = History(approved=1, duplicates=1, last_by_reader=NOW)
    assert verdict_for(edit, facts(history=busy)).status == "approved"


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (spamcheck.SPAM, Verdict("spam", "spam service says spam")),
        (spamcheck.UNAVAILABLE, Verdict("pending", "spam check unavailable; held to be safe")),
        (spamcheck.HAM, Verdict("approved", "this address has approved comments")),
        (spamcheck.OFF, Verdict("approved", "this address has approved comments")),
    ],
)
def test_spam_service_is_asked_before_approval(monkeypatch, answer, expected):
    monkeypatch.setattr(spamcheck, "ask", lambda submission: answer)
    assert verdict_for(sub(), facts()) == expected


def test_spam_service_failure_holds_the_comment(settings, monkeypatch):
    settings.AKISMET_API_KEY = "key"
    settings.AKISMET_URL = "http://127.0.0.1:9"  # nothing listens on the discard port
    settings.AKISMET_TIMEOUT = 1
    assert spamcheck.ask(sub()) == spamcheck.UNAVAILABLE
    assert verdict_for(sub(), facts()) == Verdict(
        "pending", "spam check unavailable; held to be safe"
    )


def test_spam_service_is_off_without_a_key(settings):
    settings.AKISMET_API_KEY = ""
    assert spamcheck.ask(sub()) == spamcheck.OFF


@pytest.mark.parametrize(
    ("current", "proposed", "expected"),
    [
        ("approved", "pending", "pending"),
        ("approved", "spam", "spam"),
        ("pending", "approved", "pending"),
        ("spam", "approved", "spam"),
        ("pending", "rejected", "rejected"),
    ],
)
def test_an_edit_can_hold_a_comment_again_but_never_publish_it(current, proposed, expected):
    assert pipeline.stricter(current, proposed) == expected


# --- The facts, read from the database -----------------------------------------------------


@pytest.mark.django_db
def test_facts_know_the_readers_history_and_bans(django_assert_num_queries):
    article = ArticleFactory()
    user = UserFactory()
    CommentFactory(user=user, status=Comment.Status.APPROVED, created_at=NOW - timedelta(days=2))
    CommentFactory(user=user, status=Comment.Status.SPAM, created_at=NOW - timedelta(days=1))
    CommentFactory(article=article, user=user, body="Same words.")
    CommentFactory(author_email="other@example.com", ip_address="198.51.100.7")
    Ban.objects.create(kind="network", value="192.0.2.0/24")
    Ban.objects.create(kind="email", value="nobody@example.org")
    submission = Submission(
        article=article,
        reader=Reader(user=user, browser="b", ip="198.51.100.7"),
        name="N",
        email=user.email,
        body="Same words.",
    )

    with django_assert_num_queries(3):  # settings, bans, history
        known = pipeline.facts_for(submission)

    assert [ban.value for ban in known.bans] == ["192.0.2.0/24"]
    assert (known.history.approved, known.history.spam, known.history.duplicates) == (2, 1, 1)
    assert known.history.last_by_ip is not None


@pytest.mark.django_db
def test_anonymous_history_is_kept_by_email_address():
    CommentFactory(author_email="Ann@Example.com", status=Comment.Status.APPROVED)
    submission = Submission(
        article=ArticleFactory(),
        reader=Reader(user=None, browser="b"),
        name="Ann",
        email="ann@example.com",
        body="New words.",
    )
    assert pipeline.facts_for(submission).history.approved == 1
