"""Give every scheduled or published article its revision 1: the text it has now.

What was published before that is not known, so revision 1 is dated when the present text
went public (the last change, or publication) and, when the article had changed since it was
published, says that earlier versions were not kept. Reversible: going back removes every
revision and sets each article's counter back to 0 (0003 drops the table after that).

The plain text comes from the same function new revisions use; it is a pure function of the
stored HTML, so the migration gives the same text as a save would.
"""

from django.db import migrations

from articles.rendering import plain_text

EARLIER_NOT_KEPT = "The text as it stood when revisions began to be kept; earlier versions were not."


def record_first_revisions(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    ArticleRevision = apps.get_model("articles", "ArticleRevision")
    live = Article.objects.exclude(status="draft").exclude(published_at=None)
    for article in live.iterator():
        changed = bool(article.updated_at and article.updated_at > article.published_at)
        ArticleRevision.objects.create(
            article=article,
            number=1,
            published_at=article.updated_at if changed else article.published_at,
            note=EARLIER_NOT_KEPT if changed else "",
            title=article.title,
            standfirst=article.standfirst,
            body=article.body,
            body_format=article.body_format,
            body_html=article.body_html,
            plain_text=plain_text(article.body_html),
        )
    live.update(revision=1)


def forget_revisions(apps, schema_editor):
    apps.get_model("articles", "ArticleRevision").objects.all().delete()
    apps.get_model("articles", "Article").objects.update(revision=0)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0003_add_revisions"),
    ]

    operations = [
        migrations.RunPython(record_first_revisions, forget_revisions),
    ]
