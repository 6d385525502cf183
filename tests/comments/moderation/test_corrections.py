"""Corrections: who decides on them, the queue in the admin, and the article's change log."""

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from comments.models import Comment, Correction, Notification, Resolution
from comments.moderation import corrections
from comments.moderation.pipeline import Conflict, NotAllowed, Refused
from tests.factories import (
    ArticleFactory,
    CommentFactory,
    UserFactory,
    moderator_user,
    sign_in,
)

pytestmark = pytest.mark.django_db

QUEUE = "/admin/comments/correction/"
S = Resolution.State


def _editor(**fields):
    user = UserFactory(is_staff=True, **fields)
    user.user_permissions.add(Permission.objects.get(codename="change_article"))
    return user


@pytest.fixture
def people(db):
    author = UserFactory(username="author", is_staff=True)
    return {
        "author": author,
        "editor": _editor(username="editor"),
        "moderator": moderator_user(username="mod"),
        "stranger": UserFactory(username="stranger", is_staff=True),
        "reader": UserFactory(username="reader"),
        "inactive author": UserFactory(username="gone", is_staff=True, is_active=False),
    }


@pytest.fixture
def article(people):
    return ArticleFactory(authors=[people["author"], people["inactive author"]])


@pytest.fixture
def writer(db):
    user = UserFactory(username="writer", first_name="Wren", last_name="Writer")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture
def correction(article, writer):
    return CommentFactory(
        article=article, user=writer, kind="correction", body="The 2019 figure is 4.1%, not 41%."
    )


def _client(user) -> Client:
    client = Client()
    sign_in(client, user)
    return client


@pytest.mark.parametrize(
    ("who", "may"),
    [
        ("author", True),
        ("editor", True),
        ("moderator", True),
        ("stranger", False),
        ("reader", False),
        ("inactive author", False),
    ],
)
def test_who_decides_on_an_articles_corrections(people, article, who, may):
    assert corrections.may_decide(people[who], article) is may


def test_nobody_signed_out_decides(article):
    from django.contrib.auth.models import AnonymousUser

    assert corrections.may_decide(AnonymousUser(), article) is False


def test_accepting_records_the_decision_and_moves_updated_at(people, correction):
    before = correction.updated_at

    resolution = corrections.decide(
        correction, S.ACCEPTED, decider=people["author"], note="  Fixed\nthe figure. ", revision=4
    )

    assert (resolution.state, resolution.note, resolution.revision) == (
        S.ACCEPTED,
        "Fixed the figure.",
        4,
    )
    assert resolution.decided_by == people["author"]
    correction.refresh_from_db()
    assert correction.updated_at > before


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"kind": "comment"}, Conflict),
        ({"kind": "question"}, Conflict),
        ({"status": Comment.Status.PENDING}, Conflict),
        ({"status": Comment.Status.REMOVED}, Conflict),
    ],
)
def test_only_a_published_correction_is_decided(people, correction, change, error):
    Comment.objects.filter(pk=correction.pk).update(**change)
    correction.refresh_from_db()

    with pytest.raises(error):
        corrections.decide(correction, S.ACCEPTED, decider=people["editor"])
    assert not Resolution.objects.exists()


@pytest.mark.parametrize(
    ("state", "note", "revision", "field"),
    [
        (S.DECLINED, "", None, "note"),
        (S.DECLINED, " \n\t ", None, "note"),
        (S.ACCEPTED, "x" * 301, None, "note"),
        (S.ACCEPTED, "", 0, "revision"),
        (S.ACCEPTED, "", -2, "revision"),
        (S.ANSWERED, "", None, "state"),
        ("maybe", "", None, "state"),
    ],
)
def test_a_decision_that_does_not_hold_is_refused(people, correction, state, note, revision, field):
    with pytest.raises(Refused) as refused:
        corrections.decide(
            correction, state, decider=people["moderator"], note=note, revision=revision
        )
    assert refused.value.field == field
    assert not Resolution.objects.exists()


def test_a_stranger_may_not_decide(people, correction):
    with pytest.raises(NotAllowed):
        corrections.decide(correction, S.ACCEPTED, decider=people["stranger"])


def test_declining_keeps_no_revision(people, correction):
    resolution = corrections.decide(
        correction, S.DECLINED, decider=people["editor"], note="The source says 41%.", revision=9
    )
    assert resolution.revision is None


def test_deciding_again_replaces_the_decision(people, correction):
    corrections.decide(correction, S.DECLINED, decider=people["editor"], note="Not so.")
    corrections.decide(correction, S.ACCEPTED, decider=people["author"], revision=2)

    resolution = Resolution.objects.get()
    assert (resolution.state, resolution.note, resolution.revision) == (S.ACCEPTED, "", 2)
    assert resolution.decided_by == people["author"]


# --- The queue in the admin -------------------------------------------------------------------


@pytest.fixture
def queue(article, correction, writer):
    """Corrections: on the article (the oldest undecided, a newer one, a decided one), a held
    one, a plain comment, and one on an article the author did not write."""
    now = timezone.now()
    older = CommentFactory(
        article=article,
        kind="correction",
        body="Older correction",
        created_at=now - timedelta(days=2),
    )
    decided = CommentFactory(article=article, kind="correction", body="Decided correction")
    Resolution.objects.create(comment=decided, state=S.DECLINED, note="No.")
    CommentFactory(article=article, kind="correction", status="pending", body="Held correction")
    CommentFactory(article=article, body="Plain comment")
    elsewhere = CommentFactory(
        article=ArticleFactory(), kind="correction", body="Elsewhere correction"
    )
    return {"older": older, "newer": correction, "decided": decided, "elsewhere": elsewhere}


def _listed(response) -> list[int]:
    return [
        int(pk)
        for pk in re.findall(r"/admin/comments/correction/(\d+)/decide/", response.content.decode())
    ]


def test_the_queue_opens_on_undecided_corrections_oldest_first(people, queue):
    client = _client(people["moderator"])

    opened = client.get(QUEUE)
    response = client.get(opened["Location"])

    assert opened["Location"].endswith("?decision=none")
    assert _listed(response) == [queue["older"].pk, queue["newer"].pk, queue["elsewhere"].pk]
    assert queue["newer"].author_email not in response.content.decode()


@pytest.mark.parametrize("who", ["editor", "moderator"])
def test_editors_and_moderators_see_every_articles_corrections(people, queue, who):
    response = _client(people[who]).get(f"{QUEUE}?decision=all")
    assert set(_listed(response)) == {c.pk for c in queue.values()}


def test_an_author_sees_the_corrections_of_their_own_articles(people, queue):
    client = _client(people["author"])

    response = client.get(f"{QUEUE}?decision=none")

    assert response.status_code == 200
    assert _listed(response) == [queue["older"].pk, queue["newer"].pk]
    assert client.get(f"{QUEUE}{queue['elsewhere'].pk}/decide/").status_code == 404
    assert "Corrections" in client.get("/admin/").content.decode()


def test_staff_without_a_part_in_it_cannot_open_the_queue(people, queue):
    client = _client(people["stranger"])

    assert client.get(f"{QUEUE}?decision=none").status_code == 403
    assert client.get(f"{QUEUE}{queue['newer'].pk}/decide/").status_code in (403, 404)
    assert "Corrections" not in client.get("/admin/").content.decode()


def test_readers_are_sent_to_sign_in(people, queue):
    response = _client(people["reader"]).get(f"{QUEUE}?decision=none")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_queue_lists_in_fixed_queries(people, article, django_assert_max_num_queries):
    for _ in range(30):
        comment = CommentFactory(article=article, kind="correction")
        Resolution.objects.create(comment=comment, state=S.ACCEPTED)
    client = _client(people["author"])

    # session, user, the author's articles (may they work the queue), the article filter,
    # the count (twice: filtered and not), the page with articles and resolutions
    with django_assert_max_num_queries(10):
        response = client.get(f"{QUEUE}?decision=all")
    assert len(_listed(response)) == 30


@pytest.fixture
def mail(settings, mailoutbox):
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://analysis.example.org"
    return mailoutbox


def test_accepting_on_the_decide_page_lists_it_in_the_change_log_and_mails_the_reader(
    people, article, correction, mail, django_capture_on_commit_callbacks
):
    client = _client(people["author"])
    page = client.get(f"{QUEUE}{correction.pk}/decide/")
    assert "The 2019 figure is 4.1%, not 41%." in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{QUEUE}{correction.pk}/decide/",
            {"state": "accepted", "note": "The chart now reads 4.1%.", "revision": "4"},
        )

    assert response.status_code == 302
    html = Client().get(article.get_absolute_url()).content.decode()
    entry = re.search(r'<section class="wrap article__corrections".*?</section>', html, re.S)
    assert entry, "no change log on the article page"
    today = timezone.localtime().strftime("%-d %B %Y")
    assert "Corrected <time datetime=" in entry.group(0)
    assert (
        f'>{today}</time> after <a href="/comments/{correction.pk}/">a reader&rsquo;s note</a>'
        in entry.group(0)
    )
    assert "The chart now reads 4.1%." in entry.group(0)
    assert f'(<a href="/articles/{article.slug}/revisions/4/">revision 4</a>)' in entry.group(0)
    assert '<a href="#corrections">Corrected</a>' in html
    [message] = mail
    assert message.to == [correction.user.email]
    assert message.subject == f"Your correction was accepted: {article.title}"
    assert "The chart now reads 4.1%." in message.body
    assert f"/articles/{article.slug}/revisions/4/" in message.body


def test_declining_tells_the_reader_alone_why(
    people, article, correction, mail, django_capture_on_commit_callbacks
):
    client = _client(people["editor"])
    refused = client.post(f"{QUEUE}{correction.pk}/decide/", {"state": "declined", "note": ""})
    assert refused.status_code == 400
    assert corrections.SAY_WHY in refused.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"{QUEUE}{correction.pk}/decide/",
            {"state": "declined", "note": "The source table says 41%."},
        )

    public = Client().get(article.get_absolute_url()).content.decode()
    assert "Correction declined" in public and "The source table says 41%." not in public
    assert "article__corrections" not in public
    [message] = mail
    assert "did not change the article" in message.body
    assert "Their note to you: The source table says 41%." in message.body


def test_the_queues_bulk_actions_accept_and_decline(people, queue, mail):
    client = _client(people["moderator"])
    chosen = [queue["older"].pk, queue["newer"].pk]

    no_note = client.post(
        QUEUE + "?decision=none",
        {"action": "declined_corrections", "_selected_action": chosen, "note": "", "index": 0},
        follow=True,
    )
    accepted = client.post(
        QUEUE + "?decision=none",
        {
            "action": "accepted_corrections",
            "_selected_action": chosen,
            "note": "Fixed.",
            "revision": "7",
            "index": 0,
        },
        follow=True,
    )

    assert corrections.SAY_WHY in no_note.content.decode()
    assert "Accepted: 2 correction(s)." in accepted.content.decode()
    assert set(
        Resolution.objects.filter(comment_id__in=chosen).values_list("state", "revision")
    ) == {(S.ACCEPTED, 7)}
    assert Correction.objects.filter(pk__in=chosen).count() == 2


def test_an_author_cannot_decide_in_bulk_on_another_articles_correction(people, queue):
    client = _client(people["author"])

    client.post(
        QUEUE + "?decision=all",
        {
            "action": "accepted_corrections",
            "_selected_action": [queue["elsewhere"].pk],
            "index": 0,
        },
    )

    assert not Resolution.objects.filter(comment=queue["elsewhere"]).exists()


def test_the_comment_admin_links_a_correction_to_its_decision(people, correction):
    html = _client(people["moderator"]).get(f"/admin/comments/comment/{correction.pk}/change/")
    assert f"/admin/comments/correction/{correction.pk}/decide/" in html.content.decode()


def test_no_notification_row_is_written_for_an_unverified_account(people, article, mail):
    unverified = UserFactory(username="unverified")
    comment = CommentFactory(article=article, user=unverified, kind="correction")

    corrections.decide(comment, S.ACCEPTED, decider=people["editor"])

    assert not Notification.objects.filter(kind="correction").exists()


def test_the_change_log_links_to_the_revision_pages_address(article):
    from django.urls import reverse

    from comments.threads.changelog import revision_path

    expected = reverse("articles:revision", kwargs={"slug": article.slug, "number": 3})
    assert revision_path(article.get_absolute_url(), 3) == expected
