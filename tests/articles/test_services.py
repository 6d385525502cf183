"""When saving an article makes a revision (articles/services.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article, ArticleRevision
from articles.services import save_article
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db


def _revisions(article: Article) -> list[tuple[int, str]]:
    return list(article.revisions.order_by("number").values_list("number", "title"))


def _fresh(article: Article) -> Article:
    """The article as an editor's form would load it."""
    return Article.objects.get(pk=article.pk)


def test_publishing_makes_revision_1_with_the_text_readers_first_saw():
    editor = UserFactory()
    published_at = timezone.now() - timedelta(hours=2)
    article = Article(
        title="First title",
        slug="first",
        standfirst="Summary.",
        body="Opening *words*.\n\n## A section\n\nMore.",
        status=Article.Status.PUBLISHED,
        published_at=published_at,
    )

    revision = save_article(article=article, editor=editor, note="Launch.")

    assert revision.number == 1 and article.revision == 1
    assert (revision.editor, revision.note) == (editor, "Launch.")
    assert revision.published_at == published_at
    assert revision.body == article.body and revision.body_html == article.body_html
    assert revision.plain_text == "Opening words.\n\nA section\n\nMore."
    assert _fresh(article).revision == 1
    assert article.updated_at is None  # the first text is not an update


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "A sharper title"),
        ("standfirst", "A sharper summary."),
        ("body", "Rewritten from the first word."),
        ("body_format", Article.BodyFormat.HTML),  # same source, other rendering
    ],
)
def test_a_textual_change_to_a_published_article_makes_the_next_revision(field, value):
    article = _fresh(ArticleFactory())
    editor = UserFactory(first_name="Ed", last_name="Itor")
    setattr(article, field, value)

    revision = save_article(article=article, editor=editor, note="Corrected a figure.")

    assert (revision.number, revision.editor, revision.note) == (2, editor, "Corrected a figure.")
    assert getattr(revision, field) == value
    stored = _fresh(article)
    assert stored.revision == 2
    assert stored.updated_at == revision.published_at and stored.was_revised
    assert ArticleRevision.objects.get(article=article, number=1).note == ""  # untouched


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("comment_policy", lambda article: Article.CommentPolicy.CLOSED),
        ("discussion_prompt", lambda article: "What did we miss?"),
        ("hero_caption", lambda article: "A new caption."),
        ("published_at", lambda article: article.published_at - timedelta(days=3)),
        # as a browser posts a textarea, and as the admin's form strips it
        ("body", lambda article: article.body.replace("\n", "\r\n")),
        ("body", lambda article: article.body.strip()),
        ("title", lambda article: f" {article.title} "),
    ],
)
def test_a_save_that_changes_nothing_textual_makes_no_revision(field, value):
    article = _fresh(ArticleFactory())
    setattr(article, field, value(article))

    assert save_article(article=article, editor=UserFactory(), note="Ignored.") is None

    assert _revisions(article) == [(1, article.title.strip())]
    assert _fresh(article).updated_at is None


def test_a_draft_makes_no_revision_however_often_it_changes():
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    for body in ("Second go.", "Third go."):
        draft = _fresh(draft)
        draft.body = body
        assert save_article(article=draft, editor=None) is None

    assert _revisions(draft) == []
    assert _fresh(draft).revision == 0


def test_a_scheduled_article_rewrites_revision_1_until_it_goes_live():
    article = ArticleFactory(
        status=Article.Status.SCHEDULED, published_at=timezone.now() + timedelta(days=1)
    )
    article = _fresh(article)
    article.title = "Retitled before anyone read it"
    editor = UserFactory()

    revision = save_article(article=article, editor=editor, note="Retitled.")

    assert revision.number == 1 and revision.published_at == article.published_at
    assert _revisions(article) == [(1, "Retitled before anyone read it")]
    assert (revision.editor, revision.note) == (editor, "Retitled.")

    # Its time comes: the public has now read revision 1, so the next edit is revision 2.
    past = timezone.now() - timedelta(minutes=5)
    Article.objects.filter(pk=article.pk).update(published_at=past)
    article.revisions.update(published_at=past)
    article = _fresh(article)
    article.title = "Retitled after publication"
    assert save_article(article=article, editor=editor).number == 2


def test_rescheduling_a_scheduled_article_moves_its_revision_1():
    article = _fresh(
        ArticleFactory(status=Article.Status.SCHEDULED, published_at=timezone.now() + timedelta(1))
    )
    article.published_at = timezone.now() + timedelta(days=2)

    save_article(article=article, editor=None)

    assert article.revisions.get().published_at == article.published_at


def test_a_scheduled_article_taken_back_to_draft_loses_the_revision_nobody_saw():
    article = _fresh(
        ArticleFactory(status=Article.Status.SCHEDULED, published_at=timezone.now() + timedelta(1))
    )
    article.status = Article.Status.DRAFT

    save_article(article=article, editor=None)

    assert _revisions(article) == []
    assert _fresh(article).revision == 0


def test_an_article_published_again_with_new_text_gets_a_revision():
    article = _fresh(ArticleFactory())
    article.status = Article.Status.DRAFT
    save_article(article=article, editor=None)  # taken down: revision 1 stays, it was read
    article.body = "Rewritten while it was down."
    save_article(article=article, editor=None)
    assert _fresh(article).revision == 1

    article.status = Article.Status.PUBLISHED
    revision = save_article(article=article, editor=None)

    assert revision.number == 2 and revision.body == "Rewritten while it was down."


def test_a_form_older_than_another_editors_save_does_not_undo_the_counter():
    article = ArticleFactory()
    first, second = _fresh(article), _fresh(article)  # two editors open the same article
    first.body = "The first editor's correction."
    save_article(article=first, editor=None)

    second.comment_policy = Article.CommentPolicy.CLOSED
    second.body = first.body  # the second form was reloaded with the text, not the counters
    assert save_article(article=second, editor=None) is None

    assert _fresh(article).revision == 2 and second.revision == 2
    assert _fresh(article).updated_at is not None


def test_every_later_textual_save_adds_one_revision():
    article = _fresh(ArticleFactory())
    for number in (2, 3, 4):
        article.body += f"\n\nAddendum {number}."
        assert save_article(article=article, editor=None).number == number

    assert [number for number, _ in _revisions(article)] == [1, 2, 3, 4]
    assert "Addendum 3." in article.revisions.get(number=3).plain_text
    assert "Addendum 4." not in article.revisions.get(number=3).plain_text
