"""Who a comment's author is to the discussion: one of the article's authors, a moderator.

A page asks once for the whole discussion (one query, whatever the number of comments), and
gets the badges of each account that commented; comments without an account have none.
"""

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q

from articles.models import Article
from comments.models import Comment
from comments.moderation import roles

AUTHOR = "author"
MODERATOR = "moderator"
LABELS = {AUTHOR: "Author", MODERATOR: "Moderator"}


def badges_for(article: Article, user_ids=None) -> dict[int, tuple[str, ...]]:
    """{user id: badges} of the accounts that commented on `article` (or of `user_ids`), for
    those that have any. One query; moderators as `roles.is_moderator` says."""
    if user_ids is None:
        user_ids = Comment.objects.filter(article=article, user__isnull=False).values("user_id")
    wrote_it = Article.authors.through.objects.filter(article_id=article.pk, user_id=OuterRef("pk"))
    moderates = roles.moderators().filter(pk=OuterRef("pk"))
    rows = (
        get_user_model()
        .objects.filter(pk__in=user_ids)
        .annotate(is_author=Exists(wrote_it), is_moderator=Exists(moderates))
        .filter(Q(is_author=True) | Q(is_moderator=True))
        .values_list("pk", "is_author", "is_moderator")
    )
    return {
        pk: tuple(badge for badge, has in ((AUTHOR, author), (MODERATOR, moderator)) if has)
        for pk, author, moderator in rows
    }
