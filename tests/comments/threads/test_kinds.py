"""Labels on the article page: shown on each comment with what was decided about them, and the
filter of the discussion by label ("Unanswered questions"), in fixed queries."""

import re

import pytest
from django.test import Client
from django.utils import timezone

from comments.models import Comment, Resolution
from comments.threads import kinds
from comments.threads.seeding import seed_discussion
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

S = Resolution.State


def _page(client, article, query: str = "") -> str:
    response = client.get(f"{article.get_absolute_url()}{query}")
    assert response.status_code == 200
    return response.content.decode()


def _meta(html: str, comment) -> str:
    """The meta line (footer) of one comment on the page."""
    match = re.search(
        rf'<li class="comment depth-\d+" id="comment-{comment.pk}">.*?'
        r'<footer class="comment__meta">(.*?)</footer>',
        html,
        re.S,
    )
    assert match, f"comment {comment.pk} is not on the page"
    return match.group(1)


def _shown_ids(html: str) -> list[int]:
    return [
        int(pk) for pk in re.findall(r'<li class="comment depth-\d+" id="comment-(\d+)">', html)
    ]


def _answered(question, answer):
    return Resolution.objects.create(comment=question, state=S.ANSWERED, answer=answer)


@pytest.mark.parametrize(
    ("kind", "label"),
    [
        ("question", "Question"),
        ("evidence", "Evidence"),
        ("counterpoint", "Counterpoint"),
        ("correction", "Correction"),
    ],
)
def test_a_label_shows_in_the_comments_meta_line(client, article, kind, label):
    labelled = CommentFactory(article=article, kind=kind)
    plain = CommentFactory(article=article)

    html = _page(client, article)

    assert f'<span class="comment__kind comment__kind--{kind}">{label}</span>' in _meta(
        html, labelled
    )
    assert "comment__kind" not in _meta(html, plain)


def test_an_answered_question_links_to_its_answer_which_carries_a_badge(client, article):
    question = CommentFactory(article=article, kind="question")
    answer = CommentFactory(parent=question)
    other = CommentFactory(parent=question)
    _answered(question, answer)

    html = _page(client, article)

    assert f'Answered &mdash; <a href="#comment-{answer.pk}">see the answer</a>' in html
    assert '<span class="comment__badge comment__badge--answer">Answer</span>' in _meta(
        html, answer
    )
    assert "comment__badge--answer" not in _meta(html, other)
    assert "Mark as the answer" not in html  # for the article's authors and moderators only


def test_an_accepted_correction_shows_its_note_and_revision_to_everyone(client, article):
    correction = CommentFactory(article=article, kind="correction")
    Resolution.objects.create(
        comment=correction, state=S.ACCEPTED, note="Fixed the <b>2019</b> figure.", revision=3
    )

    html = _page(client, article)

    assert (
        "Correction accepted: Fixed the &lt;b&gt;2019&lt;/b&gt; figure. "
        f'(<a href="{article.get_absolute_url()}revisions/3/">revision 3</a>)'
    ) in html


def test_a_declined_corrections_note_is_for_its_writer_alone(client, article):
    writer = UserFactory()
    correction = CommentFactory(article=article, kind="correction", user=writer)
    Resolution.objects.create(comment=correction, state=S.DECLINED, note="The source says 41%.")

    public = _page(Client(), article)
    client.force_login(writer)
    own = _page(client, article)

    assert "Correction declined</p>" in public
    assert "The source says 41%." not in public
    assert "Correction declined: The source says 41%." in own
    assert "(only you see this note)" in own


@pytest.mark.parametrize(
    ("kind", "unanswered", "expected"),
    [
        (None, None, None),
        ("", "", None),
        ("question", None, kinds.KindFilter("question")),
        ("evidence", "0", kinds.KindFilter("evidence")),
        ("counterpoint", None, kinds.KindFilter("counterpoint")),
        ("correction", "", kinds.KindFilter("correction")),
        ("question", "1", kinds.KindFilter("question", unanswered=True)),
        (None, "1", kinds.KindFilter("question", unanswered=True)),
        ("comment", None, kinds.BadFilter),
        ("rants", None, kinds.BadFilter),
        ("evidence", "1", kinds.BadFilter),
        ("question", "yes", kinds.BadFilter),
    ],
)
def test_which_filters_a_discussion_has(kind, unanswered, expected):
    if expected is kinds.BadFilter:
        with pytest.raises(kinds.BadFilter):
            kinds.filter_from(kind, unanswered)
    else:
        assert kinds.filter_from(kind, unanswered) == expected


@pytest.fixture
def labelled(article):
    """A discussion with every label: two questions (one answered in its thread), evidence,
    a counterpoint, a correction, plain comments, and a held question."""
    q1 = CommentFactory(article=article, kind="question", author_name="Asker One")
    answer = CommentFactory(parent=q1, author_name="Answerer")
    q2 = CommentFactory(article=article, kind="question", author_name="Asker Two")
    evidence = CommentFactory(parent=q2, kind="evidence", author_name="Evi Dence")
    counter = CommentFactory(article=article, kind="counterpoint", author_name="Contra")
    correction = CommentFactory(article=article, kind="correction", author_name="Fixer")
    plain = CommentFactory(article=article, author_name="Plain Reader")
    CommentFactory(article=article, kind="question", status=Comment.Status.PENDING)
    _answered(q1, answer)
    return {
        "question": [q1, q2],
        "unanswered": [q2],
        "evidence": [evidence],
        "counterpoint": [counter],
        "correction": [correction],
        "plain": [plain, answer],
    }


@pytest.mark.parametrize(
    ("query", "wanted"),
    [
        ("?kind=question", "question"),
        ("?kind=question&unanswered=1", "unanswered"),
        ("?unanswered=1", "unanswered"),
        ("?kind=evidence", "evidence"),
        ("?kind=counterpoint", "counterpoint"),
        ("?kind=correction", "correction"),
    ],
)
def test_a_filter_lists_its_comments_flat_each_linking_into_its_thread(
    client, article, labelled, query, wanted
):
    html = _page(client, article, query)

    assert _shown_ids(html) == [c.pk for c in labelled[wanted]]
    assert 'class="comment-list comment-list--flat"' in html
    for comment in labelled[wanted]:
        assert f'<a class="comment__in-thread" href="/comments/{comment.pk}/">' in html
    assert 'class="children"' not in html
    assert "Show the whole discussion" in html


def test_the_filter_nav_counts_each_label_and_marks_the_current_one(client, article, labelled):
    html = _page(client, article, "?kind=question&unanswered=1")
    nav = re.search(r'<nav class="discussion__kinds".*?</nav>', html, re.S).group(0)
    links = re.findall(r'<a href="([^"]*)"( aria-current="true")?>([^<]*) <span', nav)

    assert [(href, title, bool(current)) for href, current, title in links] == [
        ("?#discussion", "All comments", False),
        ("?kind=question#discussion", "Questions", False),
        ("?kind=question&amp;unanswered=1#discussion", "Unanswered questions", True),
        ("?kind=evidence#discussion", "Evidence", False),
        ("?kind=counterpoint#discussion", "Counterpoints", False),
        ("?kind=correction#discussion", "Corrections", False),
    ]
    counts = re.findall(r'<span class="discussion__kind-count">\((\d+)\)</span>', nav)
    assert counts == ["7", "2", "1", "1", "1", "1"]  # published comments only


def test_the_filter_keeps_the_order_asked_for(client, article, labelled):
    html = _page(client, article, "?kind=question&order=newest")

    assert _shown_ids(html) == [c.pk for c in reversed(labelled["question"])]
    assert 'href="?kind=question&amp;order=newest#discussion" aria-current="true"' in html


def test_without_labels_there_is_no_filter_nav(client, article):
    CommentFactory.create_batch(3, article=article)

    assert "discussion__kinds" not in _page(client, article)


@pytest.mark.parametrize(
    "query", ["?kind=comment", "?kind=nonsense", "?kind=evidence&unanswered=1"]
)
def test_a_filter_the_discussion_has_not_is_a_404(client, article, query):
    CommentFactory(article=article, kind="question")
    assert client.get(f"{article.get_absolute_url()}{query}").status_code == 404


def test_a_filtered_discussion_comes_a_page_at_a_time(client, settings, article):
    settings.COMMENTS_PER_PAGE = 2
    questions = [CommentFactory(article=article, kind="question") for _ in range(5)]
    CommentFactory.create_batch(4, article=article)

    first = _page(client, article, "?kind=question")
    last = _page(client, article, "?kind=question&cpage=3")

    assert _shown_ids(first) == [q.pk for q in questions[:2]]
    assert 'href="?cpage=2&amp;kind=question#discussion"' in first
    assert _shown_ids(last) == [questions[4].pk]
    assert client.get(f"{article.get_absolute_url()}?kind=question&cpage=4").status_code == 404


def test_a_reply_link_in_a_filtered_view_keeps_the_filter(client, article, labelled):
    html = _page(client, article, "?kind=counterpoint")
    counter = labelled["counterpoint"][0]

    assert f'href="?kind=counterpoint&amp;replytocom={counter.pk}#respond"' in html


def _label_a_big_discussion(article, count: int) -> None:
    """`count` seeded comments, labelled by depth: top-level questions (a third answered by
    their first reply), evidence and counterpoints below, corrections at the top too (half of
    them accepted, a quarter declined)."""
    seed_discussion(article, count)
    comments = Comment.objects.filter(article=article)
    roots = list(comments.filter(depth=0).order_by("id").values_list("id", flat=True))
    questions, corrections = roots[::2], roots[1::2]
    comments.filter(pk__in=questions).update(kind="question")
    comments.filter(pk__in=corrections).update(kind="correction")
    comments.filter(depth=1).update(kind="evidence")
    comments.filter(depth=2).update(kind="counterpoint")
    first_reply = {}
    for pk, root in comments.filter(depth__gt=0).order_by("-id").values_list("id", "root_id"):
        first_reply[root] = pk
    now = timezone.now()
    Resolution.objects.bulk_create(
        [
            Resolution(comment_id=q, state=S.ANSWERED, answer_id=first_reply[q], decided_at=now)
            for q in questions[::3]
            if q in first_reply
        ]
        + [
            Resolution(comment_id=c, state=S.ACCEPTED if i % 4 < 2 else S.DECLINED, note="Done.")
            for i, c in enumerate(corrections)
            if i % 4 < 3
        ]
    )


FILTERS = [
    "",
    "?kind=question",
    "?unanswered=1",
    "?kind=evidence",
    "?kind=counterpoint",
    "?kind=correction",
]


@pytest.mark.parametrize("query", FILTERS)
@pytest.mark.parametrize("per_page", [50, 0])
@pytest.mark.parametrize("count", [10, 1000])
def test_labels_and_filters_keep_the_page_queries_fixed(
    client, settings, django_assert_max_num_queries, count, per_page, query
):
    settings.COMMENTS_PER_PAGE = per_page
    article = ArticleFactory()
    _label_a_big_discussion(article, count)

    # article, authors, topics, related, comment structure (with labels and their
    # resolutions, by a LEFT JOIN), comment content, moderation settings, editor's picks,
    # badges; and the change log, since some corrections were accepted
    with django_assert_max_num_queries(10):
        html = _page(client, article, query)
    assert "comment__kind--" in html
    assert ("Corrections</h2>" in html) and ("Corrected <time" in html)


@pytest.mark.parametrize("count", [10, 1000])
def test_the_page_of_an_author_who_marks_answers_keeps_its_queries_fixed(
    client, django_assert_max_num_queries, count
):
    author = UserFactory()
    article = ArticleFactory(authors=[author])
    _label_a_big_discussion(article, count)
    client.force_login(author)

    # session, user, the page's ten above, the reader's votes and mutes; being an author is
    # read from the byline's authors
    # and the anchors of the comments on passages
    with django_assert_max_num_queries(15):
        html = _page(client, article)
    assert "Mark as the answer" in html


def test_counts_come_from_the_rows_the_page_reads(labelled):
    rows = Comment.objects.filter(article=labelled["plain"][0].article).order_by("id")
    labels = kinds.labels_of(
        rows.values_list(
            "id",
            "parent_id",
            "status",
            "user_id",
            "kind",
            "resolution__state",
            "resolution__answer_id",
        )
    )

    assert labels.counts.by_kind == {
        "question": 2,
        "evidence": 1,
        "counterpoint": 1,
        "correction": 1,
    }
    assert labels.counts.unanswered == 1
    assert labels.answer_ids == {labelled["plain"][1].pk}
    assert labels.has_accepted_corrections is False
