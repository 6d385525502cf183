"""What the API's views share: who is asking, the article asked about, input checked by a
serializer, and the JSON 404 for unknown paths."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.decorators import api_view, permission_classes

from articles.models import Article
from comments.api.schema import error
from comments.models import Comment
from comments.threads.readers import Reader, request_facts

S = Comment.Status
NO_ARTICLE = error("No published article by that slug.")
NO_COMMENT = error("No such comment, or not one this reader may see.")


def api_reader(request) -> Reader:
    user = request.user if request.user.is_authenticated else None
    return Reader(user=user, browser="api", **request_facts(request))


def article_or_404(slug: str) -> Article:
    article = Article.objects.published().filter(slug=slug).first()
    if article is None:
        raise Http404
    return article


def valid_input(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@permission_classes([permissions.AllowAny])
def unknown_endpoint(request):
    raise Http404
