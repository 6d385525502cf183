"""Who is a moderator: one definition, the same whether asked of one account or of all."""

import pytest
from django.contrib.auth.models import Permission

from comments.moderation import roles
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _in_group(**fields):
    user = UserFactory(**fields)
    user.groups.add(roles.moderators_group())
    return user


def _with_permission(**fields):
    user = UserFactory(**fields)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="comments", codename="change_comment")
    )
    return user


ACCOUNTS = {
    "a superuser": (lambda: UserFactory(is_staff=True, is_superuser=True), True),
    "staff in the group": (lambda: _in_group(is_staff=True), True),
    "staff given the permission": (lambda: _with_permission(is_staff=True), True),
    "staff without it (an editor)": (lambda: UserFactory(is_staff=True), False),
    "in the group but not staff": (lambda: _in_group(is_staff=False), False),
    "in the group but inactive": (lambda: _in_group(is_staff=True, is_active=False), False),
    "an inactive superuser": (
        lambda: UserFactory(is_staff=True, is_superuser=True, is_active=False),
        False,
    ),
    "a reader": (lambda: UserFactory(), False),
}


@pytest.mark.parametrize("who", ACCOUNTS)
def test_one_account_and_the_list_of_moderators_agree(who):
    make, expected = ACCOUNTS[who]
    user = make()

    assert roles.is_moderator(user) is expected
    assert roles.moderators().filter(pk=user.pk).exists() is expected


def test_nobody_signed_in_is_not_a_moderator():
    from django.contrib.auth.models import AnonymousUser

    assert not roles.is_moderator(None)
    assert not roles.is_moderator(AnonymousUser())
