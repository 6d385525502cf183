from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from comments.moderation import roles


class Command(BaseCommand):
    help = "Make a user a moderator: staff, in the Moderators group (the queue, bans, settings)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--remove", action="store_true", help="Take the role away instead.")

    def handle(self, *args, username: str, remove: bool, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}")
        if remove:
            user.groups.remove(roles.moderators_group())
            self.stdout.write(f"{username} is no longer a moderator.")
            return
        roles.make_moderator(user)
        self.stdout.write(f"{username} is now a moderator.")
