import re
from datetime import datetime

from django.http import Http404
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import pagination, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.views import APIView

from articles import queries
from articles.api.serializers import (
    ArticleDetailSerializer,
    ArticleSerializer,
    RevisionDetailSerializer,
    RevisionListSerializer,
    RevisionSerializer,
)
from articles.models import ArticleRevision
from comments.api import conditional
from comments.api.schema import error

NO_NUL = "^[^\\u0000]*$"
NO_ARTICLE = error("No published article by that slug.")
REVISION_NUMBER = OpenApiParameter(
    "n",
    {"type": "integer", "minimum": 1, "maximum": ArticleRevision.MAX_NUMBER},
    OpenApiParameter.PATH,
    description="The revision's number: 1 is the text first published.",
)
# An RFC 3339 date and time, to the microsecond, with an offset PostgreSQL takes (it takes
# up to 16 hours; real ones are within 14).
MOMENT = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?"
    r"([Zz]|[+-](0[0-9]|1[0-3]):[0-5][0-9]|[+-]14:00)$"
)


class ArticleCursor(pagination.CursorPagination):
    ordering = ("-published_at", "-id")
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        # ASCII digits only: "²" is a digit to str.isdigit and not a number to int
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError(
                {"page_size": [f"Give a whole number from 1 to {self.max_page_size}."]}
            )
        return int(raw)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
                parameter["description"] = f"Articles per page, 1 to {self.max_page_size}."
        return parameters


@extend_schema_view(
    list=extend_schema(
        summary="Published articles, newest first",
        parameters=[
            OpenApiParameter("topic", str, pattern=NO_NUL, description="A topic's slug."),
            OpenApiParameter(
                "published_after",
                OpenApiTypes.DATETIME,
                pattern=MOMENT,
                description="Only articles published after this date and time (RFC 3339).",
            ),
            OpenApiParameter("search", str, pattern=NO_NUL, description="Words in the title."),
        ],
        responses={
            200: ArticleSerializer(many=True),
            400: error("A parameter is out of its bounds or not a date and time."),
            404: error("The cursor is not one this API gave out."),
        },
    ),
    retrieve=extend_schema(
        summary="One article with its rendered body",
        responses={200: ArticleDetailSerializer, 404: NO_ARTICLE},
    ),
)
class ArticleViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    pagination_class = ArticleCursor

    def get_serializer_class(self):
        return ArticleDetailSerializer if self.action == "retrieve" else ArticleSerializer

    def get_queryset(self):
        articles = queries.latest_articles_unjoined()
        if self.action == "retrieve":
            return articles  # filters are for the list
        articles = articles.defer("body", "body_html", "toc")  # what only the detail shows
        params = self.request.query_params
        for name in ("topic", "search", "published_after"):
            if "\x00" in params.get(name, ""):
                raise ValidationError({name: ["Contains a NUL character."]})
        if topic := params.get("topic"):
            articles = articles.filter(topics__slug=topic)
        if "published_after" in params:  # even empty: "" is not a date and time
            articles = articles.filter(published_at__gt=_datetime(params["published_after"]))
        if words := params.get("search"):
            for word in words.split()[:8]:
                articles = articles.filter(title__icontains=word)
        return articles

    def list(self, request, *args, **kwargs):
        # the page of articles with their counts, then their authors and topics
        page = queries.attach_bylines(self.paginate_queryset(self.get_queryset()))
        data = self.get_serializer(page, many=True).data
        return conditional.respond(request, self.paginator.get_paginated_response(data).data)

    def retrieve(self, request, *args, **kwargs):
        # the article with its count, then its authors and topics
        article = queries.attach_bylines([self.get_object()])[0]
        return conditional.respond(request, self.get_serializer(article).data)


def _article_for_revisions(slug: str):
    article = queries.article_for_revisions(slug)
    if article is None:
        raise Http404
    return article


class ArticleRevisionsView(APIView):
    @extend_schema(
        operation_id="articles_revisions_list",
        summary="The revisions of an article's published text, oldest first",
        responses={200: RevisionListSerializer, 404: NO_ARTICLE},
    )
    def get(self, request, slug: str):
        # the article, then its revisions with their editors
        history = queries.revision_history(_article_for_revisions(slug))
        results = RevisionSerializer(history, many=True, context={"request": request}).data
        return conditional.respond(request, {"count": len(history), "results": results})


class ArticleRevisionView(APIView):
    @extend_schema(
        operation_id="articles_revisions_retrieve",
        summary="One revision: its Markdown, its rendered HTML and its plain text",
        parameters=[REVISION_NUMBER],
        responses={
            200: RevisionDetailSerializer,
            404: error("No published article by that slug, or no revision by that number."),
        },
    )
    def get(self, request, slug: str, n: int):
        # the article, then the revision with its editor
        revision = queries.revision_texts(_article_for_revisions(slug), [n]).get(n)
        if revision is None:
            raise Http404
        data = RevisionDetailSerializer(revision, context={"request": request}).data
        return conditional.respond(request, data)


def _datetime(raw: str) -> datetime:
    moment = None
    if re.fullmatch(MOMENT, raw):
        try:
            moment = parse_datetime(raw.upper())
        except ValueError:  # the 31st of February
            moment = None
    if moment is None:
        raise ValidationError(
            {"published_after": ["Give a date and time, e.g. 2026-01-31T12:00:00Z."]}
        )
    return moment
