"""The read side of articles: one named query per page that needs one."""

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Prefetch, Q, QuerySet, Value

from articles.models import Article, ArticleRevision, Topic

User = get_user_model()


def _with_bylines(articles: QuerySet) -> QuerySet:
    return articles.prefetch_related(
        Prefetch("authors", queryset=User.objects.order_by("last_name", "username")),
        Prefetch("topics", queryset=Topic.objects.order_by("name")),
    )


_TEXT = ("body", "body_html", "toc")


def latest_articles(topic: Topic | None = None) -> QuerySet:
    """Published articles, newest first, with authors, topics and approved comment counts.
    Without the text itself: a list shows cards, and long bodies cost every request."""
    articles = latest_articles_unjoined().defer(*_TEXT)
    if topic is not None:
        articles = articles.filter(topics=topic)
    return _with_bylines(articles)


def latest_articles_unjoined() -> QuerySet:
    """`latest_articles()` without its bylines: fetch a page, then `attach_bylines` to it."""
    return (
        Article.objects.published()
        .annotate(comment_count=Count("comments", filter=Q(comments__status="approved")))
        .order_by("-published_at", "-id")
    )


def attach_bylines(articles: list[Article]) -> list[Article]:
    """Set `author_names` and `topic_list` on each article, in the order the pages show them.

    One query for both (a UNION of the two link tables) where prefetching takes two, so that a
    page of the API, and the check behind its 304, costs two queries however long it is."""
    ids = [article.pk for article in articles]
    # an author's row: (0, last name, username, first name); a topic's: (1, name, slug, "")
    columns = ("article_id", "kind", "first", "second", "third")
    authors = (
        Article.authors.through.objects.filter(article_id__in=ids)
        .annotate(
            kind=Value(0),
            first=F("user__last_name"),
            second=F("user__username"),
            third=F("user__first_name"),
        )
        .values_list(*columns)
    )
    topics = (
        Article.topics.through.objects.filter(article_id__in=ids)
        .annotate(kind=Value(1), first=F("topic__name"), second=F("topic__slug"), third=Value(""))
        .values_list(*columns)
    )
    names: dict[int, list[str]] = {pk: [] for pk in ids}
    shown_topics: dict[int, list[Topic]] = {pk: [] for pk in ids}
    for article_id, kind, first, second, third in authors.union(topics, all=True).order_by(
        "article_id", "kind", "first", "second"
    ):
        if kind == 0:
            author = User(first_name=third, last_name=first, username=second)
            names[article_id].append(author.get_full_name() or author.get_username())
        else:
            shown_topics[article_id].append(Topic(name=first, slug=second))
    for article in articles:
        article.author_names = names[article.pk]
        article.topic_list = shown_topics[article.pk]
    return articles


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


# --- Revisions ------------------------------------------------------------------------------

_EDITOR_NAME = ["editor__first_name", "editor__last_name", "editor__username"]
_REVISION_PAGE_FIELDS = ("slug", "title", "status", "published_at", "updated_at", "revision")


def article_for_revisions(slug: str) -> Article | None:
    """A published article, with only what its revision pages show of it: drafts and
    scheduled articles have no public revisions, not even to staff (the admin lists them)."""
    return Article.objects.published().filter(slug=slug).only(*_REVISION_PAGE_FIELDS).first()


def revision_history(article: Article) -> list[ArticleRevision]:
    """Every revision of `article`, oldest first, with its editor's name, without its text.
    One query; each revision's `article` is `article`."""
    fields = ["article_id", "number", "published_at", "note", *_EDITOR_NAME]
    return list(article.revisions.select_related("editor").only(*fields).order_by("number"))


def revision_texts(article: Article, numbers: list[int]) -> dict[int, ArticleRevision]:
    """The revisions of `article` with these numbers, whole, by number. One query; a number
    no revision can have (0, or past what the column holds) is simply not found."""
    numbers = [number for number in numbers if 1 <= number <= ArticleRevision.MAX_NUMBER]
    found = article.revisions.select_related("editor").filter(number__in=numbers)
    return {revision.number: revision for revision in found}
