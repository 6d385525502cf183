from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Make a user a moderator: staff, in the Moderators group (the queue, bans, settings)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--remove", action="store_true", help="Take the role away instead.")

    def handle(self, *args, username: str, remove: bool, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}")
        group = Group.objects.filter(name="Moderators").first()
        if group is None:
            raise CommandError("The Moderators group is missing: run `manage.py migrate`.")
        if remove:
            user.groups.remove(group)
            self.stdout.write(f"{username} is no longer a moderator.")
            return
        user.groups.add(group)
        if not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        self.stdout.write(f"{username} is now a moderator.")
