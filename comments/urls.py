from django.urls import path

from comments import mail_actions, reasons, views
from comments.threads import feeds
from config.pagecache import ARTICLE_FEED, FEED, shared_page

app_name = "comments"

urlpatterns = [
    path("articles/<slug:slug>/comments/", views.post, name="post"),
    path("articles/<slug:slug>/comments/preview/", views.preview, name="preview"),
    path("articles/<slug:slug>/comments/mentionable/", views.mentionable, name="mentionable"),
    path("articles/<slug:slug>/comments/passage/", views.passage, name="passage"),
    path(
        "articles/<slug:slug>/comments/feed/rss/",
        shared_page(ARTICLE_FEED)(feeds.ArticleCommentsFeed()),
        name="feed_rss",
    ),
    path(
        "articles/<slug:slug>/comments/feed/atom/",
        shared_page(ARTICLE_FEED)(feeds.ArticleCommentsAtomFeed()),
        name="feed_atom",
    ),
    path("comments/latest/", views.latest, name="latest"),
    path(
        "comments/latest/feed/rss/",
        shared_page(FEED)(feeds.LatestCommentsFeed()),
        name="latest_feed_rss",
    ),
    path(
        "comments/latest/feed/atom/",
        shared_page(FEED)(feeds.LatestCommentsAtomFeed()),
        name="latest_feed_atom",
    ),
    path("comments/<int:pk>/", views.permalink, name="permalink"),
    path("comments/<int:pk>/edit/", views.edit, name="edit"),
    path("comments/<int:pk>/reasons/", reasons.statement, name="statement"),
    path("guidelines/", reasons.guidelines, name="guidelines"),
    path("comments/<int:pk>/delete/", views.delete, name="delete"),
    path("comments/<int:pk>/report/", views.report, name="report"),
    path("comments/<int:pk>/notice/", reasons.notice, name="notice"),
    path("appeals/<str:token>/", reasons.appeal, name="appeal"),
    path("moderate/<str:token>/", mail_actions.moderate, name="moderate"),
    path("comments/<int:pk>/useful/", views.useful, name="useful"),
    path("comments/<int:pk>/mute/", views.mute, name="mute"),
    path("comments/<int:pk>/answer/", views.answer, name="answer"),
    path(
        "notifications/confirm/<str:token>/",
        views.confirm_subscription,
        name="confirm_subscription",
    ),
    path("notifications/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("accounts/notifications/", views.notification_settings, name="notification_settings"),
    path("accounts/muted/", views.muted_readers, name="muted_readers"),
    path("accounts/api-tokens/", views.api_tokens, name="api_tokens"),
    path("accounts/personal-data/", views.personal_data_page, name="personal_data"),
]
