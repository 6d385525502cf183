"""Muting: a signed-in reader stops seeing another account's comments, for themselves only.

A muted account's comments collapse, for the reader who muted it, to a line they can open;
replies to them stay as they are. Nobody else sees a difference and the muted account is
never told. Only accounts can be muted: an anonymous comment has no stable identity.
"""

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from comments.models import MutedReader
from comments.moderation.pipeline import Conflict, NotAllowed
from comments.threads.readers import Reader

SIGN_IN_TO_MUTE = "Sign in to mute a reader."
NOT_YOURSELF = "You cannot mute yourself."
NO_SUCH_READER = "There is no such reader to mute."
ANONYMOUS_COMMENT = "Only comments by signed-in readers can be muted."


def muted_ids_of(reader: Reader) -> frozenset[int]:
    """The accounts `reader` muted: one query for a signed-in reader, none otherwise."""
    if reader.user is None:
        return frozenset()
    rows = MutedReader.objects.filter(reader=reader.user).values_list("muted_id", flat=True)
    return frozenset(rows)


def muted_by(user) -> list:
    """The accounts `user` muted, most recently muted first, for their account page."""
    return [mute.muted for mute in MutedReader.objects.filter(reader=user).select_related("muted")]


def mute(*, reader: Reader, user_id: int | None) -> bool:
    """`reader` mutes the account `user_id`. Muting again changes nothing; the answer says
    whether this call muted them. Refused (NotAllowed, Conflict) for an anonymous reader,
    oneself, no account or an unknown one."""
    if reader.user is None:
        raise NotAllowed(SIGN_IN_TO_MUTE)
    if user_id is None:
        raise Conflict(ANONYMOUS_COMMENT)
    if user_id == reader.user.pk:
        raise Conflict(NOT_YOURSELF)
    if not get_user_model().objects.filter(pk=user_id, is_active=True).exists():
        raise Conflict(NO_SUCH_READER)
    try:
        with transaction.atomic():
            _, created = MutedReader.objects.get_or_create(reader=reader.user, muted_id=user_id)
    except IntegrityError:  # the same mute, sent twice at once: the other one stands
        return False
    return created


def unmute(*, reader: Reader, user_id: int) -> bool:
    """`reader` sees the account `user_id`'s comments again; the answer says whether they
    had muted it (unmuting twice changes nothing)."""
    if reader.user is None:
        raise NotAllowed(SIGN_IN_TO_MUTE)
    gone, _ = MutedReader.objects.filter(reader=reader.user, muted_id=user_id).delete()
    return bool(gone)
