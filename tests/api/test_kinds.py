"""Labels and their resolutions in the API: `kind` and `resolution` on every comment object,
the thread's filter by label, the counts, and the schema that documents them."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from comments.models import Comment, Resolution
from comments.moderation import answers, corrections
from comments.threads import changes
from comments.threads.seeding import seed_discussion
from tests.api.conftest import client_for
from tests.factories import ArticleFactory, CommentFactory, UserFactory, moderator_user

pytestmark = pytest.mark.django_db
S = Resolution.State


def _thread(client, article, **params):
    return client.get(f"/api/v1/articles/{article.slug}/comments/", params)


@pytest.fixture
def desk(db):
    return moderator_user(username="desk", email="desk@example.com")


@pytest.fixture
def labelled(article, desk):
    """A question answered by a reply, an unanswered one, an accepted and a declined
    correction (by a reader with an account), evidence, a plain comment."""
    writer = UserFactory(username="writer", email="writer@example.com")
    question = CommentFactory(article=article, kind="question")
    answer = CommentFactory(parent=question)
    open_question = CommentFactory(article=article, kind="question")
    accepted = CommentFactory(article=article, kind="correction", author_email="fixer@example.com")
    declined = CommentFactory(article=article, kind="correction", user=writer)
    evidence = CommentFactory(article=article, kind="evidence")
    answers.mark_answer(question, answer, by=desk)
    corrections.decide(accepted, S.ACCEPTED, decider=desk, note="Chart fixed.", revision=5)
    corrections.decide(declined, S.DECLINED, decider=desk, note="The source says 41%.")
    return {
        "question": question,
        "answer": answer,
        "open": open_question,
        "accepted": accepted,
        "declined": declined,
        "evidence": evidence,
        "writer": writer,
    }


def _by_id(comments) -> dict[int, dict]:
    return {c["id"]: c for c in comments}


def test_every_comment_object_has_its_kind_and_resolution(anonymous, article, labelled):
    body = _thread(anonymous, article).json()
    shown = _by_id(body["comments"])

    assert shown[labelled["answer"].pk]["kind"] == "comment"
    assert shown[labelled["answer"].pk]["resolution"] is None
    assert shown[labelled["open"].pk]["resolution"] is None
    assert shown[labelled["evidence"].pk]["kind"] == "evidence"
    answered = shown[labelled["question"].pk]["resolution"]
    assert {k: answered[k] for k in ("state", "note", "answer", "revision")} == {
        "state": "answered",
        "note": None,
        "answer": labelled["answer"].pk,
        "revision": None,
    }
    assert shown[labelled["accepted"].pk]["resolution"]["note"] == "Chart fixed."
    assert shown[labelled["accepted"].pk]["resolution"]["revision"] == 5
    declined = shown[labelled["declined"].pk]["resolution"]
    assert (declined["state"], declined["note"]) == ("declined", None)
    assert set(answered) == {"state", "note", "answer", "revision", "decided_at"}
    assert body["kinds"] == {
        "question": 2,
        "evidence": 1,
        "counterpoint": 0,
        "correction": 2,
        "unanswered": 1,
    }


def test_no_address_of_a_reader_or_the_decider_is_in_any_answer(anonymous, article, labelled):
    writer_api = client_for(labelled["writer"])
    answers_given = [
        _thread(anonymous, article).content,
        anonymous.get(f"/api/v1/articles/{article.slug}/comments/tree/").content,
        anonymous.get(f"/api/v1/comments/{labelled['accepted'].pk}/").content,
        writer_api.get(f"/api/v1/comments/{labelled['declined'].pk}/").content,
    ]
    for content in answers_given:
        for address in (b"desk@example.com", b"writer@example.com", b"fixer@example.com"):
            assert address not in content


def test_the_writer_of_a_declined_correction_reads_its_note(anonymous, labelled):
    url = f"/api/v1/comments/{labelled['declined'].pk}/"

    public = anonymous.get(url).json()["resolution"]
    own = client_for(labelled["writer"]).get(url).json()["resolution"]

    assert public["note"] is None
    assert own["note"] == "The source says 41%."


def test_the_tree_carries_them_too(anonymous, article, labelled):
    tree = anonymous.get(f"/api/v1/articles/{article.slug}/comments/tree/").json()

    question = next(c for c in tree if c["id"] == labelled["question"].pk)
    assert question["kind"] == "question"
    assert question["resolution"]["answer"] == question["replies"][0]["id"]


def test_the_change_feed_carries_them_with_no_query_per_comment(
    anonymous, article, labelled, settings, django_assert_max_num_queries
):
    settings.API_FEED_LAG_SECONDS = 0
    hour_ago = changes.encode(timezone.now() - timedelta(hours=1), 0)

    # article, the page of changes with their resolutions (a LEFT JOIN), badges, sources
    with django_assert_max_num_queries(4):
        feed = _thread(anonymous, article, since=hour_ago).json()

    shown = _by_id(feed["changes"])
    assert shown[labelled["question"].pk]["resolution"]["state"] == "answered"
    assert shown[labelled["accepted"].pk]["resolution"]["revision"] == 5
    assert shown[labelled["declined"].pk]["resolution"]["note"] is None
    assert shown[labelled["evidence"].pk]["kind"] == "evidence"


@pytest.mark.parametrize(
    ("params", "wanted"),
    [
        ({"kind": "question"}, ["question", "open"]),
        ({"kind": "question", "unanswered": "1"}, ["open"]),
        ({"unanswered": "1"}, ["open"]),
        ({"kind": "correction"}, ["accepted", "declined"]),
        ({"kind": "evidence"}, ["evidence"]),
        ({"kind": "counterpoint"}, []),
    ],
)
def test_the_thread_filters_by_label(anonymous, article, labelled, params, wanted):
    body = _thread(anonymous, article, **params).json()

    assert [c["id"] for c in body["comments"]] == [labelled[name].pk for name in wanted]
    assert body["count"] == 6


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "comment"}, "kind"),
        ({"kind": "nonsense"}, "kind"),
        ({"kind": "evidence", "unanswered": "1"}, "unanswered"),
        ({"unanswered": "yes"}, "unanswered"),
    ],
)
def test_a_filter_the_thread_has_not_is_a_400(anonymous, article, params, field):
    response = _thread(anonymous, article, **params)

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_each_filter_has_its_own_etag(anonymous, article, labelled):
    whole = _thread(anonymous, article)
    questions = _thread(anonymous, article, kind="question")

    assert whole["ETag"] != questions["ETag"]
    again = anonymous.get(
        f"/api/v1/articles/{article.slug}/comments/",
        {"kind": "question"},
        HTTP_IF_NONE_MATCH=questions["ETag"],
    )
    assert again.status_code == 304


def test_a_decision_changes_the_threads_etag(anonymous, article, labelled, desk):
    before = _thread(anonymous, article)["ETag"]

    answers.mark_answer(labelled["open"], CommentFactory(parent=labelled["open"]), by=desk)

    assert _thread(anonymous, article)["ETag"] != before


@pytest.mark.parametrize("params", [{}, {"kind": "question"}, {"unanswered": "1"}])
@pytest.mark.parametrize("count", [10, 1000])
def test_filtered_threads_keep_their_queries(
    anonymous, django_assert_max_num_queries, count, params
):
    article = ArticleFactory()
    seed_discussion(article, count)
    roots = list(Comment.objects.filter(article=article, depth=0).values_list("id", flat=True))
    Comment.objects.filter(pk__in=roots).update(kind="question")
    replies = dict(Comment.objects.filter(article=article, depth=1).values_list("root_id", "id"))
    Resolution.objects.bulk_create(
        Resolution(comment_id=q, state=S.ANSWERED, answer_id=replies[q])
        for q in roots[::2]
        if q in replies
    )

    # article, fingerprint (ETag), the whole thread with its resolutions, badges, sources
    with django_assert_max_num_queries(5):
        response = _thread(anonymous, article, **params)
    assert response.status_code == 200
    assert len(response.json()["comments"]) >= 1


def _schema() -> dict:
    return APIClient().get("/api/v1/schema/", {"format": "json"}).json()


def test_the_schema_documents_kind_resolution_and_the_filter():
    schema = _schema()
    components = schema["components"]["schemas"]

    comment = components["Comment"]
    kind = comment["properties"]["kind"]
    kind = components[kind["allOf"][0]["$ref"].rsplit("/", 1)[1]] if "allOf" in kind else kind
    assert kind["enum"] == ["comment", "question", "evidence", "counterpoint", "correction"]
    assert {"kind", "resolution"} <= set(comment["required"])
    resolution = components["Resolution"]["properties"]
    assert set(resolution) == {"state", "note", "answer", "revision", "decided_at"}
    assert "email" not in str(components["Resolution"])
    assert set(components["CommentInputRequest"]["properties"]) == {
        "body",
        "parent",
        "kind",
        "sources",
        "revision",
        "anchor",
    }
    parameters = {
        p["name"]: p["schema"]
        for p in schema["paths"]["/api/v1/articles/{slug}/comments/"]["get"]["parameters"]
    }
    assert parameters["kind"]["enum"] == ["question", "evidence", "counterpoint", "correction"]
    assert parameters["unanswered"]["enum"] == ["0", "1"]
    assert "kinds" in components["Thread"]["required"]


def test_the_personal_data_export_names_each_comments_kind(labelled):
    from comments.portability import personal_data

    data = personal_data.export_for_user(labelled["writer"], actor=labelled["writer"])

    [entry] = data["comments"]
    assert entry["kind"] == "correction"
    assert entry["resolution"]["state"] == "declined"
    assert entry["resolution"]["note"] == "The source says 41%."
