from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article
from tests.factories import ArticleFactory, UserFactory, sign_in_staff

pytestmark = pytest.mark.django_db


def test_editor_sees_articles_with_preview_links(client, editor):
    draft = ArticleFactory(title="Draft in admin", status=Article.Status.DRAFT, published_at=None)
    sign_in_staff(client, editor)

    html = client.get("/admin/articles/article/").content.decode()

    assert "Draft in admin" in html
    assert f'href="{draft.get_absolute_url()}"' in html and ">Preview</a>" in html


def test_add_article_form_prepopulates_the_slug_from_the_title(client, editor):
    sign_in_staff(client, editor)
    html = client.get("/admin/articles/article/add/").content.decode()
    assert "prepopulated_fields" in html or "data-prepopulated-field" in html
    assert 'id="id_slug"' in html


def test_admin_form_asks_for_alt_text_when_an_image_is_uploaded(client, editor, tmp_path):
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, format="PNG")
    buffer.seek(0)
    buffer.name = "hero.png"
    sign_in_staff(client, editor)

    response = client.post(
        "/admin/articles/article/add/",
        {
            "title": "With image",
            "slug": "with-image",
            "standfirst": "Summary.",
            "body": "Text.",
            "authors": [editor.pk],
            "status": "draft",
            "comment_policy": "open",
            "hero_image": buffer,
            "hero_alt": "",
        },
    )

    assert response.status_code == 200
    assert "Describe the hero image" in response.content.decode()
    assert not Article.objects.filter(slug="with-image").exists()


def test_readers_cannot_reach_the_admin(client):
    client.force_login(UserFactory(username="plain"))
    response = client.get("/admin/articles/article/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def _change_form_data(client, article: Article) -> dict:
    """What the admin's change form posts back for `article` when nothing is edited."""
    response = client.get(f"/admin/articles/article/{article.pk}/change/")
    assert response.status_code == 200
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        if name == "hero_image":
            continue  # left alone
        value = form[name].value()
        if value is None:
            continue
        if name in ("authors", "topics"):
            data[name] = [str(pk) for pk in value]
        elif name == "published_at":
            local = timezone.localtime(value)
            data["published_at_0"], data["published_at_1"] = (
                local.strftime("%Y-%m-%d"),
                local.strftime("%H:%M:%S"),
            )
        else:
            data[name] = value
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
    return data


def test_an_edit_in_the_admin_makes_a_revision_by_the_editor_with_the_note(client, editor):
    article = ArticleFactory(body="First text.")
    sign_in_staff(client, editor)
    data = _change_form_data(client, article)
    data |= {"body": "First text, corrected.", "change_note": "Corrected the first line."}

    response = client.post(f"/admin/articles/article/{article.pk}/change/", data, follow=True)

    assert response.status_code == 200
    revision = article.revisions.get(number=2)
    assert (revision.editor, revision.note) == (editor, "Corrected the first line.")
    assert revision.body == "First text, corrected."
    assert "Readers now see this text as revision 2." in response.content.decode()
    page = client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    assert "Revisions of the published text" in page and "Corrected the first line." in page


def test_a_save_in_the_admin_that_changes_no_text_makes_no_revision(client, editor):
    article = ArticleFactory()
    sign_in_staff(client, editor)
    data = _change_form_data(client, article) | {
        "comment_policy": "closed",
        "change_note": "Not a text change.",
    }

    response = client.post(f"/admin/articles/article/{article.pk}/change/", data)

    assert response.status_code == 302
    assert list(article.revisions.values_list("number", flat=True)) == [1]
    assert Article.objects.get(pk=article.pk).comment_policy == "closed"


def test_publishing_from_the_admin_makes_revision_1(client, editor):
    sign_in_staff(client, editor)
    now = timezone.localtime()
    response = client.post(
        "/admin/articles/article/add/",
        {
            "title": "Fresh piece",
            "slug": "fresh-piece",
            "standfirst": "Summary.",
            "body": "Text.",
            "change_note": "",
            "authors": [editor.pk],
            "status": "published",
            "published_at_0": now.strftime("%Y-%m-%d"),
            "published_at_1": (now - timedelta(minutes=1)).strftime("%H:%M:%S"),
            "comment_policy": "open",
            "revisions-TOTAL_FORMS": "0",
            "revisions-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.content.decode()
    article = Article.objects.get(slug="fresh-piece")
    assert article.revision == 1
    assert article.revisions.get().editor == editor
