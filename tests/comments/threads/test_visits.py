"""New since your last visit: what a signed-in reader's visit records, which comments the next
one marks, how the page shows them, and what the page costs."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from comments.models import ArticleVisit, Comment, MutedReader
from comments.threads import visits
from comments.threads.queries import discussion_for
from comments.threads.readers import Reader
from tests.factories import ArticleFactory, CommentFactory, UserFactory, comment_form

pytestmark = pytest.mark.django_db

ANONYMOUS = Reader(user=None, browser="test")
SUMMARY = re.compile(r'<span class="discussion__new-number">(\d+)</span> new (on this page )?since')


def _ago(**delta) -> datetime:
    return timezone.now() - timedelta(**delta)


def _seen(reader, article, **delta) -> ArticleVisit:
    """`reader` last saw `article` this long ago."""
    return ArticleVisit.objects.create(reader=reader, article=article, seen_at=_ago(**delta))


def _page(client, article, query: str = "", **headers) -> str:
    response = client.get(f"{article.get_absolute_url()}{query}", headers=headers)
    assert response.status_code == 200
    return response.content.decode()


def _new_ids(html: str) -> list[int]:
    return [
        int(n)
        for n in re.findall(r'<li class="comment depth-\d+ comment--new" id="comment-(\d+)"', html)
    ]


def _count(html: str) -> int | None:
    found = SUMMARY.search(html)
    return int(found.group(1)) if found and 'id="discussion-new" hidden' not in html else None


# --- Recording a visit -------------------------------------------------------------------------


def test_each_visit_returns_the_one_before(reader, article):
    first, second, third = _ago(hours=3), _ago(hours=2), _ago(hours=1)

    assert visits.record_visit(reader, article, now=first) is None
    assert visits.record_visit(reader, article, now=second) == first
    assert visits.record_visit(reader, article, now=third) == second

    row = ArticleVisit.objects.get()
    assert (row.seen_at, row.previous_seen_at) == (third, second)


def test_visits_are_kept_per_reader_and_article(reader, article):
    other_article, other_reader = ArticleFactory(), UserFactory()
    moment = _ago(hours=1)
    visits.record_visit(reader, article, now=moment)

    assert visits.record_visit(reader, other_article, now=_ago(minutes=1)) is None
    assert visits.record_visit(other_reader, article, now=_ago(minutes=1)) is None
    assert visits.record_visit(reader, article, now=_ago(minutes=1)) == moment
    assert ArticleVisit.objects.count() == 3


def test_a_visit_keeps_its_moment_to_the_microsecond_in_any_zone(reader, article):
    moment = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)
    visits.record_visit(reader, article, now=moment.astimezone(timezone.get_fixed_timezone(-300)))
    again = visits.record_visit(reader, article, now=moment + timedelta(days=1))
    assert again == moment
    assert again.utcoffset() == timedelta(0)


# --- Which comments are new --------------------------------------------------------------------


@pytest.fixture
def people(db):
    return {"ann": UserFactory(username="ann"), "lou": UserFactory(username="lou")}


def test_the_second_visit_marks_only_others_public_comments_posted_since(
    client, reader, article, people
):
    old = CommentFactory(article=article, created_at=_ago(hours=3), author_name="Old")
    _seen(reader, article, hours=2)
    theirs = CommentFactory(parent=old, user=people["ann"], created_at=_ago(hours=1))
    anonymous = CommentFactory(article=article, created_at=_ago(minutes=50))
    mine = CommentFactory(article=article, user=reader, created_at=_ago(minutes=40))
    my_held = CommentFactory(
        article=article, user=reader, status=Comment.Status.PENDING, created_at=_ago(minutes=30)
    )
    their_held = CommentFactory(
        article=article,
        user=people["ann"],
        status=Comment.Status.PENDING,
        body="Held for a moderator.",
        created_at=_ago(minutes=30),
    )
    gone = CommentFactory(
        article=article, status=Comment.Status.DELETED, created_at=_ago(minutes=20)
    )
    CommentFactory(parent=gone, created_at=_ago(minutes=19), author_name="Under a tombstone")
    client.force_login(reader)

    html = _page(client, article)

    under_tombstone = Comment.objects.get(author_name="Under a tombstone")
    assert _new_ids(html) == [theirs.pk, anonymous.pk, under_tombstone.pk]
    assert _count(html) == 3
    assert f'href="#comment-{theirs.pk}">Next new comment</a>' in html
    assert html.count('<span class="comment__new">New</span>') == 3
    for not_new in (old, mine, my_held, gone):
        assert f'class="comment depth-{not_new.depth}" id="comment-{not_new.pk}"' in html
    assert f'id="comment-{their_held.pk}"' not in html
    assert "Held for a moderator." not in html


def test_a_first_visit_marks_nothing(client, reader, article):
    CommentFactory.create_batch(3, article=article, created_at=_ago(hours=1))
    client.force_login(reader)

    html = _page(client, article)

    assert _new_ids(html) == []
    assert 'id="discussion-new"' not in html
    assert ArticleVisit.objects.filter(reader=reader, article=article).count() == 1


def test_each_visit_marks_what_came_after_the_one_before(client, reader, article, settings):
    settings.API_FEED_LAG_SECONDS = 0
    client.force_login(reader)
    CommentFactory(article=article, created_at=_ago(hours=1))
    _page(client, article)
    second = CommentFactory(article=article)

    assert _new_ids(_page(client, article)) == [second.pk]

    third = CommentFactory(article=article)
    assert _new_ids(_page(client, article)) == [third.pk]
    assert _new_ids(_page(client, article)) == []  # a reload: seen now


def test_a_comment_posted_in_the_seconds_before_a_visit_is_new_on_the_next(
    client, reader, article, settings
):
    """It may still have been committing while the page was read, so may not be on it."""
    settings.API_FEED_LAG_SECONDS = 2
    client.force_login(reader)
    _page(client, article)
    just_before = CommentFactory(article=article, created_at=_ago(seconds=1))
    _page(client, article)

    assert _new_ids(_page(client, article)) == [just_before.pk]


def test_a_muted_readers_comments_are_never_new(client, reader, article, people):
    MutedReader.objects.create(reader=reader, muted=people["lou"])
    _seen(reader, article, hours=2)
    CommentFactory(article=article, user=people["lou"], created_at=_ago(hours=1))
    heard = CommentFactory(article=article, user=people["ann"], created_at=_ago(hours=1))
    client.force_login(reader)

    assert _new_ids(_page(client, article)) == [heard.pk]


def test_new_comments_come_in_the_order_of_the_page(reader, article, people):
    _seen(reader, article, hours=5)
    first = CommentFactory(article=article, created_at=_ago(hours=4))
    second = CommentFactory(article=article, created_at=_ago(hours=3))
    reply_to_first = CommentFactory(parent=first, created_at=_ago(hours=2))
    deeper = CommentFactory(parent=reply_to_first, created_at=_ago(hours=1))
    discussion = discussion_for(article, ANONYMOUS, order="newest")

    found = visits.new_comments(
        discussion.threads,
        Reader(user=reader, browser="b"),
        since=_ago(hours=6),
        muted_ids=frozenset(),
    )

    assert found.ids == (second.pk, first.pk, reply_to_first.pk, deeper.pk)
    assert (found.count, found.first_id) == (4, second.pk)


def test_nothing_is_new_without_a_visit_to_count_from(article):
    CommentFactory(article=article)
    threads = discussion_for(article, ANONYMOUS).threads
    found = visits.new_comments(threads, ANONYMOUS, since=None, muted_ids=frozenset())
    assert (found.ids, found.count, found.first_id) == ((), 0, None)


# --- The page ----------------------------------------------------------------------------------


def _next_links(html: str) -> dict[int, int]:
    """Each new comment's "Next new" link: {comment id: the comment it leads to}."""
    pairs = re.findall(
        r'id="comment-(\d+)"><article(?:(?!</article>).)*?class="comment__next-new" '
        r'href="#comment-(\d+)"',
        html,
        flags=re.S,
    )
    return {int(a): int(b) for a, b in pairs}


def test_each_new_comment_links_to_the_next_and_the_last_to_the_first(client, reader, article):
    _seen(reader, article, hours=2)
    a, b, c = (CommentFactory(article=article, created_at=_ago(minutes=m)) for m in (30, 20, 10))
    client.force_login(reader)

    html = _page(client, article)

    assert _next_links(html) == {a.pk: b.pk, b.pk: c.pk, c.pk: a.pk}
    assert _count(html) == 3


def test_a_lone_new_comment_has_no_link_onwards(client, reader, article):
    _seen(reader, article, hours=2)
    CommentFactory(article=article, created_at=_ago(hours=3))
    CommentFactory(article=article, created_at=_ago(hours=1))
    client.force_login(reader)

    html = _page(client, article)

    assert _count(html) == 1
    assert html.count('<span class="comment__new">New</span>') == 1
    assert "comment__next-new" not in html


def test_on_a_discussion_in_pages_the_count_is_of_this_page(client, reader, article, settings):
    settings.COMMENTS_PER_PAGE = 2
    _seen(reader, article, hours=2)
    for minutes in (50, 40, 30):
        CommentFactory(article=article, created_at=_ago(minutes=minutes))
    client.force_login(reader)

    html = _page(client, article)

    assert SUMMARY.search(html).group(2) == "on this page "
    assert _count(html) == 2


def test_anonymous_readers_get_what_their_browser_needs_and_nothing_stored(client, article):
    CommentFactory(article=article)

    html = _page(client, article)

    assert f'data-visit-key="{article.pk}"' in html
    visit_at = re.search(r'data-visit-at="([^"]+)"', html).group(1)
    assert abs(datetime.fromisoformat(visit_at) - timezone.now()) < timedelta(minutes=1)
    assert 'id="discussion-new" hidden' in html
    assert not ArticleVisit.objects.exists()


def test_a_signed_in_page_gives_the_browser_no_visit_to_keep(client, reader, article):
    CommentFactory(article=article)
    client.force_login(reader)
    assert "data-visit-key" not in _page(client, article)


def test_own_anonymous_comments_are_marked_for_the_browser(client, article):
    """The script leaves a reader's own comments unmarked: the page says which they are."""
    response = client.post(f"{article.get_absolute_url()}comments/", comment_form())
    assert response.status_code == 302
    mine = Comment.objects.get()
    other = CommentFactory(article=article)

    html = _page(client, article)

    assert re.search(rf'id="comment-{mine.pk}"><article class="[^"]*comment__body--mine', html)
    assert re.search(rf'id="comment-{other.pk}"><article class="comment__body" ', html)


@pytest.mark.parametrize(
    "request_kind", ["head", "if-none-match", "if-modified-since"], ids=lambda kind: kind
)
def test_head_and_conditional_requests_record_no_visit(client, reader, article, request_kind):
    seen = _seen(reader, article, hours=2)
    client.force_login(reader)
    if request_kind == "head":
        assert client.head(article.get_absolute_url()).status_code == 200
    else:
        _page(client, article, **{request_kind: '"x"'})

    seen.refresh_from_db()
    assert seen.seen_at < _ago(hours=1)


def test_a_form_sent_back_shows_the_markers_of_the_page_it_came_from(client, reader, article):
    _seen(reader, article, hours=2)
    new = CommentFactory(article=article, created_at=_ago(hours=1))
    client.force_login(reader)
    assert _new_ids(_page(client, article)) == [new.pk]
    seen_at = ArticleVisit.objects.get().seen_at

    response = client.post(f"{article.get_absolute_url()}comments/", comment_form(body=""))

    assert response.status_code == 400
    assert _new_ids(response.content.decode()) == [new.pk]
    assert ArticleVisit.objects.get().seen_at == seen_at


def test_a_page_that_is_not_there_records_no_visit(client, reader, article):
    CommentFactory(article=article)
    client.force_login(reader)
    assert client.get(f"{article.get_absolute_url()}?cpage=9").status_code == 404
    assert not ArticleVisit.objects.exists()


@pytest.mark.parametrize("count", [10, 1000])
def test_a_page_with_new_comments_keeps_its_query_count(
    client, reader, people, django_assert_max_num_queries, count
):
    article = ArticleFactory()
    _seen(reader, article, days=2)
    made = 0
    while made < count:  # threads of a top-level comment seen before and four new replies
        parent = None
        for depth in range(min(5, count - made)):
            parent = CommentFactory(
                article=article,
                parent=parent,
                user=people["ann"] if made % 3 else None,
                created_at=_ago(days=1 if depth else 3, minutes=-made),
            )
            made += 1
    client.force_login(reader)
    # session, user, article, authors, topics, related, comment structure, comment content,
    # moderation settings, editor's picks, badges, sources, the reader's own votes, the muted
    # readers, and the visit: recorded, with the one before returned, in one statement
    # and the anchors of the comments on passages
    with django_assert_max_num_queries(15):
        response = client.get(article.get_absolute_url())

    html = response.content.decode()
    new_on_the_page = min(count // 5, 50) * 4
    assert len(_new_ids(html)) == _count(html) == new_on_the_page
