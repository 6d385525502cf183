from datetime import datetime, timedelta

from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import pagination, viewsets
from rest_framework.exceptions import ValidationError

from articles import queries
from articles.api.serializers import ArticleDetailSerializer, ArticleSerializer


class ArticleCursor(pagination.CursorPagination):
    ordering = ("-published_at", "-id")
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError(
                {"page_size": [f"Give a whole number from 1 to {self.max_page_size}."]}
            )
        return int(raw)


@extend_schema_view(
    list=extend_schema(
        summary="Published articles, newest first",
        parameters=[
            OpenApiParameter("topic", OpenApiTypes.STR, description="A topic's slug."),
            OpenApiParameter("published_after", OpenApiTypes.DATETIME),
            OpenApiParameter("search", OpenApiTypes.STR, description="Words in the title."),
        ],
    ),
    retrieve=extend_schema(summary="One article with its rendered body"),
)
class ArticleViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    pagination_class = ArticleCursor

    def get_serializer_class(self):
        return ArticleDetailSerializer if self.action == "retrieve" else ArticleSerializer

    def get_queryset(self):
        articles = queries.latest_articles()
        if self.action == "retrieve":
            return articles  # filters are for the list
        params = self.request.query_params
        for name in ("topic", "search", "published_after"):
            if "\x00" in params.get(name, ""):
                raise ValidationError({name: ["Contains a NUL character."]})
        if topic := params.get("topic"):
            articles = articles.filter(topics__slug=topic)
        if raw := params.get("published_after"):
            moment = _datetime(raw)
            articles = articles.filter(published_at__gt=moment)
        if words := params.get("search"):
            for word in words.split()[:8]:
                articles = articles.filter(title__icontains=word)
        return articles


def _datetime(raw: str) -> datetime:
    try:
        moment = parse_datetime(raw)
    except ValueError:
        moment = None
    offset = moment.utcoffset() if moment is not None else None
    # PostgreSQL takes offsets within 16 hours; real ones are within 14.
    if moment is None or (offset is not None and abs(offset) > timedelta(hours=14)):
        raise ValidationError(
            {"published_after": ["Give a date and time, e.g. 2026-01-31T12:00:00Z."]}
        )
    return moment
