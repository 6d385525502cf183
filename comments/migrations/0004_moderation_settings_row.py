"""The one row of moderation settings, with the model's safe defaults."""

from django.db import migrations


def create_row(apps, schema_editor):
    apps.get_model("comments", "ModerationSettings").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("comments", "0003_moderators_group")]

    operations = [migrations.RunPython(create_row, migrations.RunPython.noop)]
