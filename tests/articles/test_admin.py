import pytest

from articles.models import Article
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_editor_sees_articles_with_preview_links(client, editor):
    draft = ArticleFactory(title="Draft in admin", status=Article.Status.DRAFT, published_at=None)
    client.force_login(editor)

    html = client.get("/admin/articles/article/").content.decode()

    assert "Draft in admin" in html
    assert f'href="{draft.get_absolute_url()}"' in html and ">Preview</a>" in html


def test_add_article_form_prepopulates_the_slug_from_the_title(client, editor):
    client.force_login(editor)
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
    client.force_login(editor)

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
