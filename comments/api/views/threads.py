"""Reading and syncing a discussion (thread, tree, change feed), and posting to it."""

from datetime import datetime

from django.db.models import Count, Max, Q
from drf_spectacular.utils import (
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import permissions, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from articles.models import Article
from comments.api import conditional
from comments.api.schema import error
from comments.api.serializers import (
    ChangesSerializer,
    CommentInputSerializer,
    CommentSerializer,
    ThreadSerializer,
    TreeCommentSerializer,
    as_dict,
    comment_url_template,
)
from comments.api.views.common import (
    NO_ARTICLE,
    S,
    api_reader,
    article_or_404,
    valid_input,
)
from comments.models import Comment
from comments.posting import services
from comments.sources import citing
from comments.threads import badges, changes, kinds, queries
from comments.threads.readers import Reader

CURSOR = "^[A-Za-z0-9_-]+$"


def _decode_cursor(token: str) -> tuple[datetime, int]:
    try:
        return changes.decode(token)
    except ValueError:
        raise ValidationError({"since": ["Not a cursor this API gave out."]}) from None


def _limit(raw: str) -> int:
    # ASCII digits only: "²" is a digit to str.isdigit and not a number to int
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 1000:
        raise ValidationError({"limit": ["Give a whole number from 1 to 1000."]})
    return int(raw)


ORDER = OpenApiParameter(
    "order",
    {"type": "string", "enum": list(queries.ORDERS), "default": "oldest"},
    description=(
        "Order of the top-level threads (replies stay in thread order): oldest first, newest "
        "first, or most useful first (Useful votes, adjusted for how late a comment came)."
    ),
)


KIND = OpenApiParameter(
    "kind",
    {"type": "string", "enum": list(kinds.FILTERED)},
    description=(
        "Only the comments with this label, flat, in the order asked for (the thread's "
        "`count` and `kinds` still describe the whole discussion). Not with `since`."
    ),
)
UNANSWERED = OpenApiParameter(
    "unanswered",
    {"type": "string", "enum": ["0", "1"]},
    description="With kind=question (or alone): only the questions not answered yet.",
)


def _only(request) -> kinds.KindFilter | None:
    params = request.query_params
    try:
        return kinds.filter_from(params.get("kind"), params.get("unanswered"))
    except kinds.BadFilter as bad:
        name = "unanswered" if "unanswered" in str(bad) else "kind"
        raise ValidationError({name: [str(bad)]}) from None


def _order(request) -> str:
    order = request.query_params.get("order", "oldest")
    if order not in queries.ORDERS:
        raise ValidationError({"order": [f"Give one of: {', '.join(queries.ORDERS)}."]})
    return order


class ThreadView(APIView):
    """An unchanged thread answers 304 from two queries (the article, the thread's version),
    unrendered: a thread of 10,000 comments is too big to build for every revalidation."""

    tree = False

    def _conditional(self, request, article: Article, build, order: str = "oldest", only=None):
        row = Comment.objects.filter(article=article).aggregate(
            n=Count("id"), last=Max("updated_at")
        )
        # Every change to a comment (status, text, erasure, its Useful count) moves its
        # updated_at; the article's own fields shown here (its slug) move modified_at.
        last = max(filter(None, [row["last"], article.modified_at]))
        filtered = only.query if only else ""
        version = (article.pk, article.slug, row["n"], last.isoformat(), self.tree, order, filtered)
        return conditional.respond_for_version(request, version, last, build)


class ArticleCommentsView(ThreadView):
    serializer_class = CommentInputSerializer  # what OPTIONS describes
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    @extend_schema(
        summary="The approved discussion in thread order, or the changes since a cursor",
        description=(
            "Without `since`: the whole approved discussion (a Thread), whose `cursor` starts "
            "a change feed. With `since`: the changes after that cursor (Changes), oldest "
            "first, `limit` at a time; follow `cursor` while `more` is true."
        ),
        parameters=[
            OpenApiParameter(
                "since",
                {"type": "string", "pattern": CURSOR},
                description="A cursor from an earlier answer: only what changed after it.",
            ),
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": 1000, "default": 500},
                description="Changes per answer, with `since`.",
            ),
            ORDER,
            KIND,
            UNANSWERED,
        ],
        responses={
            200: PolymorphicProxySerializer(
                component_name="ThreadOrChanges",
                serializers=[ThreadSerializer, ChangesSerializer],
                resource_type_field_name=None,
            ),
            400: error(
                "`since` is not a cursor this API gave out, `limit` is out of bounds, "
                "`order` is not one of the orders, or `kind` and `unanswered` are not a filter."
            ),
            404: NO_ARTICLE,
        },
    )
    def get(self, request, slug: str):
        article = article_or_404(slug)
        limit = _limit(request.query_params.get("limit", "500"))
        order = _order(request)
        only = _only(request)
        if "since" in request.query_params:
            return conditional.respond(request, self._changes(request, article, limit))
        return self._conditional(
            request, article, lambda: self._thread(article, order, only), order, only
        )

    def _thread(self, article: Article, order: str, only: kinds.KindFilter | None) -> dict:
        cursor = changes.encode(changes.settled(), 0)
        discussion = queries.discussion_for(
            article, Reader(user=None, browser="api"), order=order, whole=True, only=only
        )
        template = comment_url_template()
        badged = badges.badges_for(article)
        cited = citing.shown_in(article.pk)
        flat: list[dict] = []
        stack = list(reversed(discussion.threads))
        while stack:
            node = stack.pop()
            flat.append(as_dict(node.comment, article.slug, template, badges=badged, sources=cited))
            stack.extend(reversed(node.children))
        counts = discussion.labels.counts
        return {
            "article": article.slug,
            "count": discussion.approved_count,
            "kinds": {
                **{kind: counts.of(kind) for kind in kinds.FILTERED},
                "unanswered": counts.unanswered,
            },
            "cursor": cursor,
            "comments": flat,
        }

    def _changes(self, request, article: Article, limit: int) -> dict:
        moment, last_id = _decode_cursor(request.query_params["since"])
        settled = changes.settled()
        changed = list(
            Comment.objects.filter(article=article, updated_at__lte=settled)
            .select_related("resolution", "anchor", "statement__clause")
            .exclude(status=S.PENDING)
            .filter(Q(updated_at__gt=moment) | Q(updated_at=moment, id__gt=last_id))
            .order_by("updated_at", "id")[: limit + 1]
        )
        more = len(changed) > limit
        changed = changed[:limit]
        template = comment_url_template()
        badged = badges.badges_for(article, [c.user_id for c in changed if c.user_id])
        cited = citing.shown_in(article.pk, [c.pk for c in changed]) if changed else {}
        entries = []
        for comment in changed:
            entry = as_dict(comment, article.slug, template, badges=badged, sources=cited)
            entry["updated_at"] = comment.updated_at
            entries.append(entry)
        if changed:
            cursor = changes.encode(changed[-1].updated_at, changed[-1].id)
        elif moment >= settled:
            cursor = request.query_params["since"]  # nothing settled after it yet
        else:
            cursor = changes.encode(settled, 0)  # nothing changed up to the settled moment
        return {"changes": entries, "cursor": cursor, "more": more}

    @extend_schema(
        summary="Post a comment or a reply (signed in)",
        request=CommentInputSerializer,
        responses={
            201: CommentSerializer,
            401: error("Not signed in, or the token is unknown or revoked."),
            403: error("Comments on this article are closed (or for signed-in readers only)."),
            404: NO_ARTICLE,
            400: error(
                "Invalid fields, longer than the moderators allow, or a label the article "
                "cannot take (a correction on an article with no authors)."
            ),
            409: error("Posted here before, or the parent is not in this discussion."),
            429: error("Too many requests, or too soon after this reader's last comment."),
        },
    )
    def post(self, request, slug: str):
        article = article_or_404(slug)
        data = valid_input(CommentInputSerializer, request)
        comment = services.post_comment(
            article=article,
            reader=api_reader(request),
            parent_id=data.get("parent"),
            name="",
            email="",
            url="",
            body=data["body"],
            sources=[citing.Cited(**source) for source in data.get("sources", [])],
            revision=data.get("revision"),
            passage=_passage(data.get("anchor")),
            kind=data.get("kind") or Comment.Kind.COMMENT,
        )
        return Response(
            as_dict(
                comment,
                article.slug,
                comment_url_template(),
                own=True,
                badges=badges.badges_for(article, [comment.user_id]),
                sources=citing.shown_in(article.pk, [comment.pk]),
            ),
            status=status.HTTP_201_CREATED,
        )


class ArticleCommentsTreeView(ThreadView):
    tree = True

    @extend_schema(
        summary="The approved discussion of an article as nested replies",
        parameters=[ORDER],
        responses={
            200: TreeCommentSerializer(many=True),
            400: error("`order` is not one of the orders."),
            404: NO_ARTICLE,
        },
    )
    def get(self, request, slug: str):
        article = article_or_404(slug)
        order = _order(request)
        return self._conditional(request, article, lambda: self._tree(article, order), order)

    def _tree(self, article: Article, order: str) -> list[dict]:
        discussion = queries.discussion_for(
            article, Reader(user=None, browser="api"), order=order, whole=True
        )
        template = comment_url_template()
        badged = badges.badges_for(article)
        cited = citing.shown_in(article.pk)

        def build(node) -> dict:
            entry = as_dict(node.comment, article.slug, template, badges=badged, sources=cited)
            entry["replies"] = [build(child) for child in node.children]
            return entry

        return [build(node) for node in discussion.threads]


def _passage(anchor: dict | None) -> tuple[int, int, int] | None:
    return (anchor["revision"], anchor["start"], anchor["end"]) if anchor else None
