"""The signed links in a moderator's alert mail: approve, or mark as spam, one held comment.

A link names the comment, the status it had when the mail left, the decision and the
moderator it was sent to; it is valid for MODERATION_LINK_DAYS. It lands on a confirmation
page and only a POST decides (mail scanners follow links), as that moderator's decision,
through `decisions`. A forged or expired link, one opened by another signed-in account, one
of an account that is no longer a moderator, or one whose comment was decided since, is
refused, changes nothing and is logged for the moderators.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.urls import reverse

from comments.models import Comment
from comments.moderation import decisions, refusals, roles

_SALT = "comments.moderate"
S = Comment.Status
ACTIONS = {"approve": (S.APPROVED, "Approve"), "spam": (S.SPAM, "Mark as spam")}


class LinkRefused(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status


@dataclass(frozen=True)
class Link:
    comment: Comment
    moderator: object
    action: str

    @property
    def to_status(self) -> str:
        return ACTIONS[self.action][0]

    @property
    def label(self) -> str:
        return ACTIONS[self.action][1]


def token(comment: Comment, moderator, action: str) -> str:
    return signing.dumps([comment.pk, comment.status, moderator.pk, action], salt=_SALT)


def path(comment: Comment, moderator, action: str) -> str:
    return reverse("comments:moderate", args=[token(comment, moderator, action)])


def read(value: str, *, signed_in=None) -> Link:
    """The link's decision, checked now; LinkRefused (logged) when it may not be taken."""
    try:
        comment_id, status, moderator_id, action = signing.loads(
            value, salt=_SALT, max_age=settings.MODERATION_LINK_DAYS * 24 * 3600
        )
    except signing.SignatureExpired:
        _refuse(
            "This link has expired: links in alert mail are valid for "
            f"{settings.MODERATION_LINK_DAYS} days. Decide in the admin.",
            signed_in,
        )
    except (signing.BadSignature, ValueError, TypeError):
        _refuse("This link is not valid.", signed_in)
    if action not in ACTIONS:
        _refuse("This link is not valid.", signed_in)
    if signed_in is not None and signed_in.is_authenticated and signed_in.pk != moderator_id:
        _refuse("This link was sent to another moderator.", signed_in, comment_id, 403)
    moderator = get_user_model().objects.filter(pk=moderator_id, is_active=True).first()
    if moderator is None or not roles.is_moderator(moderator):
        _refuse("This link's account may no longer moderate.", signed_in, comment_id, 403)
    comment = Comment.objects.select_related("article").filter(pk=comment_id).first()
    if comment is None or comment.status != status:
        _refuse(
            "This comment has been decided since the mail was sent.", moderator, comment_id, 409
        )
    return Link(comment, moderator, action)


def decide(link: Link) -> Comment:
    return decisions.decide(link.comment, link.to_status, moderator=link.moderator)


def _refuse(message: str, user, comment_id: int | None = None, status: int = 400):
    refusals.refused(refusals.Kind.MAIL_LINK, message, user=user, comment_id=comment_id)
    raise LinkRefused(message, status)
