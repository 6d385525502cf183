"""The moderator's role: staff, in the "Moderators" group, with the queue and nothing else."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db.models import Q, QuerySet

MODERATORS = "Moderators"
# The group's permissions (data migrations 0003, 0009, 0012, 0019 and 0020 gave the group these).
MODERATOR_PERMISSIONS = {
    "comment": ["view", "change"],
    "reportedcomment": ["view", "change"],
    "report": ["view"],
    "ban": ["view", "add", "change", "delete"],
    "moderationsettings": ["view", "change"],
    "moderationevent": ["view"],
    "personaldatalog": ["view"],
    "usefulvote": ["view"],
    "guideline": ["view", "add", "change"],
    "statement": ["view"],
    "notice": ["view", "change"],
    "appeal": ["view", "change"],
    "refusal": ["view"],
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


# Who is a moderator: an active staff account that may change comments (superusers may do
# everything; others have it through the group). The one definition, for the admin's
# decisions, the API, mail to moderators and the mail settings page.
_PERMISSION = ("comments", "change_comment")


def is_moderator(user) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.is_staff
        and (user.is_superuser or user.has_perm(".".join(_PERMISSION)))
    )


def moderators() -> QuerySet:
    """Every account `is_moderator` says yes to, as one query."""
    app_label, codename = _PERMISSION
    grants = {"content_type__app_label": app_label, "codename": codename}
    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(
            Q(is_superuser=True)
            | Q(**{f"user_permissions__{key}": value for key, value in grants.items()})
            | Q(**{f"groups__permissions__{key}": value for key, value in grants.items()})
        )
        .distinct()
    )


# Who is an editor: an active staff account that may change articles (superusers may do
# everything). An editor makes the corrections readers send, so decides on them too.
_EDITOR_PERMISSION = "articles.change_article"


def is_editor(user) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.is_staff
        and (user.is_superuser or user.has_perm(_EDITOR_PERMISSION))
    )


def is_author_of(user, article) -> bool:
    """One of `article`'s authors, signed in with an active account. Reads `article.authors`
    (which the article page has prefetched, so the page asks nothing more)."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and any(author.pk == user.pk for author in article.authors.all())
    )
