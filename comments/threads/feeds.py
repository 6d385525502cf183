from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse_lazy
from django.utils.html import strip_tags

from articles.feeds import AtomFeed, RssFeed
from articles.models import Article
from comments.threads import queries

FEED_LENGTH = 50


class _CommentItems(Feed):
    """What every comment feed says of one comment."""

    feed_type = RssFeed

    def item_description(self, item) -> str:
        return item.body_html

    def item_link(self, item) -> str:
        return item.get_absolute_url()

    def item_pubdate(self, item):
        return item.created_at

    def item_updateddate(self, item):
        return item.edited_at or item.created_at

    def item_author_name(self, item) -> str:
        return item.author_name


class ArticleCommentsFeed(_CommentItems):
    """The approved comments of one article, newest first."""

    def get_object(self, request, slug: str) -> Article:
        article = Article.objects.published().filter(slug=slug).first()
        if article is None:
            raise Http404("No such article.")
        return article

    def title(self, article: Article) -> str:
        return f"Comments on {article.title} · {settings.SITE_NAME}"

    def link(self, article: Article) -> str:
        return f"{article.get_absolute_url()}#discussion"

    def description(self, article: Article) -> str:
        return f"The discussion of {article.title}."

    def items(self, article: Article):
        return queries.approved_comments(article)[:FEED_LENGTH]

    def item_title(self, item) -> str:
        return f"{item.author_name}: {strip_tags(item.body_html)[:80]}"


class ArticleCommentsAtomFeed(ArticleCommentsFeed):
    feed_type = AtomFeed


class LatestCommentsFeed(_CommentItems):
    """The approved comments of every published article, newest first."""

    title = f"Latest comments · {settings.SITE_NAME}"
    link = reverse_lazy("comments:latest")
    description = "The newest comments on every article."

    def items(self):
        return queries.latest_comments()[:FEED_LENGTH]

    def item_title(self, item) -> str:
        return f"{item.author_name} on {item.article.title}: {strip_tags(item.body_html)[:80]}"


class LatestCommentsAtomFeed(LatestCommentsFeed):
    feed_type = AtomFeed
    subtitle = LatestCommentsFeed.description
