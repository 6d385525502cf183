"""Which webhook events a comment's changes send (transitions decide; posting and editing
call them): one delivery per event an endpoint listens to, never two for one happening.

`comment.removed` tells a receiver to take down what it shows, so only a comment that was
public (approved) sends it; one a receiver never saw published leaves silently.
"""

import pytest

from comments.models import Ban, Comment, Guideline, WebhookDelivery, WebhookEndpoint
from comments.models.webhooks import EVENTS
from comments.moderation import decisions, statements, transitions
from comments.outbound import webhooks
from comments.posting import services
from comments.threads.readers import Reader
from tests.factories import CommentFactory, UserFactory, moderator_user

pytestmark = pytest.mark.django_db

# Every allowed change of status, and the events it sends.
EVENTS_OF_A_CHANGE = {
    ("pending", "approved"): ["comment.approved"],
    ("pending", "rejected"): [],
    ("pending", "spam"): [],
    ("pending", "deleted"): ["comment.deleted"],
    ("approved", "removed"): ["comment.removed"],
    ("approved", "spam"): ["comment.removed"],
    ("approved", "rejected"): ["comment.removed"],
    ("approved", "pending"): ["comment.removed"],  # held again: no longer public
    ("approved", "deleted"): ["comment.deleted"],
    ("spam", "approved"): ["comment.approved"],
    ("spam", "rejected"): [],
    ("rejected", "approved"): ["comment.approved"],
    ("rejected", "spam"): [],
    ("removed", "approved"): ["comment.approved"],
}


@pytest.fixture
def endpoint(db):
    """A receiver listening to every event there is."""
    return WebhookEndpoint.objects.create(
        url="https://hooks.example.net/in", secret="s3cret", events=[name for name, _ in EVENTS]
    )


@pytest.fixture
def posted(monkeypatch):
    """The receiver's side of `send` (the one outside system): what was POSTed, answered 200."""
    seen = []

    def send(delivery):
        seen.append((delivery.event, delivery.payload["comment"]["id"]))
        return 200, "ok"

    monkeypatch.setattr(webhooks, "send", send)
    return seen


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed(): ...` runs the block, then hands its deliveries to the (eager) task."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _deliveries(endpoint) -> list[tuple[str, int]]:
    rows = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("id")
    return [(row.event, row.payload["comment"]["id"]) for row in rows]


def _author_of(comment) -> Reader:
    return Reader(user=comment.user, browser="the author's browser")


def test_the_table_names_every_allowed_change():
    allowed = {(start, end) for start, ends in transitions.ALLOWED.items() for end in ends}
    assert set(EVENTS_OF_A_CHANGE) == allowed


@pytest.mark.parametrize(("start", "end"), sorted(EVENTS_OF_A_CHANGE))
def test_a_change_of_status_sends_its_events_once(endpoint, posted, committed, start, end):
    comment = CommentFactory(status=start)

    with committed():
        transitions.change_status(comment, end, actor=moderator_user(), reason="checked by hand")

    expected = [(event, comment.pk) for event in EVENTS_OF_A_CHANGE[(start, end)]]
    assert _deliveries(endpoint) == expected
    assert posted == expected
    assert not WebhookDelivery.objects.exclude(state="sent").exists()


def test_a_refused_change_sends_nothing(endpoint, posted, committed):
    comment = CommentFactory(status="deleted")

    with committed(), pytest.raises(transitions.TransitionRefused):
        transitions.change_status(comment, "approved", actor=moderator_user())

    assert not WebhookDelivery.objects.exists()
    assert posted == []


def test_a_bulk_decision_sends_removed_for_the_public_comments_only(endpoint, posted, committed):
    public, held = CommentFactory(status="approved"), CommentFactory(status="pending")

    with committed():
        moved = decisions.decide_many([public, held], "rejected", moderator=moderator_user())

    assert moved == [public, held]
    assert _deliveries(endpoint) == [("comment.removed", public.pk)]
    assert posted == [("comment.removed", public.pk)]


def test_an_endpoint_gets_only_the_events_it_listens_to(endpoint, posted, committed):
    endpoint.events = ["comment.removed"]
    endpoint.save()
    comment = CommentFactory(status="pending")

    with committed():
        transitions.change_status(comment, "approved", actor=moderator_user())
        transitions.change_status(comment, "removed", actor=moderator_user(), reason="spam link")

    assert _deliveries(endpoint) == [("comment.removed", comment.pk)]


# --- A new comment ------------------------------------------------------------------------------


def _arrange_published(moderation):
    moderation.hold_first_comments = False
    moderation.save()
    return {}


def _arrange_held(moderation):
    return {}  # the first comment from this address waits for a moderator


def _arrange_spam(moderation):
    return {"honeypot": "filled in by a bot"}


def _arrange_rejected(moderation):
    Ban.objects.create(kind="email", value="new@example.org", outcome="rejected")
    return {}


@pytest.mark.parametrize(
    ("status", "arrange", "events"),
    [
        ("approved", _arrange_published, ["comment.created", "comment.approved"]),
        ("pending", _arrange_held, ["comment.created"]),
        ("spam", _arrange_spam, ["comment.created"]),
        ("rejected", _arrange_rejected, ["comment.created"]),
    ],
    ids=["published", "held", "spam", "rejected by a ban"],
)
def test_a_new_comment_sends_created_and_approved_only_when_published(
    endpoint, posted, committed, moderation, article, status, arrange, events
):
    extra = arrange(moderation)

    with committed():
        comment = services.post_comment(
            article=article,
            reader=Reader(user=None, browser="a new browser", ip="192.0.2.10"),
            parent_id=None,
            name="New Reader",
            email="new@example.org",
            url="",
            body="A first thought.",
            **extra,
        )

    assert comment.status == status
    expected = [(event, comment.pk) for event in events]
    assert _deliveries(endpoint) == expected
    assert posted == expected
    created = WebhookDelivery.objects.get(event="comment.created").payload["comment"]
    assert created["status"] == status
    if status != "approved":  # a receiver learns that it exists, not who wrote what
        assert (created["author"], created["html"]) == (None, None)


# --- The author's edits and deletion ------------------------------------------------------------


def _passes(moderation):
    return "A better second thought."


def _held_again(moderation):
    moderation.held_words = "casino"
    moderation.save()
    return "A second thought about the casino."


def _spam_now(moderation):
    moderation.disallowed_words = "pills"
    moderation.save()
    return "Cheap pills."


@pytest.mark.parametrize(
    ("start", "edit", "end", "events"),
    [
        ("approved", _passes, "approved", ["comment.edited"]),
        ("approved", _held_again, "pending", ["comment.removed"]),
        ("approved", _spam_now, "spam", ["comment.removed"]),
        ("pending", _passes, "pending", []),
        ("pending", _held_again, "pending", []),
        ("pending", _spam_now, "spam", []),
    ],
    ids=[
        "public, passes",
        "public, held again",
        "public, now spam",
        "held, passes",
        "held, held words",
        "held, now spam",
    ],
)
def test_an_edit_sends_edited_while_public_and_removed_when_it_stops_being(
    endpoint, posted, committed, moderation, start, edit, end, events
):
    comment = CommentFactory(status=start, user=UserFactory())
    body = edit(moderation)

    with committed():
        services.edit_comment(comment=comment, reader=_author_of(comment), body=body)

    comment.refresh_from_db()
    assert comment.status == end
    expected = [(event, comment.pk) for event in events]
    assert _deliveries(endpoint) == expected
    assert posted == expected


def test_a_public_comment_held_again_then_rejected_is_taken_down_once(
    endpoint, posted, committed, moderation
):
    """The receiver showed it; the hold takes it down, the rejection after it says nothing."""
    comment = CommentFactory(status="approved", user=UserFactory())
    body = _held_again(moderation)

    with committed():
        services.edit_comment(comment=comment, reader=_author_of(comment), body=body)
    with committed():
        decisions.decide(comment, "rejected", moderator=moderator_user())

    assert _deliveries(endpoint) == [("comment.removed", comment.pk)]
    removed = WebhookDelivery.objects.get().payload["comment"]
    assert (removed["status"], removed["author"], removed["html"]) == ("pending", None, None)


@pytest.mark.parametrize("start", ["approved", "pending"])
def test_the_authors_deletion_sends_deleted_and_nothing_else(endpoint, posted, committed, start):
    comment = CommentFactory(status=start, user=UserFactory())

    with committed():
        services.delete_comment(comment=comment, reader=_author_of(comment))

    assert _deliveries(endpoint) == [("comment.deleted", comment.pk)]
    assert posted == [("comment.deleted", comment.pk)]


def test_a_comments_life_sends_each_event_once_in_order(
    endpoint, posted, committed, article, moderation
):
    """Held, approved, edited twice, removed, approved again, deleted: a receiver is told of
    each, once; a second approval is a new happening, not a repeat of the first."""
    author = UserFactory()
    reader = Reader(user=author, browser="the author's browser")
    moderator = moderator_user()

    with committed():
        comment = services.post_comment(
            article=article, reader=reader, parent_id=None, name="", email="", url="", body="Hi."
        )
    assert comment.status == Comment.Status.PENDING
    with committed():
        decisions.decide(comment, "approved", moderator=moderator)
    for body in ("Second words.", "Third words."):
        with committed():
            services.edit_comment(comment=comment, reader=reader, body=body)
    with committed():
        decisions.decide(
            comment,
            "removed",
            moderator=moderator,
            reason="off topic",
            grounds=statements.grounds_from(clause=Guideline.objects.get(number=2)),
        )
    with committed():
        decisions.decide(comment, "approved", moderator=moderator, reason="on topic after all")
    with committed():
        services.delete_comment(comment=comment, reader=reader)

    expected = [
        (event, comment.pk)
        for event in (
            "comment.created",
            "comment.approved",
            "comment.edited",
            "comment.edited",
            "comment.removed",
            "comment.approved",
            "comment.deleted",
        )
    ]
    assert _deliveries(endpoint) == expected
    assert posted == expected
    occurrences = list(WebhookDelivery.objects.values_list("occurrence", flat=True))
    assert len(set(occurrences)) == len(occurrences)


def test_two_changes_in_one_instant_send_both(
    endpoint, posted, monkeypatch, django_capture_on_commit_callbacks
):
    """A frozen or stepped clock must not make a second approval look like the first."""
    from django.utils import timezone

    instant = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: instant)
    comment = CommentFactory(status="pending")
    moderator = moderator_user(username="clockwatcher")

    with django_capture_on_commit_callbacks(execute=True):
        transitions.change_status(comment, "approved", actor=moderator)
        transitions.change_status(comment, "removed", actor=moderator, reason="off topic")
        transitions.change_status(comment, "approved", actor=moderator)

    assert [event for event, _ in posted] == [
        "comment.approved",
        "comment.removed",
        "comment.approved",
    ]
