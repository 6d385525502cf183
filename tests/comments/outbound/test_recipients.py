"""Who is told of what, once: the rules of comments/outbound/recipients.py.

A held comment goes to the moderators who asked; an approved one to the article's authors,
the parent comment's author, the thread's subscribers and, when it was held, its commenter.
One event makes one mail per address, a comment withdrawn before its mail went takes the
mail with it, and posting makes the same queries however many moderators are told.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from comments import tasks
from comments.models import Comment, MailPreference, ModerationSettings, Notification, Subscription
from comments.moderation import transitions
from comments.outbound import recipients
from comments.posting import services
from comments.threads.readers import Reader
from tests.comments.outbound.helpers import (
    SITE_URL,
    ago,
    follower,
    held,
    mails_to,
    moderator,
    verified_user,
)
from tests.factories import ArticleFactory, CommentFactory, UserFactory, comment_form

pytestmark = pytest.mark.django_db


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
        article=article, user=me, author_email=me.email, created_at=ago(3600)
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

    about_it = Notification.objects.filter(comment=comment).exclude(kind="statement")
    assert set(about_it.values_list("state", flat=True)) == {"cancelled"}
    # What is left is the statement of reasons, to the author alone (none for a deletion)
    assert {m.to[0] for m in mailoutbox} <= {author.email}
    assert all(m.subject.startswith("Why your comment") for m in mailoutbox)


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
        with django_assert_max_num_queries(15) as queries:  # +2: the hold's statement
            response = post(n)
        assert response.status_code == 302
        counts.append(len(queries))

    assert handed == [1, 1, 25]
    assert Comment.objects.filter(status="pending").count() == 3
    assert counts[0] == counts[1]
