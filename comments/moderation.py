"""Which status a new comment gets, and why. The one home of that decision.

Pure: it reads, never writes, so importers and dry runs can ask it too.
"""

from dataclasses import dataclass

from articles.models import Article
from comments.models import Comment
from comments.readers import Reader


@dataclass(frozen=True)
class Verdict:
    status: str
    reason: str


def verdict_for(*, article: Article, reader: Reader, body: str) -> Verdict:
    user = reader.user
    if user is not None and (user.is_staff or user.is_superuser):
        return Verdict(Comment.Status.APPROVED, "staff member")
    if user is not None:
        return Verdict(Comment.Status.APPROVED, "signed-in reader")
    return Verdict(Comment.Status.PENDING, "comments from anonymous readers are held for review")
