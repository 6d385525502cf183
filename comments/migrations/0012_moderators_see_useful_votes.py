"""Moderators may read who voted Useful (vote stuffing is theirs to spot)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    app_config = apps.get_app_config("comments")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Moderators").first()
    if group is not None:
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="comments", codename="view_usefulvote"
            )
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Moderators").first()
    if group is not None:
        group.permissions.remove(*Permission.objects.filter(codename="view_usefulvote"))


class Migration(migrations.Migration):
    dependencies = [("comments", "0011_add_editors_picks")]

    operations = [migrations.RunPython(grant, revoke)]
