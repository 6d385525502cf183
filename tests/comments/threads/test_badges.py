"""Badges (the article's authors, moderators) and the editor's picks on the page."""

from datetime import timedelta

import pytest
from django.utils import timezone

from comments.models import Comment
from comments.threads.badges import badges_for
from comments.threads.queries import PICKS_SHOWN
from tests.factories import ArticleFactory, CommentFactory, UserFactory, moderator_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db):
    writer = UserFactory(username="writer")
    return {
        "writer": writer,
        "moderator": moderator_user(username="mod"),
        "staff": UserFactory(username="plain-staff", is_staff=True),
        "reader": UserFactory(username="someone"),
        "article": ArticleFactory(authors=[writer]),
    }


def test_badges_of_a_discussion_come_from_one_query(people, django_assert_num_queries):
    article = people["article"]
    for who in ("writer", "moderator", "staff", "reader"):
        CommentFactory(article=article, user=people[who])
    CommentFactory(article=article)  # no account
    CommentFactory(user=people["reader"])  # elsewhere

    with django_assert_num_queries(1):
        badges = badges_for(article)

    assert badges == {people["writer"].pk: ("author",), people["moderator"].pk: ("moderator",)}


def test_an_author_who_moderates_has_both(people):
    roles_user = people["writer"]
    from comments.moderation import roles

    roles.make_moderator(roles_user)
    CommentFactory(article=people["article"], user=roles_user)
    assert badges_for(people["article"]) == {roles_user.pk: ("author", "moderator")}


def test_the_page_shows_badges_and_the_picks_strip(client, people, settings):
    settings.COMMENTS_PER_PAGE = 1
    article = people["article"]
    by_writer = CommentFactory(article=article, user=people["writer"], author_name="Wren Writer")
    picked = CommentFactory(article=article, author_name="Pia Picked")
    Comment.objects.filter(pk=picked.pk).update(
        picked_at=timezone.now(), pick_note="Best on <tariffs>"
    )

    page = client.get(article.get_absolute_url()).content.decode()

    assert '<span class="comment__badge comment__badge--author">Author</span>' in page
    # The pick is on page 2; the strip links to its permalink, which finds that page.
    assert f'id="comment-{picked.pk}"' not in page
    strip = page[page.index("Editor&rsquo;s picks") :]
    assert f'<a href="/comments/{picked.pk}/">Pia Picked</a>: Best on &lt;tariffs&gt;' in strip
    second = client.get(f"{article.get_absolute_url()}?cpage=2").content.decode()
    assert "Editor&rsquo;s pick: Best on &lt;tariffs&gt;" in second
    assert by_writer.pk


def test_no_strip_without_picks(client, article):
    CommentFactory(article=article)
    assert "Editor&rsquo;s picks" not in client.get(article.get_absolute_url()).content.decode()


def test_the_strip_lists_the_first_picks_and_says_there_are_more(client, article):
    picked = CommentFactory.create_batch(PICKS_SHOWN + 3, article=article)
    for n, comment in enumerate(picked):
        Comment.objects.filter(pk=comment.pk).update(
            picked_at=timezone.now() - timedelta(minutes=100 - n), pick_note=f"P{n}"
        )
    html = client.get(article.get_absolute_url()).content.decode()
    strip = html.split('class="discussion__picks"')[1].split("</aside>")[0]
    assert strip.count("<li>") == PICKS_SHOWN
    assert f": P{PICKS_SHOWN - 1}</li>" in strip and f": P{PICKS_SHOWN}</li>" not in strip
    assert "More picks carry" in strip
    # every pick still carries its badge in the thread
    assert html.count("comment__badge--pick") == PICKS_SHOWN + 3
