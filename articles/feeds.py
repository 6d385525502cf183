from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

from articles import queries
from articles.text import carriable_values

FEED_LENGTH = 20


class _Carried:
    """A feed whose every text passes through `carriable`: one stored character XML cannot
    hold must not turn the whole feed into an error page."""

    def __init__(self, *args, **kwargs):
        super().__init__(*carriable_values(args), **carriable_values(kwargs))

    def add_item(self, *args, **kwargs):
        super().add_item(*carriable_values(args), **carriable_values(kwargs))


class RssFeed(_Carried, Rss201rev2Feed):
    pass


class AtomFeed(_Carried, Atom1Feed):
    pass


class LatestArticlesFeed(Feed):
    feed_type = RssFeed
    title = settings.SITE_NAME
    link = reverse_lazy("articles:home")
    description = "The latest analysis."

    def items(self):
        return queries.latest_articles()[:FEED_LENGTH]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.standfirst

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at or item.published_at

    def item_author_name(self, item):
        return ", ".join(author.get_full_name() or author.username for author in item.authors.all())

    def item_categories(self, item):
        return [topic.name for topic in item.topics.all()]


class LatestArticlesAtomFeed(LatestArticlesFeed):
    feed_type = AtomFeed
    subtitle = LatestArticlesFeed.description
