"""/api/v1/: the REST API, its OpenAPI schema and interactive docs."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from articles.api.views import ArticleRevisionsView, ArticleRevisionView, ArticleViewSet
from comments.api.views import comments, common, moderation, threads

app_name = "api"

router = SimpleRouter(trailing_slash=True)
router.register("articles", ArticleViewSet, basename="article")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its script as a file of its own: no inline script, for the CSP.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path(
        "articles/<slug:slug>/comments/",
        threads.ArticleCommentsView.as_view(),
        name="article-comments",
    ),
    path(
        "articles/<slug:slug>/comments/tree/",
        threads.ArticleCommentsTreeView.as_view(),
        name="article-comments-tree",
    ),
    path(
        "articles/<slug:slug>/revisions/",
        ArticleRevisionsView.as_view(),
        name="article-revisions",
    ),
    path(
        "articles/<slug:slug>/revisions/<int:n>/",
        ArticleRevisionView.as_view(),
        name="article-revision",
    ),
    path("comments/<int:pk>/", comments.CommentDetailView.as_view(), name="comment-detail"),
    path(
        "comments/<int:pk>/report/",
        comments.CommentReportView.as_view(),
        name="comment-report",
    ),
    path(
        "comments/<int:pk>/useful/",
        comments.CommentUsefulView.as_view(),
        name="comment-useful",
    ),
    path("moderation/queue/", moderation.ModerationQueueView.as_view(), name="moderation-queue"),
    path(
        "moderation/comments/<int:pk>/decision/",
        moderation.DecisionView.as_view(),
        name="moderation-decision",
    ),
    *router.urls,
    # Anything else under /api/v1/ is a JSON 404, even a path with a newline in it.
    re_path(r"^[\s\S]*$", common.unknown_endpoint, name="unknown"),
]
