"""The revision pages: the list, one revision, and the comparison of two."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article
from articles.services import save_article
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def revised(db):
    """A published article in three revisions, the later two by a named editor with notes."""
    editor = UserFactory(
        username="desk", first_name="Dana", last_name="Desk", email="dana@newsroom.example"
    )
    article = ArticleFactory(
        title="Shipping risk",
        slug="shipping-risk",
        body="Freight was cheap.\n\n## Insurance\n\nPremiums rose.",
    )
    article = Article.objects.get(pk=article.pk)
    article.body = "Freight was cheap and plentiful.\n\n## Insurance\n\nPremiums rose."
    save_article(article=article, editor=editor, note="Added a word.")
    article.body += "\n\nA closing thought: 5 < 6."
    article.title = "Shipping risk, revised"
    save_article(article=article, editor=editor, note="")
    return article


def _html(response) -> str:
    return response.content.decode()


def test_the_article_says_when_it_was_updated_and_links_its_revisions(client, revised):
    html = _html(client.get(revised.get_absolute_url()))

    assert "Updated <time" in html
    assert '<a href="/articles/shipping-risk/revisions/">3 revisions</a>' in html


def test_an_article_in_its_first_revision_links_no_list(client, article):
    html = _html(client.get(article.get_absolute_url()))
    assert "revisions/" not in html and "Updated" not in html


def test_a_staff_preview_of_a_draft_links_no_revisions(client, editor, revised):
    Article.objects.filter(pk=revised.pk).update(status=Article.Status.DRAFT)
    client.force_login(editor)
    html = _html(client.get(revised.get_absolute_url()))
    assert "Preview." in html and "3 revisions" not in html


def test_the_list_gives_number_date_editor_and_note_newest_first(client, revised):
    response = client.get("/articles/shipping-risk/revisions/")
    html = _html(response)

    assert response.status_code == 200
    rows = [html.index(f"Revision {number}</a>") for number in (3, 2, 1)]
    assert rows == sorted(rows)
    assert "(current)" in html
    assert "Dana Desk" in html and "dana@newsroom.example" not in html
    assert "Added a word." in html and "First published." in html and "No note" in html
    assert "The editors" in html  # revision 1 was made with no editor
    assert 'href="/articles/shipping-risk/revisions/2/"' in html
    assert 'href="/articles/shipping-risk/revisions/compare/?from=2&amp;to=3"' in html
    assert '<label for="id_from">From revision</label>' in html
    assert '<option value="2" selected>' in html and '<option value="3" selected>' in html


def test_one_revision_shows_its_own_text_with_a_way_back(client, revised):
    html = _html(client.get("/articles/shipping-risk/revisions/1/"))

    assert "Revision 1 of 3" in html
    assert '<h1 class="article__title">Shipping risk</h1>' in html
    assert "Freight was cheap.</p>" in html and "plentiful" not in html
    assert 'href="/articles/shipping-risk/"' in html
    assert '<meta name="robots" content="noindex">' in html


def test_the_current_revision_says_so(client, revised):
    html = _html(client.get("/articles/shipping-risk/revisions/3/"))
    assert "Revision 3, the current text" in html
    assert "A closing thought: 5 &lt; 6." in html


def test_compare_shows_the_latest_change_by_default(client, revised):
    response = client.get("/articles/shipping-risk/revisions/compare/")
    html = _html(response)

    assert response.status_code == 200
    assert "From revision 2" in html and "to revision 3" in html
    inserted = '<ins><span class="visually-hidden">inserted: </span>'
    assert f"{inserted}A closing thought: 5 &lt; 6." in html
    assert f"{inserted}, revised" in html


def test_compare_any_two_revisions_in_either_order(client, revised):
    forward = _html(client.get("/articles/shipping-risk/revisions/compare/?from=1&to=3"))
    backward = _html(client.get("/articles/shipping-risk/revisions/compare/?from=3&to=1"))

    assert '<ins><span class="visually-hidden">inserted: </span> and plentiful' in forward
    assert '<del><span class="visually-hidden">deleted: </span> and plentiful' in backward
    assert "Revision 2: Added a word." in forward and "Revision 2: Added a word." in backward
    # the standfirst did not change
    assert forward.count("Unchanged.") == 1


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=1&to=abc", "This article has no revision “abc”."),
        ("from=1&to=99", "This article has no revision “99”."),
        ("from=-1&to=2", "This article has no revision “-1”."),
        ("from=1&to=99999999999999999999999", "This article has no revision"),
        ("from=2", "Choose a revision."),
        ("from=2&to=2", "Choose two different revisions to compare."),
        ("from=%00&to=1", "This article has no revision"),
    ],
)
def test_bad_comparisons_are_a_form_error_not_a_crash(client, revised, query, message):
    response = client.get(f"/articles/shipping-risk/revisions/compare/?{query}")

    assert response.status_code == 400
    html = _html(response)
    assert message in html
    assert "These revisions cannot be compared." in html
    assert "<ins>" not in html


def test_an_article_never_revised_has_nothing_to_compare(client, article):
    response = client.get(f"/articles/{article.slug}/revisions/compare/")
    assert response.status_code == 200
    assert "nothing to compare yet" in _html(response)


@pytest.mark.parametrize(
    "path",
    [
        "/articles/nope/revisions/",
        "/articles/nope/revisions/compare/",
        "/articles/shipping-risk/revisions/4/",
        "/articles/shipping-risk/revisions/0/",
        "/articles/shipping-risk/revisions/99999999999999999999999/",
        "/articles/shipping-risk/revisions/one/",
    ],
)
def test_unknown_articles_and_revisions_are_404(client, revised, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "status", [Article.Status.DRAFT, Article.Status.SCHEDULED], ids=["draft", "scheduled"]
)
@pytest.mark.parametrize("suffix", ["", "1/", "compare/", "compare/?from=1&to=2"])
def test_articles_not_public_have_no_public_revisions(client, editor, revised, status, suffix):
    Article.objects.filter(pk=revised.pk).update(
        status=status, published_at=timezone.now() + timedelta(days=1)
    )
    assert client.get(f"/articles/shipping-risk/revisions/{suffix}").status_code == 404
    client.force_login(editor)
    assert client.get(f"/articles/shipping-risk/revisions/{suffix}").status_code == 404


def _many_revisions(count: int) -> Article:
    editors = UserFactory.create_batch(3)
    article = Article.objects.get(pk=ArticleFactory(slug="busy").pk)
    for number in range(2, count + 1):
        article.body += f"\n\nUpdate {number}."
        save_article(article=article, editor=editors[number % 3], note=f"Note {number}.")
    return article


def test_the_list_query_count_is_fixed(client, django_assert_max_num_queries):
    _many_revisions(12)
    # the article, its revisions with their editors
    with django_assert_max_num_queries(2):
        assert client.get("/articles/busy/revisions/").status_code == 200


def test_one_revision_query_count_is_fixed(client, django_assert_max_num_queries):
    _many_revisions(12)
    # the article, the revision with its editor
    with django_assert_max_num_queries(2):
        assert client.get("/articles/busy/revisions/5/").status_code == 200


def test_the_comparison_query_count_is_fixed(client, django_assert_max_num_queries):
    _many_revisions(12)
    # the article, its revisions with their editors, the two compared in full
    with django_assert_max_num_queries(3):
        assert client.get("/articles/busy/revisions/compare/?from=2&to=11").status_code == 200


def test_a_change_of_markup_alone_is_explained(client):
    article = Article.objects.get(pk=ArticleFactory(slug="links", body="See [the report](/a).").pk)
    article.body = "See [the report](/b)."
    save_article(article=article, editor=None)

    html = _html(client.get("/articles/links/revisions/compare/?from=1&to=2"))

    assert html.count("Unchanged.") == 3
    assert "These revisions read the same" in html
