"""The moderator's role: staff, in the "Moderators" group, with the queue and nothing else."""

from django.contrib.auth.models import Group, Permission

MODERATORS = "Moderators"
# The group's permissions (data migrations 0003 and 0009 gave the group these).
MODERATOR_PERMISSIONS = {
    "comment": ["view", "change"],
    "reportedcomment": ["view", "change"],
    "report": ["view"],
    "ban": ["view", "add", "change", "delete"],
    "moderationsettings": ["view", "change"],
    "moderationevent": ["view"],
    "personaldatalog": ["view"],
}


def moderators_group() -> Group:
    """The group, made again with its permissions if it has gone missing."""
    group, created = Group.objects.get_or_create(name=MODERATORS)
    if created:
        codenames = [
            f"{action}_{model}"
            for model, actions in MODERATOR_PERMISSIONS.items()
            for action in actions
        ]
        group.permissions.set(
            Permission.objects.filter(content_type__app_label="comments", codename__in=codenames)
        )
    return group


def make_moderator(user) -> None:
    user.groups.add(moderators_group())
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
