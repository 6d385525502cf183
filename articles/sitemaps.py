from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from articles import queries
from articles.models import Article


class ArticleSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.8

    def items(self):
        return Article.objects.published().only("slug", "published_at", "updated_at")

    def lastmod(self, item):
        return item.updated_at or item.published_at


class TopicSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.5

    def items(self):
        return queries.topics_in_use()


class HomeSitemap(Sitemap):
    changefreq = "hourly"
    priority = 1.0

    def items(self):
        return ["articles:home", "articles:topic_list"]

    def location(self, item):
        return reverse(item)


SITEMAPS = {"home": HomeSitemap, "articles": ArticleSitemap, "topics": TopicSitemap}
