"""The read side of articles: one named query per page that needs one."""

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q, QuerySet

from articles.models import Article, Topic

User = get_user_model()


def _with_bylines(articles: QuerySet) -> QuerySet:
    return articles.prefetch_related(
        Prefetch("authors", queryset=User.objects.order_by("last_name", "username")),
        Prefetch("topics", queryset=Topic.objects.order_by("name")),
    )


def latest_articles(topic: Topic | None = None) -> QuerySet:
    """Published articles, newest first, with authors, topics and approved comment counts."""
    articles = Article.objects.published().annotate(
        comment_count=Count("comments", filter=Q(comments__status="approved"))
    )
    if topic is not None:
        articles = articles.filter(topics=topic)
    return _with_bylines(articles.order_by("-published_at", "-id"))


def article_for_reader(slug: str, user) -> Article | None:
    return _with_bylines(Article.objects.visible_to(user)).filter(slug=slug).first()


def related_articles(article: Article, limit: int = 3) -> list[Article]:
    """Published articles sharing the most topics with `article`, newest first on a tie."""
    topic_ids = [topic.id for topic in article.topics.all()]
    if not topic_ids:
        return []
    return list(
        Article.objects.published()
        .exclude(pk=article.pk)
        .filter(topics__in=topic_ids)
        .annotate(shared=Count("topics", filter=Q(topics__in=topic_ids), distinct=True))
        .order_by("-shared", "-published_at")
        .only("title", "slug", "standfirst", "published_at", "reading_minutes")[:limit]
    )


def topics_in_use() -> QuerySet:
    """Topics with at least one published article, with how many."""
    published = Article.objects.published().values("pk")
    return (
        Topic.objects.annotate(
            article_count=Count("articles", filter=Q(articles__in=published), distinct=True)
        )
        .filter(article_count__gt=0)
        .order_by("name")
    )
