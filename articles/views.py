from django.conf import settings
from django.core.paginator import InvalidPage, Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from articles import queries, revisions
from articles.forms import RevisionCompareForm
from articles.models import Article, Topic
from comments.threads.context import discussion_context
from comments.threads.response import page_response
from config.pagecache import ARTICLE, LISTING, shared_page


def _page(request: HttpRequest, items) -> Page:
    """The requested page of `items`; a page number that is not a page is a 404."""
    paginator = Paginator(items, settings.ARTICLES_PER_PAGE)
    number = request.GET.get("page") or 1
    try:
        return paginator.page(number)
    except InvalidPage:
        raise Http404("No such page.") from None


@require_safe
@shared_page(LISTING)
def home(request: HttpRequest) -> HttpResponse:
    topic = None
    if topic_slug := request.GET.get("topic"):
        topic = get_object_or_404(Topic, slug=topic_slug)
    return render(
        request,
        "articles/home.html",
        {
            "page": _page(request, queries.latest_articles(topic)),
            "topic": topic,
            "topics": queries.topics_in_use(),
        },
    )


@require_safe
@shared_page(LISTING)
def topic_list(request: HttpRequest) -> HttpResponse:
    return render(request, "articles/topic_list.html", {"topics": queries.topics_in_use()})


@require_safe
@shared_page(LISTING)
def topic_detail(request: HttpRequest, slug: str) -> HttpResponse:
    topic = get_object_or_404(Topic, slug=slug)
    return render(
        request,
        "articles/topic.html",
        {"topic": topic, "page": _page(request, queries.latest_articles(topic))},
    )


def get_article_or_404(request: HttpRequest, slug: str) -> Article:
    article = queries.article_for_reader(slug, request.user)
    if article is None:
        raise Http404("No such article.")
    return article


def render_article(
    request: HttpRequest,
    article: Article,
    comment_form=None,
    status: int = 200,
    comment_preview: str | None = None,
) -> HttpResponse:
    """The article page with its discussion; the comment views re-show it with form errors,
    or with a preview of the comment (sanitised HTML) under the form."""
    discussion = discussion_context(request, article, comment_form)
    article.comment_count = discussion["discussion"].approved_count
    return page_response(
        request,
        "articles/article.html",
        {
            "article": article,
            "is_preview": not article.is_live,
            "related": queries.related_articles(article),
            "comment_preview": comment_preview,
            **discussion,
        },
        status=status,
    )


@require_safe
@shared_page(ARTICLE)
def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return render_article(request, get_article_or_404(request, slug))


def _article_for_revisions(slug: str) -> Article:
    article = queries.article_for_revisions(slug)
    if article is None:
        raise Http404("No such article.")
    return article


@require_safe
def revision_list(request: HttpRequest, slug: str) -> HttpResponse:
    article = _article_for_revisions(slug)
    history = queries.revision_history(article)
    return render(
        request,
        "articles/revisions.html",
        {
            "article": article,
            "revisions": history[::-1],
            "form": RevisionCompareForm(initial=_latest_two(history), revisions=history),
        },
    )


@require_safe
def revision_detail(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    article = _article_for_revisions(slug)
    revision = queries.revision_texts(article, [number]).get(number)
    if revision is None:
        raise Http404("No such revision.")
    return render(request, "articles/revision.html", {"article": article, "revision": revision})


@require_safe
def revision_compare(request: HttpRequest, slug: str) -> HttpResponse:
    """Two revisions compared word by word: `?from=1&to=3` (without, the latest two)."""
    article = _article_for_revisions(slug)
    history = queries.revision_history(article)
    asked = "from" in request.GET or "to" in request.GET
    form = RevisionCompareForm(request.GET if asked else _latest_two(history), revisions=history)
    context = {"article": article, "revisions": history, "form": form}
    if len(history) < 2:  # nothing to compare yet
        return render(request, "articles/revision_compare.html", context)
    if not form.is_valid():
        return render(request, "articles/revision_compare.html", context, status=400)
    first, last = form.cleaned_data["from"], form.cleaned_data["to"]
    texts = queries.revision_texts(article, [first, last])
    if first not in texts or last not in texts:
        raise Http404("No such revision.")
    low, high = sorted((first, last))
    parts = revisions.compare_revisions(texts[first], texts[last])
    context |= {
        "before": texts[first],
        "after": texts[last],
        "notes": [
            revision for revision in history if low < revision.number <= high and revision.note
        ],
        "parts": parts,
        "reads_the_same": not any(part.changed for part in parts),
    }
    return render(request, "articles/revision_compare.html", context)


def _latest_two(history: list) -> dict[str, int]:
    """The form's data for the latest change: the last revision against the one before."""
    if not history:
        return {}
    return {"from": history[max(0, len(history) - 2)].number, "to": history[-1].number}


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    """400 in the site's layout (Django's default renders the template without a request)."""
    return render(request, "400.html", status=400)
