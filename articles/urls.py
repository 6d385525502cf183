from django.urls import path

from articles import feeds, views
from config.pagecache import FEED, shared_page

app_name = "articles"

urlpatterns = [
    path("", views.home, name="home"),
    path("topics/", views.topic_list, name="topic_list"),
    path("topics/<slug:slug>/", views.topic_detail, name="topic"),
    path("articles/<slug:slug>/", views.article_detail, name="detail"),
    path("articles/<slug:slug>/revisions/", views.revision_list, name="revisions"),
    path(
        "articles/<slug:slug>/revisions/compare/",
        views.revision_compare,
        name="revision_compare",
    ),
    path(
        "articles/<slug:slug>/revisions/<int:number>/",
        views.revision_detail,
        name="revision",
    ),
    path("feeds/rss/", shared_page(FEED)(feeds.LatestArticlesFeed()), name="feed_rss"),
    path("feeds/atom/", shared_page(FEED)(feeds.LatestArticlesAtomFeed()), name="feed_atom"),
]
