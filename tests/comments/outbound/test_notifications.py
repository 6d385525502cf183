"""Notification mail: who is told what, once, and how a reader stops it.

Celery runs eagerly here and the worker's mail backend is locmem, so a mail that is sent
lands in `mailoutbox`. Rows are handed to Celery after commit: the tests run those callbacks
with `django_capture_on_commit_callbacks`, or hold them back to see what happens meanwhile.
"""

import io
import re
import smtplib
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from allauth.account.models import EmailAddress
from celery.exceptions import Retry
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.cache import cache
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from comments import tasks
from comments.models import Comment, MailPreference, ModerationSettings, Notification, Subscription
from comments.moderation import transitions
from comments.outbound import mail, recipients
from comments.posting import services
from comments.threads.readers import Reader
from tests.factories import ArticleFactory, CommentFactory, UserFactory, comment_form
from tests.privacy import reveals

pytestmark = pytest.mark.django_db

SITE_URL = "https://analysis.example.org"


# --- Helpers ----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _mail_lands_in_the_outbox(settings, mailoutbox):
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = SITE_URL


@pytest.fixture
def staff(db):
    """The moderator who approves; not a recipient of anything unless a test makes them one."""
    return UserFactory(username="approver", is_staff=True)


@pytest.fixture
def approve(staff, django_capture_on_commit_callbacks):
    """Approve comments in one bulk change, and run what was queued after commit."""

    def approve(*comments):
        with django_capture_on_commit_callbacks(execute=True):
            moved = transitions.change_statuses(comments, "approved", actor=staff)
        assert len(moved) == len(comments)
        return moved

    return approve


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed(): ...` runs the block, then what it queued after commit."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def verified_user(username, **fields):
    user = UserFactory(username=username, **fields)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def moderator(username, *, opted_in=True, **fields):
    user = UserFactory(username=username, **fields)
    call_command("make_moderator", username, stdout=io.StringIO())
    if opted_in:
        MailPreference.objects.create(email=user.email.lower(), user=user, held_comments=True)
    return user


def follower(article, email, *, confirmed=True, scope="thread", user=None):
    return Subscription.objects.create(
        article=article,
        email=email,
        user=user,
        scope=scope,
        confirmed_at=timezone.now() if confirmed else None,
    )


def mails_to(outbox, address):
    return [message for message in outbox if address in message.to]


def unsubscribe_path(message):
    link = re.fullmatch(r"<([^>]+)>", message.extra_headers["List-Unsubscribe"]).group(1)
    assert link.startswith(f"{SITE_URL}/")
    return urlparse(link).path


def one_click(path):
    """What a mail provider does with List-Unsubscribe-Post: a POST with no cookie, no token."""
    return Client(enforce_csrf_checks=True).post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )


def _ago(seconds):
    return timezone.now() - timedelta(seconds=seconds)


def held(article, **fields):
    return CommentFactory(article=article, status="pending", **fields)


# --- 1. A held comment ----------------------------------------------------------------------


def test_an_opted_in_moderator_is_mailed_once_about_a_held_comment(
    client, article, mailoutbox, committed
):
    mod = moderator("mara")

    with committed():
        client.post(f"/articles/{article.slug}/comments/", comment_form())

    comment = Comment.objects.get()
    assert comment.status == "pending"
    [message] = mailoutbox
    assert message.to == [mod.email]
    assert message.subject == f"Comment waiting for moderation on {article.title}"
    assert "Why it was held: first comment from this address" in message.body
    admin_links = re.findall(r"https?://\S+/admin/\S+", message.body)
    assert admin_links == [f"{SITE_URL}/admin/comments/comment/{comment.pk}/change/"]
    assert Notification.objects.get().state == "sent"


@pytest.mark.parametrize(
    "preference",
    [None, {"held_comments": False}, {"held_comments": False, "replies": True}],
    ids=["no preference", "held mail off", "other mail on"],
)
def test_a_moderator_who_did_not_opt_in_gets_no_held_mail(
    article, mailoutbox, committed, preference
):
    mod = moderator("quiet", opted_in=False)
    if preference is not None:
        MailPreference.objects.create(email=mod.email, user=mod, **preference)

    with committed():
        transitions.record_new(held(article), "first comment from this address")

    assert mailoutbox == []
    assert not Notification.objects.exists()


def test_a_reader_who_is_no_moderator_gets_no_held_mail_even_with_the_switch_on(
    article, mailoutbox, committed
):
    reader = UserFactory(username="curious")
    MailPreference.objects.create(email=reader.email, user=reader, held_comments=True)

    with committed():
        transitions.record_new(held(article), "first comment from this address")

    assert mailoutbox == []


def test_a_superuser_who_opted_in_is_told_like_a_moderator(article, mailoutbox, committed):
    boss = UserFactory(username="boss", is_staff=True, is_superuser=True)
    MailPreference.objects.create(email=boss.email, user=boss, held_comments=True)

    with committed():
        transitions.record_new(
            held(article, status_reason="3 links (limit 2)"), "3 links (limit 2)"
        )

    [message] = mailoutbox
    assert message.to == [boss.email]
    assert "3 links (limit 2)" in message.body


def test_a_moderator_is_not_told_of_their_own_held_comment(article, mailoutbox, committed):
    own_author = moderator("self-held")
    colleague = moderator("colleague")
    comment = CommentFactory(article=article, user=own_author, author_email=own_author.email)

    with committed():
        transitions.change_status(comment, "pending", actor=colleague, reason="a second look")

    assert [m.to for m in mailoutbox] == [[colleague.email]]


def test_a_moderator_whose_address_has_capitals_is_told_after_opting_in_on_the_settings_page(
    client, article, mailoutbox, committed
):
    """The settings page stores the address in lower case; the moderator's account keeps the
    capitals the address was given with. Opting in must work all the same."""
    mod = moderator("capital", opted_in=False, email="Mara.Capital@Example.org")
    client.force_login(mod)
    client.post(
        "/accounts/notifications/",
        {"replies": "on", "article_comments": "on", "published": "on", "held_comments": "on"},
    )
    assert MailPreference.objects.get(user=mod).held_comments is True

    with committed():
        transitions.record_new(held(article), "first comment from this address")

    assert [m.to for m in mailoutbox] == [["mara.capital@example.org"]]


def test_a_comment_held_again_after_an_edit_is_announced_to_moderators_again(
    article, staff, moderation, committed, mailoutbox
):
    """Approved, then edited to carry a held word: it waits for a moderator again, and the
    moderators who asked to hear of held comments must hear of it again."""
    mod = moderator("mara")
    author = verified_user("author")
    comment = held(article, user=author, author_email=author.email, status_reason="first")
    with committed():
        transitions.record_new(comment, "first")
    with committed():
        transitions.change_status(comment, "approved", actor=staff)
    moderation.held_words = "casino"
    moderation.save()

    with committed():
        services.edit_comment(
            comment=comment, reader=Reader(user=author, browser="b"), body="Visit my casino."
        )

    assert comment.status == "pending"
    told = [m.body for m in mails_to(mailoutbox, mod.email)]
    assert len(told) == 2
    assert "Why it was held: edited: contains held word 'casino'" in told[-1]


# --- 2. Who is told of an approved comment ----------------------------------------------------


def test_the_articles_author_with_a_verified_address_is_told_of_a_new_comment(
    article, approve, mailoutbox
):
    writer = verified_user("writer")
    unverified = UserFactory(username="coauthor")
    article.authors.set([writer, unverified])
    comment = held(article)

    approve(comment)

    assert Notification.objects.get(recipient=writer.email).kind == "article"
    [message] = mails_to(mailoutbox, writer.email)
    assert message.subject == f"New comment on your article {article.title}"
    assert mails_to(mailoutbox, unverified.email) == []


def test_a_signed_in_parent_author_with_a_verified_address_is_told_of_a_reply(
    article, approve, mailoutbox
):
    parent_author = verified_user("parent")
    parent = CommentFactory(article=article, user=parent_author, author_email=parent_author.email)
    reply = CommentFactory(parent=parent, status="pending", author_name="Bo Replier")

    approve(reply)

    [message] = mails_to(mailoutbox, parent_author.email)
    assert message.subject == f"Bo Replier replied to your comment on {article.title}"
    assert Notification.objects.get(recipient=parent_author.email).kind == "reply"


def test_a_signed_in_parent_author_whose_address_is_not_verified_hears_nothing(
    article, approve, mailoutbox
):
    parent_author = UserFactory(username="unverified-parent")
    parent = CommentFactory(article=article, user=parent_author, author_email=parent_author.email)

    approve(CommentFactory(parent=parent, status="pending"))

    assert mails_to(mailoutbox, parent_author.email) == []


@pytest.mark.parametrize(
    "subscription",
    [None, "unconfirmed", "unsubscribed"],
    ids=["no subscription", "unconfirmed", "unsubscribed"],
)
def test_an_anonymous_parent_author_without_a_confirmed_subscription_hears_nothing(
    article, approve, mailoutbox, subscription
):
    parent = CommentFactory(article=article, author_email="anon@example.org")
    if subscription == "unconfirmed":
        follower(article, "anon@example.org", confirmed=False)
    elif subscription == "unsubscribed":
        sub = follower(article, "anon@example.org")
        Subscription.objects.filter(pk=sub.pk).update(unsubscribed_at=timezone.now())

    approve(CommentFactory(parent=parent, status="pending"))

    assert mails_to(mailoutbox, "anon@example.org") == []
    assert not Notification.objects.filter(recipient="anon@example.org").exists()


def test_an_anonymous_parent_author_with_a_confirmed_subscription_gets_one_reply_mail(
    article, approve, mailoutbox
):
    sub = follower(article, "anon@example.org")  # follows the whole thread, too
    parent = CommentFactory(article=article, author_email="anon@example.org")
    reply = CommentFactory(parent=parent, status="pending", author_name="Bo Replier")

    approve(reply)

    [message] = mails_to(mailoutbox, "anon@example.org")
    assert message.subject == f"Bo Replier replied to your comment on {article.title}"
    row = Notification.objects.get(recipient="anon@example.org")
    assert (row.kind, row.subscription) == ("reply", sub)


def test_a_confirmed_thread_subscriber_is_told_of_a_new_comment(article, approve, mailoutbox):
    follower(article, "follower@example.org")

    approve(held(article))

    [message] = mails_to(mailoutbox, "follower@example.org")
    assert message.subject == f"New comment on {article.title}"


def test_an_unconfirmed_subscriber_hears_nothing(article, approve, mailoutbox):
    follower(article, "stranger@example.org", confirmed=False)

    approve(held(article))

    assert mails_to(mailoutbox, "stranger@example.org") == []


def test_a_subscriber_of_another_article_hears_nothing(article, approve, mailoutbox):
    follower(ArticleFactory(), "elsewhere@example.org")

    approve(held(article))

    assert mailoutbox == []


def test_an_address_that_turned_replies_off_gets_no_reply_mail(article, approve, mailoutbox):
    parent_author = verified_user("no-replies")
    MailPreference.objects.create(email=parent_author.email, replies=False)
    parent = CommentFactory(article=article, user=parent_author, author_email=parent_author.email)

    approve(CommentFactory(parent=parent, status="pending"))

    assert mails_to(mailoutbox, parent_author.email) == []


def test_an_author_who_turned_article_comments_off_gets_no_article_mail(
    article, approve, mailoutbox
):
    writer = verified_user("quiet-writer")
    article.authors.set([writer])
    MailPreference.objects.create(email=writer.email, article_comments=False)

    approve(held(article))

    assert mailoutbox == []


@pytest.mark.parametrize(
    ("commenter", "expected"),
    [
        ("verified account", ["Your comment is now published"]),
        ("anonymous, confirmed subscription", ["Your comment is now published"]),
        ("anonymous, unconfirmed subscription", []),
        ("anonymous, no subscription", []),
        ("unverified account", []),
        ("verified account, published mail off", []),
    ],
)
def test_the_commenter_hears_only_that_their_held_comment_is_published(
    article, approve, mailoutbox, commenter, expected
):
    email = "commenter@example.org"
    user = None
    if "verified account" in commenter:
        user = (verified_user if commenter.startswith("verified") else UserFactory)(
            username="commenter", email=email
        )
    if "confirmed subscription" in commenter:
        follower(article, email, confirmed=not commenter.endswith("unconfirmed subscription"))
    if "mail off" in commenter:
        MailPreference.objects.create(email=email, published=False)
    article.authors.set([verified_user("writer")])
    comment = held(article, user=user, author_email=email)

    approve(comment)

    assert [m.subject for m in mails_to(mailoutbox, email)] == expected
    assert mails_to(mailoutbox, "writer@example.com")  # others are told, all the same


def test_the_commenter_never_hears_of_a_comment_published_at_once(
    client, article, committed, mailoutbox
):
    """A known reader's comment needs no moderator: they follow the thread, wrote the article
    and answer their own comment, and are told nothing of it."""
    me = verified_user("me", first_name="Mo", last_name="Self")
    article.authors.set([me])
    follower(article, me.email, user=me)
    earlier = CommentFactory(  # approved an hour ago: a known reader, and not a flood
        article=article, user=me, author_email=me.email, created_at=_ago(3600)
    )
    client.force_login(me)

    with committed():
        client.post(
            f"/articles/{article.slug}/comments/", comment_form(parent=earlier.pk, body="Also.")
        )

    assert Comment.objects.get(body="Also.").status == "approved"
    assert mailoutbox == []
    assert not Notification.objects.exists()


def test_a_bulk_approval_mails_each_recipient_once_per_comment(article, approve, mailoutbox):
    follower(article, "follower@example.org")
    first_author = "first@example.org"
    follower(article, first_author)
    first = held(article, author_email=first_author)
    second = held(article, author_email="second@example.org")

    approve(first, second)

    to_follower = mails_to(mailoutbox, "follower@example.org")
    assert len(to_follower) == 2
    assert {m.extra_headers["X-Notification-Id"] for m in to_follower} == {
        str(pk)
        for pk in Notification.objects.filter(recipient="follower@example.org").values_list(
            "pk", flat=True
        )
    }
    assert sorted(
        Notification.objects.filter(recipient="follower@example.org").values_list(
            "comment_id", flat=True
        )
    ) == sorted([first.pk, second.pk])
    # The first comment's author follows the thread: told of the second comment, and that
    # their own was published, never of their own as a "new comment".
    assert sorted(m.subject for m in mails_to(mailoutbox, first_author)) == sorted(
        [f"New comment on {article.title}", "Your comment is now published"]
    )


# --- 3. One mail per event --------------------------------------------------------------------


def test_telling_of_the_same_approval_again_adds_no_row_and_sends_nothing(
    article, approve, mailoutbox, committed
):
    follower(article, "follower@example.org")
    comment = held(article)
    approve(comment)
    rows = list(Notification.objects.values_list("pk", "event", "recipient", "state"))

    with committed():
        again = recipients.queue_for_approved([comment], were_held={comment.pk})

    assert again == []
    assert list(Notification.objects.values_list("pk", "event", "recipient", "state")) == rows
    assert len(mails_to(mailoutbox, "follower@example.org")) == 1


def test_approving_a_comment_again_after_removing_it_sends_no_second_mail(
    article, staff, approve, committed, mailoutbox
):
    follower(article, "follower@example.org")
    comment = held(article)
    approve(comment)
    with committed():
        transitions.change_status(comment, "removed", actor=staff, reason="checking a claim")
    rows = Notification.objects.count()

    approve(comment)

    assert Notification.objects.count() == rows
    assert len(mails_to(mailoutbox, "follower@example.org")) == 1


def test_the_database_refuses_a_second_row_for_one_event_and_address(article):
    comment = CommentFactory(article=article)
    Notification.objects.create(
        event=f"approved:{comment.pk}", kind="thread", recipient="a@example.org", comment=comment
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(
            event=f"approved:{comment.pk}", kind="reply", recipient="a@example.org"
        )


def test_delivering_the_same_ids_twice_sends_each_mail_once(
    article, staff, mailoutbox, django_capture_on_commit_callbacks
):
    follower(article, "one@example.org")
    follower(article, "two@example.org")
    with django_capture_on_commit_callbacks(execute=False):
        transitions.change_status(held(article), "approved", actor=staff)
    ids = list(Notification.objects.values_list("pk", flat=True))
    assert len(ids) == 2

    tasks.deliver_notifications_task.delay(ids)
    tasks.deliver_notifications_task.delay(ids)

    assert sorted(m.to[0] for m in mailoutbox) == ["one@example.org", "two@example.org"]
    assert set(Notification.objects.values_list("state", "attempts")) == {("sent", 1)}


# --- 4. A comment withdrawn before its mail went ----------------------------------------------


def _remove(comment, staff):
    transitions.change_status(comment, "removed", actor=staff, reason="off topic")


def _mark_spam(comment, staff):
    transitions.change_status(comment, "spam", actor=staff)


def _reject(comment, staff):
    transitions.change_status(comment, "rejected", actor=staff)


def _author_deletes(comment, staff):
    services.delete_comment(comment=comment, reader=Reader(user=comment.user, browser="b"))


def _edited_and_held_again(comment, staff):
    moderation = ModerationSettings.current()
    moderation.held_words = "casino"
    moderation.save()
    services.edit_comment(
        comment=comment, reader=Reader(user=comment.user, browser="b"), body="Visit my casino."
    )
    assert comment.status == "pending"


@pytest.mark.parametrize(
    "withdraw",
    [_remove, _mark_spam, _reject, _author_deletes, _edited_and_held_again],
    ids=["removed", "spam", "rejected", "deleted by its author", "edited and held again"],
)
def test_mail_about_a_comment_withdrawn_before_it_was_sent_is_cancelled(
    article, staff, mailoutbox, django_capture_on_commit_callbacks, withdraw
):
    follower(article, "follower@example.org")
    article.authors.set([verified_user("writer")])
    author = verified_user("author")
    comment = held(article, user=author, author_email=author.email)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        transitions.change_status(comment, "approved", actor=staff)
    assert Notification.objects.filter(comment=comment, state="pending").count() == 3

    withdraw(comment, staff)
    for callback in queued:
        callback()

    assert set(Notification.objects.filter(comment=comment).values_list("state", flat=True)) == {
        "cancelled"
    }
    assert [m.subject for m in mailoutbox] == []


@pytest.mark.parametrize("decision", ["approved", "spam", "rejected"])
def test_held_mail_not_yet_sent_is_cancelled_once_a_moderator_decides(
    article, staff, mailoutbox, django_capture_on_commit_callbacks, decision
):
    mod = moderator("mara")
    comment = held(article)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        transitions.record_new(comment, "first comment from this address")

    with django_capture_on_commit_callbacks(execute=True):
        transitions.change_status(comment, decision, actor=staff)
    for callback in queued:
        callback()

    assert Notification.objects.get(kind="held").state == "cancelled"
    assert mails_to(mailoutbox, mod.email) == []


# --- 5. SMTP failures -----------------------------------------------------------------------


class FlakySmtp(BaseEmailBackend):
    """Drops the connection for the first `failures` messages, then delivers to the outbox."""

    failures = 0
    calls = 0

    def send_messages(self, messages):
        type(self).calls += 1
        if type(self).calls <= type(self).failures:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return LocmemBackend().send_messages(messages)


class UnreachableSmtp(BaseEmailBackend):
    """A server that is down: connecting fails, as Django's SMTP backend does in open()."""

    def open(self):
        raise ConnectionRefusedError(111, "Connection refused")

    def send_messages(self, messages):
        self.open()
        return 0


DISCONNECTED = "SMTPServerDisconnected: Connection unexpectedly closed"


@pytest.fixture
def flaky_smtp(settings, monkeypatch):
    settings.EMAIL_DELIVERY_BACKEND = f"{__name__}.FlakySmtp"
    monkeypatch.setattr(FlakySmtp, "calls", 0)

    def fail(times):
        monkeypatch.setattr(FlakySmtp, "failures", times)

    return fail


def _row_state(row):
    row.refresh_from_db()
    return (row.state, row.attempts, row.last_error, row.claimed_at, row.sent_at)


def test_a_mail_the_server_refuses_with_one_attempt_allowed_ends_failed(
    article, approve, settings, flaky_smtp, mailoutbox
):
    settings.NOTIFICATION_MAX_ATTEMPTS = 1
    flaky_smtp(times=99)
    follower(article, "follower@example.org")

    approve(held(article))

    assert _row_state(Notification.objects.get()) == ("failed", 1, DISCONNECTED, None, None)
    assert mailoutbox == []


def test_a_refused_mail_counts_each_attempt_and_fails_when_they_are_used_up(
    article, approve, settings, flaky_smtp, mailoutbox
):
    """In eager mode `self.retry` raises celery's Retry to whoever ran the task. Run after
    commit, that is `enqueue`, which logs it and leaves the row to the sweep; here the test
    plays the part of the retries."""
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    flaky_smtp(times=99)
    follower(article, "follower@example.org")

    approve(held(article))

    row = Notification.objects.get()
    assert _row_state(row) == ("pending", 1, DISCONNECTED, None, None)
    assert row.queued_at is None  # the sweep will hand it out again
    with pytest.raises(Retry) as retry:
        tasks.deliver_notifications_task.delay([row.pk])
    assert retry.value.sig.args == ([row.pk],)
    assert _row_state(row) == ("pending", 2, DISCONNECTED, None, None)
    tasks.deliver_notifications_task.delay([row.pk])  # the last attempt: no retry after it
    assert _row_state(row) == ("failed", 3, DISCONNECTED, None, None)
    tasks.deliver_notifications_task.delay([row.pk])  # a failed row is not tried again
    assert _row_state(row) == ("failed", 3, DISCONNECTED, None, None)
    assert FlakySmtp.calls == 3
    assert mailoutbox == []


def test_a_mail_refused_once_is_sent_by_the_retry(
    article, approve, settings, flaky_smtp, mailoutbox
):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    flaky_smtp(times=1)
    follower(article, "follower@example.org")
    approve(held(article))
    row = Notification.objects.get()
    assert mailoutbox == []

    tasks.deliver_notifications_task.delay([row.pk])

    state, attempts, last_error, _, sent_at = _row_state(row)
    assert (state, attempts, last_error) == ("sent", 2, DISCONNECTED) and sent_at is not None
    assert [m.to for m in mailoutbox] == [["follower@example.org"]]


def test_the_sweep_retries_a_refused_mail_in_eager_mode(
    article, approve, settings, flaky_smtp, mailoutbox
):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    flaky_smtp(times=1)
    follower(article, "follower@example.org")
    approve(held(article))
    Notification.objects.update(created_at=_ago(60))

    assert tasks.sweep_notifications_task() == 1

    assert Notification.objects.get().state == "sent"
    assert len(mailoutbox) == 1


def test_after_a_refusal_the_rest_of_the_batch_goes_to_the_retry(
    article, staff, settings, flaky_smtp, mailoutbox, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_MAX_ATTEMPTS = 1
    flaky_smtp(times=1)
    follower(article, "a@example.org")
    follower(article, "b@example.org")
    with django_capture_on_commit_callbacks(execute=False):
        transitions.change_status(held(article), "approved", actor=staff)
    first, second = Notification.objects.order_by("pk")

    with pytest.raises(Retry) as retry:
        tasks.deliver_notifications_task.delay([first.pk, second.pk])

    assert _row_state(first) == ("failed", 1, DISCONNECTED, None, None)
    assert _row_state(second) == ("pending", 0, "", None, None)  # unclaimed, for the retry
    assert retry.value.sig.args == ([second.pk],)
    retry.value.sig.apply()
    assert _row_state(second)[0] == "sent"
    assert [m.to for m in mailoutbox] == [[second.recipient]]


def test_a_server_that_cannot_be_reached_counts_an_attempt_and_records_the_error(
    article, approve, settings, mailoutbox
):
    """Django's SMTP backend connects in open(); a server that is down fails there, before any
    message. That is an SMTP failure like another: counted, recorded, the claim released."""
    settings.EMAIL_DELIVERY_BACKEND = f"{__name__}.UnreachableSmtp"
    settings.NOTIFICATION_MAX_ATTEMPTS = 1
    follower(article, "follower@example.org")

    approve(held(article))

    state, attempts, last_error, claimed_at, sent_at = _row_state(Notification.objects.get())
    assert state != "sent" and sent_at is None
    assert (state, attempts, claimed_at) == ("failed", 1, None)
    assert "Connection refused" in last_error


# --- 6. The sweep ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "handed_out"),
    [
        ({"created_at": "10s"}, True),
        ({"created_at": "0s"}, False),
        ({"created_at": "2h", "queued_at": "2h", "claimed_at": "claim+5s"}, True),
        ({"created_at": "2h", "queued_at": "2h", "claimed_at": "10s"}, False),
        ({"created_at": "2h", "queued_at": "requeue+5s"}, True),
        ({"created_at": "2h", "queued_at": "10s"}, False),
        ({"created_at": "2h", "state": "sent"}, False),
        ({"created_at": "2h", "state": "cancelled"}, False),
        ({"created_at": "2h", "state": "failed"}, False),
    ],
    ids=[
        "never reached the broker",
        "just written",
        "claimed by a worker that died",
        "claimed by a worker at work",
        "queued and never taken",
        "queued a moment ago",
        "sent",
        "cancelled",
        "failed",
    ],
)
def test_the_sweep_hands_out_what_was_lost_and_nothing_else(
    article, settings, mailoutbox, fields, handed_out
):
    spans = {
        "claim+5s": settings.NOTIFICATION_CLAIM_SECONDS + 5,
        "requeue+5s": settings.NOTIFICATION_REQUEUE_SECONDS + 5,
        "10s": 10,
        "0s": 0,
        "2h": 7200,
    }
    comment = CommentFactory(article=article)
    sub = follower(article, "follower@example.org")
    values = {
        key: (value if key == "state" else _ago(spans[value])) for key, value in fields.items()
    }
    row = Notification.objects.create(
        event=f"approved:{comment.pk}",
        kind="thread",
        recipient=sub.email,
        comment=comment,
        subscription=sub,
        **values,
    )
    before = Notification.objects.get(pk=row.pk).state

    count = tasks.sweep_notifications_task()

    row.refresh_from_db()
    assert count == (1 if handed_out else 0)
    assert len(mailoutbox) == (1 if handed_out else 0)
    assert row.state == ("sent" if handed_out else before)


# --- 7. Subscribing with the comment form -----------------------------------------------------


def _post(client, article, **data):
    return client.post(f"/articles/{article.slug}/comments/", comment_form(**data))


def _confirm_path(message):
    [link] = re.findall(r"https?://\S+/notifications/confirm/\S+/", message.body)
    assert link.startswith(f"{SITE_URL}/notifications/confirm/")
    assert link in message.alternatives[0][0]
    return urlparse(link).path


def test_an_anonymous_reader_who_asks_for_followups_gets_one_confirmation_mail(
    client, article, committed, mailoutbox
):
    with committed():
        response = _post(client, article, wants_followups="on", followup_scope="thread")

    assert response.status_code == 302
    sub = Subscription.objects.get()
    assert (sub.email, sub.user, sub.scope, sub.confirmed_at) == (
        "ann@example.com",
        None,
        "thread",
        None,
    )
    [message] = mailoutbox
    assert message.to == ["ann@example.com"]
    assert message.subject == f"Confirm your subscription to the discussion of {article.title}"
    _confirm_path(message)


def test_asking_twice_sends_one_confirmation_mail(
    client, article, moderation, committed, mailoutbox
):
    moderation.flood_seconds = 0
    moderation.save()

    for body in ("First thought.", "Second thought."):
        with committed():
            _post(client, article, body=body, wants_followups="on", followup_scope="thread")

    assert Comment.objects.count() == 2
    assert Subscription.objects.count() == 1
    assert [m.to for m in mailoutbox] == [["ann@example.com"]]


def test_the_confirmation_link_shows_a_button_and_only_the_button_confirms(
    client, article, committed, mailoutbox
):
    with committed():
        _post(client, article, wants_followups="on", followup_scope="thread")
    path = _confirm_path(mailoutbox[0])
    visitor = Client()  # the link may be opened anywhere, or followed by a mail scanner

    page = visitor.get(path)

    assert page.status_code == 200
    html = page.content.decode()
    assert '<form method="post"' in html and "Yes, send me new comments" in html
    assert Subscription.objects.get().confirmed_at is None
    assert visitor.head(path).status_code == 200
    assert Subscription.objects.get().confirmed_at is None

    confirmed = visitor.post(path)

    assert confirmed.status_code == 200
    assert "Subscription confirmed" in confirmed.content.decode()
    assert Subscription.objects.get().is_active


def _tampered(token):
    value, _, signature = token.rpartition(":")
    return f"{value}:{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"


@pytest.mark.parametrize(
    "forge",
    [
        lambda sub: "not-a-token",
        lambda sub: _tampered(mail.confirm_token(sub)),
        lambda sub: signing.dumps(sub.pk, salt="comments.unsubscribe"),
        lambda sub: signing.dumps(sub.pk, key="x" * 50, salt="comments.confirm"),
        lambda sub: signing.dumps(sub.pk + 1000, salt="comments.confirm"),
        lambda sub: signing.dumps({"s": sub.pk, "e": sub.email}, salt="comments.confirm"),
        lambda sub: signing.dumps(True, salt="comments.confirm"),
    ],
    ids=[
        "garbage",
        "tampered",
        "another kind of token",
        "another site's key",
        "no such subscription",
        "the older format, which carried the address",
        "not an id",
    ],
)
def test_a_forged_confirmation_link_is_refused_with_the_sites_page(client, article, forge):
    sub = follower(article, "victim@example.org", confirmed=False)

    for method in (client.get, client.post):
        response = method(f"/notifications/confirm/{forge(sub)}/")

        assert response.status_code == 400
        html = response.content.decode()
        assert "Link not valid" in html
        assert 'class="site-name"' in html  # the site's own page, not a bare error
    sub.refresh_from_db()
    assert sub.confirmed_at is None


@pytest.mark.parametrize(("verified", "confirmation_mails"), [(True, 0), (False, 1)])
def test_a_signed_in_reader_is_subscribed_at_once_only_with_a_verified_address(
    client, article, committed, mailoutbox, verified, confirmation_mails
):
    user = (verified_user if verified else UserFactory)(username="signed-in")
    client.force_login(user)

    with committed():
        _post(client, article, name="", email="", wants_followups="on", followup_scope="thread")

    sub = Subscription.objects.get()
    assert (sub.email, sub.user) == (user.email, user)
    assert (sub.confirmed_at is not None) is verified
    confirmations = [m for m in mailoutbox if m.subject.startswith("Confirm your subscription")]
    assert len(confirmations) == confirmation_mails


def test_a_reader_who_does_not_ask_is_not_subscribed(client, article, committed, mailoutbox):
    with committed():
        _post(client, article, followup_scope="thread")

    assert not Subscription.objects.exists()
    assert mailoutbox == []


def test_a_replies_only_subscriber_hears_of_replies_to_them_and_of_nothing_else(
    client, article, approve, committed, mailoutbox
):
    with committed():
        _post(client, article, wants_followups="on", followup_scope="replies")
    sub = Subscription.objects.get()
    assert sub.scope == "replies"
    Client().post(_confirm_path(mailoutbox[0]))
    mine = Comment.objects.get()
    approve(mine)
    mailoutbox.clear()

    reply = CommentFactory(parent=mine, status="pending", author_name="Bo Replier")
    other = held(article, author_name="Cy Other")
    approve(reply, other)

    assert [m.subject for m in mails_to(mailoutbox, "ann@example.com")] == [
        f"Bo Replier replied to your comment on {article.title}"
    ]


# --- 8 and 9. What every mail carries, and stopping it ----------------------------------------


CAST = {
    "writer": "writer@example.net",
    "follower": "follower@example.net",
    "parent": "parent-secret@example.net",
    "commenter": "commenter-secret@example.net",
    "moderator": "moderator@example.net",
    "newcomer": "newcomer@example.net",
}
IPS = {"parent": "198.51.100.23", "commenter": "203.0.113.77"}
KINDS = ["held", "reply", "article", "thread", "published", "confirm"]
# Who gets each kind in `_everybody_is_told`.
RECIPIENT = {
    "held": "moderator",
    "reply": "parent",
    "article": "writer",
    "thread": "follower",
    "published": "commenter",
    "confirm": "newcomer",
}


@pytest.fixture
def cast(article):
    people = {
        role: verified_user(role, email=email)
        for role, email in CAST.items()
        if role in ("writer", "parent", "commenter")
    }
    people["moderator"] = moderator("moderator", email=CAST["moderator"])
    article.authors.set([people["writer"]])
    follower(article, CAST["follower"])
    parent = CommentFactory(
        article=article,
        user=people["parent"],
        author_name="Pat Parent",
        author_email=CAST["parent"],
        ip_address=IPS["parent"],
    )
    return {"people": people, "parent": parent}


def _everybody_is_told(article, cast, staff, committed):
    """One comment that is held, then approved, and one new subscription: a mail of every kind."""
    reply = CommentFactory(
        parent=cast["parent"],
        status="pending",
        user=cast["people"]["commenter"],
        author_name="Rita Replier",
        author_email=CAST["commenter"],
        ip_address=IPS["commenter"],
    )
    with committed():
        transitions.record_new(reply, "first comment from this account")
    with committed():
        transitions.change_status(reply, "approved", actor=staff)
    with committed():
        recipients.subscribe(article=article, email=CAST["newcomer"], scope="thread")
    return reply


@pytest.mark.parametrize("kind", KINDS)
def test_every_mail_is_well_formed_and_tells_no_other_readers_address(
    article, cast, staff, committed, mailoutbox, kind
):
    _everybody_is_told(article, cast, staff, committed)
    recipient = CAST[RECIPIENT[kind]]
    row = Notification.objects.get(kind=kind)
    assert row.recipient == recipient
    [message] = mails_to(mailoutbox, recipient)

    assert message.to == [recipient]
    assert message.body.strip()
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html" and "<html" in html
    link = re.fullmatch(r"<([^>]+)>", message.extra_headers["List-Unsubscribe"]).group(1)
    assert urlparse(link).scheme in ("http", "https")
    assert link.startswith(f"{SITE_URL}/notifications/unsubscribe/")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"notification-{row.pk}@" in message.extra_headers["Message-ID"]
    raw = message.message().as_string()
    assert f"notification-{row.pk}@" in raw
    assert "The Analysis Review" in message.body and "The Analysis Review" in html
    strangers = [email for role, email in CAST.items() if email != recipient]
    for text in (raw, message.body, html, message.subject):
        for secret in [*strangers, *IPS.values()]:
            assert not reveals(text, secret)


def test_every_kind_of_mail_was_produced_once(article, cast, staff, committed, mailoutbox):
    _everybody_is_told(article, cast, staff, committed)

    assert sorted(Notification.objects.values_list("kind", flat=True)) == sorted(KINDS)
    assert sorted(m.to[0] for m in mailoutbox) == sorted(CAST.values())


def _unsubscribed(kind, article):
    """What a reader who unsubscribed from a mail of `kind` has turned off."""
    email = CAST[RECIPIENT[kind]]
    if kind in ("thread", "confirm"):
        return Subscription.objects.get(email=email).unsubscribed_at is not None
    field = {
        "reply": "replies",
        "article": "article_comments",
        "published": "published",
        "held": "held_comments",
    }[kind]
    return getattr(MailPreference.objects.get(email=email), field) is False


@pytest.mark.parametrize("kind", KINDS)
def test_one_click_unsubscribe_stops_that_kind_of_mail(
    article, cast, staff, committed, mailoutbox, kind
):
    _everybody_is_told(article, cast, staff, committed)
    recipient = CAST[RECIPIENT[kind]]
    [message] = mails_to(mailoutbox, recipient)

    response = one_click(unsubscribe_path(message))

    assert response.status_code == 200
    assert "Unsubscribed" in response.content.decode()
    assert _unsubscribed(kind, article)
    mailoutbox.clear()
    _everybody_is_told(article, cast, staff, committed)  # the same things happen again
    assert mails_to(mailoutbox, recipient) == []
    assert mailoutbox  # the others are still told


@pytest.mark.parametrize("method", ["get", "head"])
def test_opening_the_unsubscribe_link_shows_a_button_and_changes_nothing(
    article, cast, staff, committed, mailoutbox, method
):
    _everybody_is_told(article, cast, staff, committed)
    [message] = mails_to(mailoutbox, CAST["follower"])
    prefs = list(MailPreference.objects.values())

    response = getattr(Client(enforce_csrf_checks=True), method)(unsubscribe_path(message))

    assert response.status_code == 200
    if method == "get":
        html = response.content.decode()
        assert '<form method="post"' in html and ">Unsubscribe</button>" in html
    assert Subscription.objects.get(email=CAST["follower"]).is_active
    assert list(MailPreference.objects.values()) == prefs


def test_one_click_unsubscribe_cancels_that_subscriptions_unsent_mail(
    article, staff, approve, mailoutbox, django_capture_on_commit_callbacks
):
    follower(article, "follower@example.org")
    follower(article, "other@example.org")
    approve(held(article))
    [message] = mails_to(mailoutbox, "follower@example.org")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        transitions.change_status(held(article), "approved", actor=staff)

    assert one_click(unsubscribe_path(message)).status_code == 200
    for callback in queued:
        callback()

    assert len(mails_to(mailoutbox, "follower@example.org")) == 1
    assert len(mails_to(mailoutbox, "other@example.org")) == 2
    assert list(
        Notification.objects.filter(recipient="follower@example.org").values_list(
            "state", flat=True
        )
    ) == ["cancelled", "sent"]
    approve(held(article))
    assert len(mails_to(mailoutbox, "follower@example.org")) == 1


def test_unsubscribing_from_a_reply_mail_without_a_subscription_turns_replies_off(
    article, approve, mailoutbox
):
    parent_author = verified_user("parent")
    parent = CommentFactory(article=article, user=parent_author, author_email=parent_author.email)
    approve(CommentFactory(parent=parent, status="pending"))
    [message] = mailoutbox

    assert one_click(unsubscribe_path(message)).status_code == 200

    pref = MailPreference.objects.get(email=parent_author.email)
    assert (pref.replies, pref.article_comments, pref.published) == (False, True, True)
    approve(CommentFactory(parent=parent, status="pending"))
    assert len(mailoutbox) == 1


def test_unsubscribing_from_a_reply_mail_stops_all_mail_about_that_discussion(
    article, approve, mailoutbox
):
    """A signed-in reader who follows the thread gets a reply mail (the most personal kind
    wins). The page after one click says "no more mail about the discussion"; so it must be."""
    parent_author = verified_user("parent")
    follower(article, parent_author.email, user=parent_author)
    parent = CommentFactory(article=article, user=parent_author, author_email=parent_author.email)
    approve(CommentFactory(parent=parent, status="pending"))
    [message] = mailoutbox
    assert Notification.objects.get().kind == "reply"

    response = one_click(unsubscribe_path(message))
    assert "no more mail about the discussion" in response.content.decode()

    approve(CommentFactory(parent=parent, status="pending", author_name="Cy Later"), held(article))
    assert [m.subject for m in mails_to(mailoutbox, parent_author.email)] == [message.subject]


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        signing.dumps(1, salt="comments.confirm"),
        signing.dumps({"n": 1, "e": "a@example.org"}, salt="comments.unsubscribe"),
    ],
    ids=["garbage", "another kind of token", "the older format, which carried the address"],
)
def test_a_forged_unsubscribe_link_is_refused(token):
    response = one_click(f"/notifications/unsubscribe/{token}/")

    assert response.status_code == 400
    assert "Link not valid" in response.content.decode()


# --- 10. The notifications page ---------------------------------------------------------------

PAGE = "/accounts/notifications/"


def test_the_notifications_page_asks_anonymous_readers_to_log_in(client):
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={PAGE}"


def test_the_notifications_page_lists_my_subscriptions_and_unsubscribes_me(client, reader):
    mine = follower(ArticleFactory(title="Shipping lanes"), reader.email, user=reader)
    waiting = follower(
        ArticleFactory(title="Grain prices"), reader.email, user=reader, confirmed=False
    )
    follower(ArticleFactory(title="Someone else's"), "other@example.org")
    client.force_login(reader)

    html = client.get(PAGE).content.decode()

    assert "Shipping lanes" in html and "Grain prices" in html
    assert "Someone else" not in html
    assert "waiting for you to confirm by email" in html
    assert f'name="unsubscribe" value="{mine.pk}"' in html
    response = client.post(PAGE, {"unsubscribe": mine.pk})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.unsubscribed_at is not None
    html = client.get(PAGE).content.decode()
    assert "Shipping lanes" not in html and "Grain prices" in html
    waiting.refresh_from_db()
    assert waiting.unsubscribed_at is None


def test_the_notifications_page_cannot_unsubscribe_someone_else(client, reader):
    theirs = follower(ArticleFactory(), "other@example.org", user=UserFactory())
    client.force_login(reader)

    client.post(PAGE, {"unsubscribe": theirs.pk})

    theirs.refresh_from_db()
    assert theirs.unsubscribed_at is None


@pytest.mark.parametrize("value", ["abc", "", "1.5"])
def test_the_notifications_page_answers_a_garbled_unsubscribe_without_an_error(
    client, reader, value
):
    client.force_login(reader)
    client.raise_request_exception = False

    response = client.post(PAGE, {"unsubscribe": value})

    assert response.status_code in (302, 400)


def test_the_notifications_page_saves_my_preferences(client, reader):
    client.force_login(reader)

    response = client.post(PAGE, {"article_comments": "on", "published": "on"})

    assert response.status_code == 302
    pref = MailPreference.objects.get(email=reader.email)
    assert (pref.replies, pref.article_comments, pref.published) == (False, True, True)
    assert 'name="replies"' in client.get(PAGE).content.decode()


@pytest.mark.parametrize("is_moderator", [True, False])
def test_the_held_comments_switch_is_offered_to_moderators_only(client, is_moderator):
    user = moderator("mod", opted_in=False) if is_moderator else UserFactory(username="plain")
    client.force_login(user)

    html = client.get(PAGE).content.decode()
    client.post(PAGE, {"replies": "on", "held_comments": "on"})

    assert ('name="held_comments"' in html) is is_moderator
    assert ("comments waiting for moderation" in html.lower()) is is_moderator
    assert MailPreference.objects.get(email=user.email).held_comments is is_moderator


@pytest.mark.parametrize("subscriptions", [1, 30])
def test_the_notifications_page_makes_a_fixed_number_of_queries(
    client, reader, django_assert_max_num_queries, subscriptions
):
    for n in range(subscriptions):
        follower(ArticleFactory(title=f"Analysis {n}"), reader.email, user=reader)
    client.force_login(reader)
    client.get(PAGE)  # the preference row is made on the first visit

    # session, user, preference, moderator check, subscriptions with their articles
    with django_assert_max_num_queries(5):
        response = client.get(PAGE)

    assert response.status_code == 200
    assert response.content.decode().count('name="unsubscribe"') == subscriptions


# --- 11. Posting stays cheap with many moderators to tell -------------------------------------


@pytest.mark.django_db(transaction=True)  # real transactions: no test savepoints in the count
def test_posting_makes_a_fixed_number_of_queries_however_many_moderators_are_told(
    client, monkeypatch, django_assert_max_num_queries
):
    article = ArticleFactory()
    root = CommentFactory(article=article)
    ModerationSettings.current()  # the row a migration makes (a flush in another test drops it)
    cache.clear()
    handed = []
    # The broker, not the request, does the sending: record what is handed to it.
    monkeypatch.setattr(
        tasks.deliver_notifications_task,
        "apply_async",
        lambda args, **options: handed.append(len(args[0])),
    )

    def post(n):  # a new address each time: held as a first comment, and not a flood
        return client.post(
            f"/articles/{article.slug}/comments/",
            comment_form(parent=root.pk, body=f"Thought {n}.", email=f"reader{n}@example.org"),
            REMOTE_ADDR=f"198.51.100.{n}",
        )

    moderator("mod0")
    post(0)  # what is cached (settings, ...) is warm from here on, as on a running site
    counts = []
    for n, moderators in enumerate((1, 25), start=1):
        for m in range(get_user_model().objects.filter(is_staff=True).count(), moderators):
            moderator(f"mod{m}")
        # a post with nobody to tell (see test_posting) and: the moderators' rows, their ids
        # read back, and after commit marking them queued
        with django_assert_max_num_queries(13) as queries:
            response = post(n)
        assert response.status_code == 302
        counts.append(len(queries))

    assert handed == [1, 1, 25]
    assert Comment.objects.filter(status="pending").count() == 3
    assert counts[0] == counts[1]
