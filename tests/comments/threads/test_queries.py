"""Reading a discussion: thread shape, tombstones, pages, permalinks, query counts."""

from datetime import timedelta

import pytest
from django.db.models import F
from django.test import Client
from django.utils import timezone

from comments.models import Comment, UsefulVote
from comments.threads.queries import discussion_for
from comments.threads.quoting import render_in
from comments.threads.readers import Reader
from tests.factories import (
    ArticleFactory,
    CommentFactory,
    UserFactory,
    moderator_user,
    sign_in_staff,
)

pytestmark = pytest.mark.django_db

ANONYMOUS = Reader(user=None, browser="test")


def _ids(nodes):
    return [node.comment.pk for node in nodes]


def _bulk_thread(article, count: int) -> None:
    """`count` approved comments: threads of up to five replies, each reply one level deeper."""
    made = 0
    now = timezone.now()
    while made < count:
        root = CommentFactory(article=article, created_at=now - timedelta(minutes=count - made))
        made += 1
        parent = root
        for _ in range(min(4, count - made)):
            parent = CommentFactory(parent=parent, created_at=now - timedelta(minutes=count - made))
            made += 1


def _votes_on_every_comment(article, *voters) -> None:
    comments = list(Comment.objects.filter(article=article).values_list("pk", flat=True))
    UsefulVote.objects.bulk_create(
        UsefulVote(comment_id=pk, voter=voter) for pk in comments for voter in voters
    )
    Comment.objects.filter(article=article).update(useful_count=F("useful_count") + len(voters))


def _picks_and_badges(article) -> None:
    """Every comment an editor's pick that quotes the first and mentions two readers; and
    comments by an author and a moderator."""
    first = Comment.objects.filter(article=article).first()
    quoting = render_in(article.pk, f"> [x](/comments/{first.pk}/)\n> y\n\n@bo @cy", signed_in=True)
    Comment.objects.filter(article=article).update(
        picked_at=timezone.now(), pick_note="Sharp.", mentions=["bo", "cy"], body_html=quoting.html
    )
    Comment.quotes.through.objects.bulk_create(
        Comment.quotes.through(from_comment_id=pk, to_comment_id=first.pk)
        for pk in Comment.objects.filter(article=article).values_list("pk", flat=True)
    )
    CommentFactory(article=article, user=article.authors.first())
    CommentFactory(article=article, user=moderator_user(username="mod"))


def _with_votes(comment, votes: int):
    Comment.objects.filter(pk=comment.pk).update(useful_count=votes)
    return comment


def test_replies_nest_as_lists_of_articles(client, article):
    root = CommentFactory(article=article, author_name="Root Author")
    reply = CommentFactory(parent=root, author_name="Reply Author")

    html = client.get(article.get_absolute_url()).content.decode()

    start = html.index(f'<li class="comment depth-0" id="comment-{root.pk}">')
    nested = html.index(
        f'<ol class="children"><li class="comment depth-1" id="comment-{reply.pk}">'
    )
    assert start < nested
    assert f'<article class="comment__body" aria-labelledby="comment-{reply.pk}-author">' in html
    assert "<time datetime=" in html


def test_a_deleted_comment_with_replies_stays_as_a_tombstone(article):
    gone = CommentFactory(article=article, status=Comment.Status.DELETED, body="secret words")
    reply = CommentFactory(parent=gone)
    lonely = CommentFactory(article=article, status=Comment.Status.DELETED)

    threads = discussion_for(article, ANONYMOUS).threads

    assert _ids(threads) == [gone.pk]
    assert threads[0].is_tombstone
    assert _ids(threads[0].children) == [reply.pk]
    assert lonely.pk not in _ids(threads)


def test_tombstones_show_no_trace_of_the_words(client, article):
    gone = CommentFactory(article=article, status=Comment.Status.REMOVED, body="hidden words")
    CommentFactory(parent=gone, body="visible reply")

    html = client.get(article.get_absolute_url()).content.decode()

    assert "This comment was removed by a moderator." in html
    assert "hidden words" not in html
    assert "visible reply" in html


@pytest.mark.parametrize("status", ["pending", "spam", "rejected"])
def test_comments_that_are_not_approved_are_hidden_from_others(article, status):
    CommentFactory(article=article, status=status)
    assert discussion_for(article, ANONYMOUS).threads == []


def test_a_signed_in_reader_sees_their_own_held_comment(article, reader):
    mine = CommentFactory(article=article, status=Comment.Status.PENDING, user=reader)
    assert _ids(discussion_for(article, Reader(user=reader, browser="x")).threads) == [mine.pk]


def test_an_anonymous_browser_sees_only_the_held_comments_it_wrote(article):
    mine = CommentFactory(article=article, status=Comment.Status.PENDING)
    CommentFactory(article=article, status=Comment.Status.PENDING)

    reader = Reader(user=None, browser="b", own_ids=frozenset({mine.pk}))

    assert _ids(discussion_for(article, reader).threads) == [mine.pk]


def test_threads_are_paginated_and_ordered(article, settings):
    settings.COMMENTS_PER_PAGE = 2
    now = timezone.now()
    first, second, third = (
        CommentFactory(article=article, created_at=now - timedelta(hours=h)) for h in (3, 2, 1)
    )
    CommentFactory(parent=first)

    oldest = discussion_for(article, ANONYMOUS)
    newest = discussion_for(article, ANONYMOUS, order="newest")
    last = discussion_for(article, ANONYMOUS, page="2")

    assert (oldest.num_pages, _ids(oldest.threads)) == (2, [first.pk, second.pk])
    assert _ids(newest.threads) == [third.pk, second.pk]
    assert _ids(last.threads) == [third.pk]
    assert oldest.approved_count == 4


def test_most_useful_first_weighs_votes_against_lateness(article):
    now = timezone.now()
    old_few = _with_votes(CommentFactory(article=article, created_at=now - timedelta(hours=9)), 3)
    new_more = _with_votes(CommentFactory(article=article, created_at=now - timedelta(hours=2)), 5)
    popular = _with_votes(CommentFactory(article=article, created_at=now - timedelta(hours=8)), 30)
    one_vote = _with_votes(CommentFactory(article=article, created_at=now - timedelta(hours=1)), 1)
    _with_votes(
        CommentFactory(parent=old_few), 100
    )  # a reply's votes are its own, not its thread's

    useful = discussion_for(article, ANONYMOUS, order="useful")

    # 30 votes beat 1 posted seven hours later; 5 beat 3 posted earlier; and 1 vote eight hours
    # after 3 edges past them: a tenfold of votes is worth a day.
    assert _ids(useful.threads) == [popular.pk, new_more.pk, one_vote.pk, old_few.pk]


def test_most_useful_pages_follow_the_ranking(article, settings):
    settings.COMMENTS_PER_PAGE = 1
    now = timezone.now()
    first = CommentFactory(article=article, created_at=now - timedelta(hours=3))
    voted = _with_votes(CommentFactory(article=article, created_at=now - timedelta(hours=2)), 7)

    assert _ids(discussion_for(article, ANONYMOUS, order="useful").threads) == [voted.pk]
    assert _ids(discussion_for(article, ANONYMOUS, order="useful", page="2").threads) == [first.pk]


def test_the_order_links_and_the_older_parameter_name(client, article):
    first = CommentFactory(article=article, created_at=timezone.now() - timedelta(hours=3))
    voted = _with_votes(CommentFactory(article=article), 2)

    page = client.get(f"{article.get_absolute_url()}?order=useful").content.decode()
    older_link = client.get(f"{article.get_absolute_url()}?corder=newest").content.decode()

    assert '<a href="?order=useful#discussion" aria-current="true">Most useful</a>' in page
    assert page.index(f'id="comment-{voted.pk}"') < page.index(f'id="comment-{first.pk}"')
    assert older_link.index(f'id="comment-{voted.pk}"') < older_link.index(
        f'id="comment-{first.pk}"'
    )


def test_a_permalink_keeps_the_order_it_is_asked_for(client, article, settings):
    settings.COMMENTS_PER_PAGE = 1
    now = timezone.now()
    CommentFactory(article=article, created_at=now - timedelta(hours=3))
    late = CommentFactory(article=article, created_at=now - timedelta(hours=2))

    by_default = client.get(f"/comments/{late.pk}/")["Location"]
    useful = client.get(f"/comments/{late.pk}/?order=useful")["Location"]

    assert by_default == f"{article.get_absolute_url()}?cpage=2#comment-{late.pk}"
    assert useful == f"{article.get_absolute_url()}?order=useful#comment-{late.pk}"


@pytest.mark.parametrize(
    "query", ["cpage=3", "cpage=0", "cpage=x", "corder=sideways", "order=sideways"]
)
def test_bad_discussion_pages_are_404(client, article, settings, query):
    settings.COMMENTS_PER_PAGE = 1
    CommentFactory.create_batch(2, article=article)

    response = client.get(f"{article.get_absolute_url()}?{query}")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_permalink_lands_on_the_right_page(client, article, settings):
    settings.COMMENTS_PER_PAGE = 2
    roots = CommentFactory.create_batch(5, article=article)
    reply = CommentFactory(parent=roots[4])

    response = client.get(reply.get_absolute_url())

    assert response.status_code == 302
    assert response["Location"] == f"{article.get_absolute_url()}?cpage=3#comment-{reply.pk}"
    assert f'id="comment-{reply.pk}"' in client.get(response["Location"]).content.decode()


def test_permalink_of_a_hidden_comment_is_404(client, article):
    spam = CommentFactory(article=article, status=Comment.Status.SPAM)
    assert client.get(spam.get_absolute_url()).status_code == 404


def test_whole_discussion_on_one_page_when_per_page_is_zero(article, settings):
    settings.COMMENTS_PER_PAGE = 0
    CommentFactory.create_batch(60, article=article)
    discussion = discussion_for(article, ANONYMOUS)
    assert (discussion.num_pages, len(discussion.threads)) == (1, 60)


def test_comment_counts_show_on_lists_and_the_article(client, article):
    CommentFactory.create_batch(3, article=article)
    CommentFactory(article=article, status=Comment.Status.PENDING)

    assert "3 comments" in client.get("/").content.decode()
    assert "3 comments" in client.get(article.get_absolute_url()).content.decode()


@pytest.mark.parametrize("order", ["oldest", "useful"])
@pytest.mark.parametrize("per_page", [50, 0])
@pytest.mark.parametrize("count", [10, 1000])
def test_article_page_queries_do_not_grow_with_the_discussion(
    client, settings, django_assert_max_num_queries, per_page, count, order
):
    settings.COMMENTS_PER_PAGE = per_page
    article = ArticleFactory()
    _bulk_thread(article, count)
    _votes_on_every_comment(article, UserFactory(), UserFactory())
    _picks_and_badges(article)
    assert Comment.objects.filter(article=article).count() == count + 2

    # article, authors, topics, related, comment structure, comment content, moderation
    # settings (cached), editor's picks, badges, sources
    # and the anchors of the comments on passages
    with django_assert_max_num_queries(10):
        response = client.get(f"{article.get_absolute_url()}?order={order}")
    assert response.status_code == 200
    assert "2 useful" in response.content.decode()
    assert response.content.decode().count(" wrote:</a>") >= min(count, 50)


@pytest.mark.parametrize("count", [10, 1000])
def test_signed_in_page_queries_stay_fixed(client, reader, django_assert_max_num_queries, count):
    article = ArticleFactory()
    _bulk_thread(article, count)
    _votes_on_every_comment(article, reader, UserFactory())
    _picks_and_badges(article)
    client.force_login(reader)
    # session, user, the nine of the anonymous page, the reader's own votes, the readers they
    # muted, the sources cited, and this visit recorded (one upsert that returns the visit
    # before)
    # and the anchors of the comments on passages
    with django_assert_max_num_queries(15):
        response = client.get(f"{article.get_absolute_url()}?order=useful")
    assert response.status_code == 200
    assert response.content.decode().count('aria-pressed="true"') == min(count, 250)


def test_comments_feed_carries_approved_comments(client, article):
    CommentFactory(article=article, body="Public point")
    CommentFactory(article=article, body="Held point", status=Comment.Status.PENDING)

    for kind in ("rss", "atom"):
        body = Client().get(f"/articles/{article.slug}/comments/feed/{kind}/").content.decode()
        assert "Public point" in body
        assert "Held point" not in body
        assert "@example.com" not in body
    assert client.get("/articles/nope/comments/feed/rss/").status_code == 404


def test_comment_admin_lists_comments_in_fixed_queries(
    client, editor, django_assert_max_num_queries
):
    CommentFactory.create_batch(30)
    sign_in_staff(client, editor)
    # session, user, pending and reported counts, reason filter, article filter, counts,
    # the page of comments with their articles and report counts
    with django_assert_max_num_queries(12):
        response = client.get("/admin/comments/comment/?status__exact=approved")
    assert response.status_code == 200


def test_a_deleted_comments_permalink_leads_to_its_tombstone(client, article):
    gone = CommentFactory(article=article, status=Comment.Status.DELETED)
    CommentFactory(parent=gone)
    response = client.get(gone.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"].endswith(f"#comment-{gone.pk}")
