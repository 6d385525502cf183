"""Personal data: a reader's copy of it, its erasure (by the reader, or by staff for an email
address), the record each leaves, and the daily clearing of old IP addresses.

Celery runs eagerly and the worker's mail backend is locmem, so mail that is sent lands in
`mailoutbox` once the on-commit callbacks run (`committed()`).
"""

import io
import json
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings as django_settings
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.forms.models import model_to_dict
from django.test import Client
from django.utils import timezone

from comments import tasks
from comments.models import (
    ApiToken,
    ArticleVisit,
    Ban,
    Comment,
    MailPreference,
    MutedReader,
    Notification,
    PersonalDataLog,
    Report,
    Subscription,
    UsefulVote,
    WebhookDelivery,
    WebhookEndpoint,
)
from comments.moderation import bans, transitions
from comments.portability import personal_data, retention
from comments.threads.queries import discussion_for
from comments.threads.readers import Reader
from tests.factories import ArticleFactory, CommentFactory, UserFactory, comment_form, sign_in_staff

pytestmark = pytest.mark.django_db

SITE_URL = "https://analysis.example.org"
ANN = {
    "author_name": "Ann Reader",
    "author_email": "Ann.Reader@Example.com",
    "author_url": "https://ann.example.org/",
    "ip_address": "198.51.100.23",
    "user_agent": "Mozilla/5.0 (Ann's laptop)",
}
ANN_TRACES = ["ann.reader@example.com", "198.51.100.23", "Ann Reader", "ann.example.org"]
PAGE = "/accounts/personal-data/"
ADMIN_PAGE = "/admin/comments/comment/personal-data/"


@pytest.fixture(autouse=True)
def _mail_lands_in_the_outbox(settings, mailoutbox):
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = SITE_URL


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed(): ...` runs the block, then what it queued after commit."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def staff(db):
    return UserFactory(username="approver", is_staff=True)


@pytest.fixture
def moderator(db):
    UserFactory(username="mod")
    call_command("make_moderator", "mod", stdout=io.StringIO())
    return UserFactory(username="mod")


@pytest.fixture
def mod_client(moderator):
    client = Client()
    sign_in_staff(client, moderator)
    return client


@pytest.fixture
def erased_hook(db):
    return WebhookEndpoint.objects.create(
        url="https://hooks.example.net/in", secret="s3cret", events=["comment.erased"]
    )


def verified_user(username, **fields):
    user = UserFactory(username=username, **fields)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def thread_shape(article):
    """Every comment id a visitor's page holds, in page order, with its parent."""
    shape = []
    stack = list(
        reversed(discussion_for(article, Reader(user=None, browser="t"), whole=True).threads)
    )
    while stack:
        node = stack.pop()
        shape.append((node.comment.pk, node.comment.parent_id, node.is_tombstone))
        stack.extend(reversed(node.children))
    return shape


def row_values(comment_ids):
    """The stored rows, every column, as text."""
    return [
        " ".join(str(value) for value in row.values())
        for row in Comment.objects.filter(pk__in=comment_ids).values()
    ]


def assert_no_traces(comment_ids, traces):
    for text in row_values(comment_ids):
        for trace in traces:
            assert trace.lower() not in text.lower()


def assert_logs_never_hold(*traces):
    for log in PersonalDataLog.objects.all():
        text = " ".join(str(value) for value in model_to_dict(log).values()).lower()
        text += " " + str(log).lower()
        for trace in traces:
            assert trace.lower() not in text


@pytest.fixture
def ann_thread(article):
    """An anonymous reader's comments in a discussion others take part in."""
    opener = CommentFactory(article=article, author_name="Bob", author_email="bob@example.com")
    ann_reply = CommentFactory(article=article, parent=opener, body="Ann answers Bob.", **ANN)
    answer = CommentFactory(article=article, parent=ann_reply, author_name="Cy")
    ann_alone = CommentFactory(
        article=article, body="Ann, alone.", **{**ANN, "author_email": "ann.reader@example.com"}
    )
    other = ArticleFactory()
    ann_held = CommentFactory(article=other, status="pending", body="Ann, held.", **ANN)
    return {
        "opener": opener,
        "ann": [ann_reply, ann_alone, ann_held],
        "answer": answer,
        "other_article": other,
    }


# --- Export -----------------------------------------------------------------------------------


def test_an_account_export_holds_every_comment_subscription_report_and_token_name(article):
    user = verified_user("ann", first_name="Ann", last_name="Reader")
    EmailAddress.objects.create(user=user, email="ann@work.example", verified=False)
    top = CommentFactory(article=article, user=user, body="First, *as written*.")
    elsewhere = ArticleFactory()
    reply = CommentFactory(article=article, parent=CommentFactory(article=article), user=user)
    held = CommentFactory(article=elsewhere, user=user, status="pending")
    CommentFactory(article=article, author_email=user.email)  # anonymous, not the account's
    Subscription.objects.create(article=elsewhere, email=user.email, user=user)
    reported = CommentFactory(article=article)
    Report.objects.create(
        comment=reported, reason="spam", note="ads", reporter=user, reporter_key=f"user:{user.pk}"
    )
    _, key = ApiToken.issue(user, "newsletter tool")

    data = personal_data.export_for_user(user)

    assert data["account"]["username"] == "ann"
    assert (data["account"]["first_name"], data["account"]["last_name"]) == ("Ann", "Reader")
    assert {a["email"] for a in data["account"]["email_addresses"]} == {
        user.email,
        "ann@work.example",
    }
    assert data["account"]["date_joined"] == user.date_joined.isoformat()
    by_id = {c["id"]: c for c in data["comments"]}
    assert set(by_id) == {top.pk, reply.pk, held.pk}
    assert by_id[top.pk]["body"] == "First, *as written*."
    assert by_id[top.pk]["article"] == {"slug": article.slug, "title": article.title}
    assert by_id[reply.pk]["parent"] == reply.parent_id
    assert by_id[held.pk]["status"] == "pending"
    assert by_id[top.pk]["url"] == f"{SITE_URL}/comments/{top.pk}/"
    assert [s["article"]["slug"] for s in data["subscriptions"]] == [elsewhere.slug]
    assert [(r["comment"], r["reason"], r["note"]) for r in data["reports"]] == [
        (reported.pk, "spam", "ads")
    ]
    assert [t["name"] for t in data["api_tokens"]] == ["newsletter tool"]
    text = json.dumps(data)
    assert key not in text
    assert ApiToken.objects.get().key_hash not in text
    [log] = PersonalDataLog.objects.all()
    assert (log.action, log.subject, log.comments, log.actor) == (
        "export",
        f"account {user.pk}",
        3,
        user,
    )


def test_an_email_export_holds_the_anonymous_comments_under_that_address_in_any_case(
    ann_thread, staff
):
    signed_in = UserFactory(username="ann-account", email="ann.reader@example.com")
    CommentFactory(user=signed_in, author_email="ann.reader@example.com")  # the account's
    Subscription.objects.create(article=ann_thread["other_article"], email="ann.reader@example.com")

    data = personal_data.export_for_email("ANN.READER@example.com", actor=staff)

    assert {c["id"] for c in data["comments"]} == {c.pk for c in ann_thread["ann"]}
    assert {c["body"] for c in data["comments"]} == {
        "Ann answers Bob.",
        "Ann, alone.",
        "Ann, held.",
    }
    assert [s["article"]["slug"] for s in data["subscriptions"]] == [
        ann_thread["other_article"].slug
    ]
    [log] = PersonalDataLog.objects.all()
    assert (log.action, log.subject, log.comments, log.actor) == (
        "export",
        "an email address",
        3,
        staff,
    )
    assert_logs_never_hold("ann.reader@example.com", "Ann Reader")


# --- Erasure --------------------------------------------------------------------------------


def test_erasing_an_address_leaves_no_trace_in_its_comments_and_keeps_the_thread(
    client, article, ann_thread, staff, erased_hook
):
    ann_ids = [c.pk for c in ann_thread["ann"]]
    shape = thread_shape(article)
    other_ids = [ann_thread["opener"].pk, ann_thread["answer"].pk]
    others_before = row_values(other_ids)
    Subscription.objects.create(
        article=article, email="ann.reader@example.com", confirmed_at=timezone.now()
    )
    MailPreference.objects.create(email="ann.reader@example.com", replies=False)
    unsent = Notification.objects.create(
        event="approved:999", kind="thread", recipient="ann.reader@example.com"
    )

    count = personal_data.erase_for_email(
        "ann.reader@EXAMPLE.com", actor=staff, delete_comments=False
    )

    assert count == 3
    assert_no_traces(ann_ids, [*ANN_TRACES, "Ann's laptop"])
    assert set(Comment.objects.filter(pk__in=ann_ids).values_list("author_name", flat=True)) == {
        "Anonymous"
    }
    assert Comment.objects.filter(pk__in=ann_ids, ip_address__isnull=False).count() == 0
    assert set(Comment.objects.filter(pk__in=ann_ids).values_list("status", flat=True)) == {
        "approved",
        "pending",
    }
    assert row_values(other_ids) == others_before  # what others wrote is untouched
    assert thread_shape(article) == shape
    page = client.get(article.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert "Ann answers Bob." in html and "Anonymous" in html
    assert "Ann Reader" not in html and "ann.example.org" not in html
    assert not Subscription.objects.filter(email__iexact="ann.reader@example.com").exists()
    assert not MailPreference.objects.exists()
    unsent.refresh_from_db()
    assert unsent.state == "cancelled"
    assert set(
        WebhookDelivery.objects.filter(event="comment.erased").values_list(
            "payload__comment__id", flat=True
        )
    ) == set(ann_ids)
    [log] = PersonalDataLog.objects.all()
    assert (log.action, log.subject, log.comments, log.actor) == (
        "erase",
        "an email address",
        3,
        staff,
    )
    assert_logs_never_hold(*ANN_TRACES)


def test_reasons_that_quote_the_address_or_ip_lose_them_too(article, staff):
    reason = "banned email address ann.reader@example.com"
    spam = CommentFactory(article=article, status="spam", status_reason=reason, **ANN)
    transitions.record_new(spam, reason)
    by_network = CommentFactory(
        article=article,
        status="spam",
        status_reason="banned ip address or network 198.51.100.23/32",
        **ANN,
    )

    personal_data.erase_for_email("ann.reader@example.com", actor=staff, delete_comments=True)

    assert_no_traces([spam.pk, by_network.pk], ANN_TRACES)
    spam.refresh_from_db()
    by_network.refresh_from_db()
    assert spam.status == "spam"  # a spam verdict is no comment to delete; it stays hidden
    assert spam.status_reason == "banned email address [erased]"
    assert by_network.status_reason == "banned ip address or network [erased]/32"
    assert spam.events.get().reason == "banned email address [erased]"


def test_deleting_leaves_a_tombstone_where_there_are_replies_and_nothing_elsewhere(
    client, article, ann_thread, staff
):
    ann_reply, ann_alone, ann_held = ann_thread["ann"]
    before = thread_shape(article)

    personal_data.erase_for_email("ann.reader@example.com", actor=staff, delete_comments=True)

    statuses = dict(
        Comment.objects.filter(pk__in=[ann_reply.pk, ann_alone.pk, ann_held.pk]).values_list(
            "pk", "status"
        )
    )
    assert set(statuses.values()) == {"deleted"}
    assert_no_traces(list(statuses), ANN_TRACES)
    after = thread_shape(article)
    # Ann's reply stays as a tombstone so Cy's answer keeps its place; her lone comment goes.
    assert after == [
        (pk, parent, pk == ann_reply.pk) for pk, parent, _ in before if pk != ann_alone.pk
    ]
    html = client.get(article.get_absolute_url()).content.decode()
    assert "This comment was deleted." in html
    assert "Ann answers Bob." not in html and "Ann, alone." not in html
    assert ann_thread["answer"].body in html
    assert "deleted at its author's request" in ann_reply.events.get(to_status="deleted").reason
    assert PersonalDataLog.objects.get().details.startswith("comments deleted")


def test_after_erasure_no_reply_mail_goes_to_the_old_address(article, staff, committed, mailoutbox):
    address = "ann.reader@example.com"
    ann = CommentFactory(article=article, **{**ANN, "author_email": address})
    Subscription.objects.create(
        article=article, email=address, scope="replies", confirmed_at=timezone.now()
    )
    first = CommentFactory(article=article, parent=ann, status="pending")
    with committed():
        transitions.change_statuses([first], "approved", actor=staff)
    assert [m.to for m in mailoutbox] == [[address]]  # she was told before
    second = CommentFactory(article=article, parent=ann, status="pending")

    personal_data.erase_for_email(address, actor=staff, delete_comments=False)
    with committed():
        transitions.change_statuses([second], "approved", actor=staff)

    assert len(mailoutbox) == 1
    assert not Subscription.objects.filter(email=address).exists()
    assert not Notification.objects.filter(recipient=address, state="pending").exists()


def test_an_account_that_erased_hears_no_more_of_replies_to_its_comments(
    article, staff, committed, mailoutbox
):
    user = verified_user("ann")
    mine = CommentFactory(article=article, user=user, author_email=user.email)
    Subscription.objects.create(
        article=article, email=user.email, user=user, confirmed_at=timezone.now()
    )
    first = CommentFactory(article=article, parent=mine, status="pending")
    with committed():
        transitions.change_statuses([first], "approved", actor=staff)
    assert [m.to for m in mailoutbox] == [[user.email]]
    second = CommentFactory(article=article, parent=mine, status="pending")

    personal_data.erase_for_user(user, actor=user, delete_comments=False)
    with committed():
        transitions.change_statuses([second], "approved", actor=staff)

    assert len(mailoutbox) == 1
    assert not Subscription.objects.filter(user=user).exists()


# --- The reader's page ----------------------------------------------------------------------


@pytest.fixture
def ann_account(article):
    user = verified_user(
        "ann", first_name="Ann", last_name="Reader", email="ann.reader@example.com"
    )
    first = CommentFactory(article=article, user=user, **{**ANN, "author_email": user.email})
    reply = CommentFactory(article=article, parent=first, author_name="Bob")
    second = CommentFactory(
        article=article, user=user, parent=reply, **{**ANN, "author_email": user.email}
    )
    Subscription.objects.create(
        article=article, email=user.email, user=user, confirmed_at=timezone.now()
    )
    MailPreference.objects.create(email=user.email, user=user, replies=False)
    ApiToken.issue(user, "my script")
    Report.objects.create(
        comment=reply, reason="other", reporter=user, reporter_key=f"user:{user.pk}",
        ip_address="198.51.100.23",
    )  # fmt: skip
    Notification.objects.create(event="approved:1", kind="reply", recipient=user.email, user=user)
    client = Client()
    client.force_login(user)
    return {"user": user, "client": client, "comments": [first, second]}


def test_the_page_needs_a_signed_in_reader(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_page_says_what_is_held_and_is_in_the_account_navigation(ann_account):
    html = ann_account["client"].get(PAGE).content.decode()
    assert f'href="{PAGE}" aria-current="page">Personal data</a>' in html
    assert "2 comments" in html and "1 discussion you follow" in html
    assert "Download my data (JSON)" in html
    assert '<label for="id_confirm">' in html
    other = ann_account["client"].get("/accounts/api-tokens/").content.decode()
    assert f'href="{PAGE}">Personal data</a>' in other


def test_the_download_is_a_json_attachment_of_the_readers_data(ann_account):
    response = ann_account["client"].get(PAGE, {"download": "1"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith('attachment; filename="personal-data-')
    data = json.loads(response.content)
    assert [c["id"] for c in data["comments"]] == [c.pk for c in ann_account["comments"]]
    assert data["account"]["username"] == "ann"
    assert PersonalDataLog.objects.get().action == "export"


def test_erasing_without_confirming_is_a_form_error_and_erases_nothing(ann_account):
    response = ann_account["client"].post(PAGE, {"comments": "keep"})

    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "Tick the box to confirm that you want your data erased." in html
    assert 'aria-invalid="true"' in html
    assert Comment.objects.filter(author_name="Ann Reader").count() == 2
    assert not PersonalDataLog.objects.exists()
    for bad in [{}, {"comments": "burn", "confirm": "on"}]:
        assert ann_account["client"].post(PAGE, bad).status_code == 400
    assert ApiToken.objects.exists()


def test_the_reader_erases_their_data_and_keeps_their_account(ann_account, article):
    user, client = ann_account["user"], ann_account["client"]
    ids = [c.pk for c in ann_account["comments"]]
    shape = thread_shape(article)

    response = client.post(PAGE, {"comments": "keep", "confirm": "on"}, follow=True)

    assert response.redirect_chain == [(PAGE, 302)]
    assert "Your personal data is erased from 2 comments" in response.content.decode()
    assert_no_traces(ids, ANN_TRACES)
    assert set(Comment.objects.filter(pk__in=ids).values_list("user_id", flat=True)) == {user.pk}
    assert thread_shape(article) == shape
    assert not Subscription.objects.exists()
    assert not MailPreference.objects.exists()
    assert not ApiToken.objects.exists()
    assert Report.objects.get().ip_address is None
    assert Notification.objects.get().state == "cancelled"
    user.refresh_from_db()
    assert user.is_active
    [log] = PersonalDataLog.objects.all()
    assert (log.action, log.subject, log.comments, log.actor) == (
        "erase",
        f"account {user.pk}",
        2,
        user,
    )
    assert_logs_never_hold(*ANN_TRACES)


def test_the_reader_may_delete_their_comments_instead(ann_account, article, client):
    first, second = ann_account["comments"]

    ann_account["client"].post(PAGE, {"comments": "delete", "confirm": "on"})

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("deleted", "deleted")
    # The first has a reply and stays as a tombstone; the second has none and goes.
    assert [(pk, gone) for pk, _, gone in thread_shape(article)] == [
        (first.pk, True),
        (first.replies.get().pk, False),
    ]


# --- The admin page ---------------------------------------------------------------------------


def test_the_comment_queue_links_to_the_admin_page(mod_client):
    html = mod_client.get("/admin/comments/comment/?status__exact=pending").content.decode()
    assert f'href="{ADMIN_PAGE}"' in html


def test_staff_look_up_download_and_erase_an_address(mod_client, moderator, ann_thread):
    ann_ids = [c.pk for c in ann_thread["ann"]]

    assert mod_client.get(ADMIN_PAGE).status_code == 200
    looked_up = mod_client.post(ADMIN_PAGE, {"email": "ann.reader@example.com", "lookup": "1"})
    assert looked_up.status_code == 200
    assert "<strong>3</strong> comments" in looked_up.content.decode()

    download = mod_client.post(ADMIN_PAGE, {"email": "ann.reader@example.com", "download": "1"})
    assert download["Content-Type"] == "application/json"
    assert "attachment" in download["Content-Disposition"]
    assert "ann" not in download["Content-Disposition"]
    assert {c["id"] for c in json.loads(download.content)["comments"]} == set(ann_ids)

    erased = mod_client.post(
        ADMIN_PAGE,
        {"email": "ann.reader@example.com", "comments": "keep", "confirm": "on", "erase": "1"},
        follow=True,
    )
    assert erased.redirect_chain == [(ADMIN_PAGE, 302)]
    assert "Erased: 3 comment(s) anonymised" in erased.content.decode()
    assert_no_traces(ann_ids, ANN_TRACES)
    logs = PersonalDataLog.objects.order_by("created_at", "id")
    assert [(log.action, log.actor) for log in logs] == [
        ("export", moderator),
        ("erase", moderator),
    ]
    assert_logs_never_hold(*ANN_TRACES)


def test_the_admin_page_warns_when_the_address_is_an_accounts(mod_client, ann_account):
    html = mod_client.post(
        ADMIN_PAGE, {"email": "ann.reader@example.com", "lookup": "1"}
    ).content.decode()
    assert f"belongs to account {ann_account['user'].pk}" in html


@pytest.mark.parametrize(
    "data, error",
    [
        ({"lookup": "1"}, "Enter the email address the request is about."),
        ({"email": "", "download": "1"}, "Enter the email address the request is about."),
        (
            {"email": "not an address", "erase": "1", "comments": "keep", "confirm": "on"},
            "Enter a valid email address.",
        ),
        (
            {"email": "ann.reader@example.com", "erase": "1", "comments": "keep"},
            "Tick the box to confirm the erasure.",
        ),
        (
            {"email": "ann.reader@example.com", "erase": "1", "confirm": "on"},
            "Choose what happens to the comments.",
        ),
        (
            {"email": "ann.reader@example.com", "erase": "1", "comments": "x", "confirm": "on"},
            "Select a valid choice.",
        ),
    ],
    ids=[
        "no address",
        "empty address",
        "invalid address",
        "unconfirmed",
        "no choice",
        "bad choice",
    ],
)
def test_bad_input_on_the_admin_page_is_a_form_error(mod_client, ann_thread, data, error):
    response = mod_client.post(ADMIN_PAGE, data)

    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html and error in html
    assert Comment.objects.filter(author_name="Ann Reader").count() == 3
    assert not PersonalDataLog.objects.exists()


def test_the_admin_page_refuses_readers_and_staff_without_the_permission(ann_thread):
    reader = Client()
    reader.force_login(UserFactory(username="nosy"))
    clerk_user = UserFactory(username="clerk", is_staff=True)
    clerk_user.user_permissions.add(Permission.objects.get(codename="view_comment"))
    clerk = Client()
    sign_in_staff(clerk, clerk_user)
    form = {"email": "ann.reader@example.com", "comments": "keep", "confirm": "on", "erase": "1"}

    for client in (Client(), reader):
        response = client.post(ADMIN_PAGE, form)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    assert clerk.get(ADMIN_PAGE).status_code == 403
    assert clerk.post(ADMIN_PAGE, {**form, "download": "1"}).status_code == 403
    assert clerk.post(ADMIN_PAGE, form).status_code == 403
    assert Comment.objects.filter(author_name="Ann Reader").count() == 3
    assert not PersonalDataLog.objects.exists()


def test_the_log_is_read_only_in_the_admin(editor, ann_thread):
    personal_data.erase_for_email("ann.reader@example.com", actor=editor, delete_comments=False)
    client = Client()
    sign_in_staff(client, editor)
    log = PersonalDataLog.objects.get()

    listing = client.get("/admin/comments/personaldatalog/")
    assert listing.status_code == 200
    assert "an email address" in listing.content.decode()
    assert client.get("/admin/comments/personaldatalog/add/").status_code == 403
    detail = client.get(f"/admin/comments/personaldatalog/{log.pk}/change/")
    assert detail.status_code == 200
    assert 'name="subject"' not in detail.content.decode()  # shown, not editable
    assert client.post(f"/admin/comments/personaldatalog/{log.pk}/delete/").status_code == 403


# --- Retention ----------------------------------------------------------------------------------


def _aged(days, **fields):
    comment = CommentFactory(**{"ip_address": "192.0.2.1", "user_agent": "Old browser", **fields})
    Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - timedelta(days=days))
    return comment


def test_the_retention_task_clears_old_request_facts_only(settings):
    settings.COMMENT_IP_RETENTION_DAYS = 90
    old = [_aged(91), _aged(400, user_agent=""), _aged(120, ip_address=None)]
    recent = _aged(89, ip_address="192.0.2.2", user_agent="New browser")
    old_report = Report.objects.create(
        comment=recent, reason="spam", reporter_key="browser:a", ip_address="192.0.2.3",
        created_at=timezone.now() - timedelta(days=100),
    )  # fmt: skip
    new_report = Report.objects.create(
        comment=recent, reason="spam", reporter_key="browser:b", ip_address="192.0.2.4"
    )
    updated = dict(Comment.objects.values_list("pk", "updated_at"))

    assert tasks.clear_old_request_facts_task.delay().get() == 3

    for comment in old:
        comment.refresh_from_db()
        assert (comment.ip_address, comment.user_agent) == (None, "")
    recent.refresh_from_db()
    assert (recent.ip_address, recent.user_agent) == ("192.0.2.2", "New browser")
    old_report.refresh_from_db()
    new_report.refresh_from_db()
    assert (old_report.ip_address, new_report.ip_address) == (None, "192.0.2.4")
    assert dict(Comment.objects.values_list("pk", "updated_at")) == updated
    assert tasks.clear_old_request_facts_task() == 0  # nothing left to clear


def test_the_retention_task_works_in_batches(settings, monkeypatch, django_assert_max_num_queries):
    settings.COMMENT_IP_RETENTION_DAYS = 30
    monkeypatch.setattr(retention, "BATCH", 2)
    article = ArticleFactory()
    for _ in range(5):
        _aged(31, article=article)

    # per batch of 2: one select of ids, one update; three batches and an empty look, for
    # comments; one empty look each for reports and notices
    with django_assert_max_num_queries(2 * 3 + 1 + 1 + 1):
        assert tasks.clear_old_request_facts_task() == 5
    assert not Comment.objects.filter(ip_address__isnull=False).exists()


def test_zero_days_keeps_everything(settings):
    settings.COMMENT_IP_RETENTION_DAYS = 0
    old = _aged(1000)
    assert tasks.clear_old_request_facts_task() == 0
    old.refresh_from_db()
    assert old.ip_address == "192.0.2.1"


def test_the_retention_task_runs_daily():
    entry = django_settings.CELERY_BEAT_SCHEDULE["clear-old-request-facts"]
    assert entry["task"] == "comments.tasks.clear_old_request_facts_task"
    assert entry["schedule"] == 24 * 60 * 60
    assert django_settings.COMMENT_IP_RETENTION_DAYS == 90


def test_a_network_ban_still_catches_that_address_after_old_comments_are_cleared(
    settings, article, staff
):
    settings.COMMENT_IP_RETENTION_DAYS = 90
    spammer = _aged(200, article=article, ip_address="203.0.113.7", status="pending")
    bans.ban_authors([spammer], actor=staff, reason="spam wave")
    assert Ban.objects.filter(kind="network", value="203.0.113.7/32").exists()

    tasks.clear_old_request_facts_task()
    spammer.refresh_from_db()
    assert spammer.ip_address is None

    Client(REMOTE_ADDR="203.0.113.7").post(
        f"/articles/{article.slug}/comments/",
        comment_form(name="New Name", email="fresh@example.net", body="Buy now"),
    )
    new = Comment.objects.get(author_email="fresh@example.net")
    assert new.status == "spam"
    assert new.status_reason == "banned ip address or network 203.0.113.7/32"


# --- Votes and mutes ----------------------------------------------------------------------


def test_votes_mutes_and_visits_are_in_the_export_and_go_with_an_erasure(ann_account, article):
    user, client = ann_account["user"], ann_account["client"]
    other = UserFactory(username="oscar")
    liked = CommentFactory(article=article, user=other)
    UsefulVote.objects.create(comment=liked, voter=user)
    Comment.objects.filter(pk=liked.pk).update(useful_count=1)
    MutedReader.objects.create(reader=user, muted=other)
    ArticleVisit.objects.create(reader=user, article=article, seen_at=timezone.now())

    data = personal_data.export_for_user(user)
    assert [visit["article"] for visit in data["article_visits"]] == [article.slug]
    assert [vote["comment"] for vote in data["useful_votes"]] == [liked.pk]
    assert [mute["username"] for mute in data["muted_readers"]] == ["oscar"]

    client.post(PAGE, {"comments": "keep", "confirm": "on"})

    # The vote still counts, with nobody named behind it; the mute is gone.
    assert list(UsefulVote.objects.values_list("comment_id", "voter_id")) == [(liked.pk, None)]
    assert Comment.objects.get(pk=liked.pk).useful_count == 1
    assert not MutedReader.objects.exists()
    assert not ArticleVisit.objects.exists()
    after = personal_data.export_for_user(user)
    assert (after["useful_votes"], after["muted_readers"]) == ([], [])
    [log] = PersonalDataLog.objects.filter(action="erase")
    assert "votes 1" in log.details and "mutes 1" in log.details and "visits 1" in log.details
