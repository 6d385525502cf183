from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles.models import Article, ArticleRevision
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_saving_renders_markdown_to_stored_html(article):
    article.body = "## Fresh section\n\n<script>x()</script>Text"
    article.save()
    article.refresh_from_db()

    assert '<h2 id="fresh-section">' in article.body_html
    assert "<script" not in article.body_html
    assert article.toc == [{"id": "fresh-section", "title": "Fresh section", "level": 2}]


def test_database_refuses_a_published_article_without_a_date():
    with pytest.raises(IntegrityError), transaction.atomic():
        ArticleFactory(status=Article.Status.PUBLISHED, published_at=None)


def test_database_refuses_a_hero_image_without_alt_text():
    image = SimpleUploadedFile("hero.png", b"not checked by the database", "image/png")
    with pytest.raises(IntegrityError), transaction.atomic():
        ArticleFactory(hero_image=image, hero_alt="")


def test_validation_names_the_missing_alt_text_and_date():
    article = ArticleFactory.build(
        status=Article.Status.SCHEDULED,
        published_at=None,
        hero_image=SimpleUploadedFile("hero.png", b"x", "image/png"),
        hero_alt=" ",
    )
    with pytest.raises(ValidationError) as caught:
        article.clean()
    assert set(caught.value.message_dict) == {"hero_alt", "published_at"}


def test_comments_close_on_articles_older_than_the_site_setting(settings):
    settings.COMMENTS_CLOSE_AFTER_DAYS = 30
    old = ArticleFactory(published_at=timezone.now() - timedelta(days=31))
    recent = ArticleFactory(
        published_at=timezone.now() - timedelta(days=29), comment_policy="signed_in"
    )

    assert old.effective_comment_policy == Article.CommentPolicy.CLOSED
    assert recent.effective_comment_policy == Article.CommentPolicy.SIGNED_IN


def test_zero_days_keeps_comments_open_forever(settings):
    settings.COMMENTS_CLOSE_AFTER_DAYS = 0
    ancient = ArticleFactory(published_at=timezone.now() - timedelta(days=3650))
    assert ancient.effective_comment_policy == Article.CommentPolicy.OPEN


def test_database_refuses_two_revisions_with_one_number(article):
    first = article.revisions.get()
    first.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        first.save()


def test_database_refuses_revision_0(article):
    zero = article.revisions.get()
    zero.pk, zero.number = None, 0
    with pytest.raises(IntegrityError), transaction.atomic():
        zero.save()


@pytest.mark.parametrize(
    ("names", "shown"),
    [
        ({"first_name": "Ada", "last_name": "Editor", "username": "ada"}, "Ada Editor"),
        ({"first_name": "", "last_name": "", "username": "desk"}, "desk"),
        ({"first_name": "", "last_name": "", "username": "ada@example.org"}, ""),
    ],
)
def test_a_revision_names_its_editor_but_never_by_address(names, shown):
    revision = ArticleRevision(editor=UserFactory(**names))
    assert revision.editor_name == shown
    assert ArticleRevision(editor=None).editor_name == ""
