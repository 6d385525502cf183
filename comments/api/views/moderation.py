"""The moderators' API: the queues and decisions, through the same transitions as the admin."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
)
from rest_framework import generics, permissions
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from comments.api import conditional
from comments.api.schema import error
from comments.api.serializers import (
    DecisionSerializer,
    ModerationCommentSerializer,
    as_dict,
    comment_url_template,
)
from comments.api.views.common import valid_input
from comments.models import Comment
from comments.moderation import decisions, pipeline, queue, roles, statements, transitions


class IsModerator(permissions.BasePermission):
    message = "Moderators only."

    def has_permission(self, request, view):
        return roles.is_moderator(request.user)


class QueuePagination(CursorPagination):
    ordering = ("created_at", "id")
    page_size = 50


def _moderation_dict(comment) -> dict:
    entry = as_dict(comment, comment.article.slug, comment_url_template(), own=True)
    entry.update(
        status=comment.status,
        author={"name": comment.author_name, "website": comment.author_url},
        status_reason=comment.status_reason,
        author_email=comment.author_email,
        ip_address=comment.ip_address,
        open_reports=getattr(comment, "open_reports", 0),
    )
    return entry


class ModerationQueueView(generics.GenericAPIView):
    permission_classes = [IsModerator]
    serializer_class = ModerationCommentSerializer
    pagination_class = QueuePagination

    @extend_schema(
        summary="The pending or the reported queue (moderators)",
        parameters=[OpenApiParameter("queue", str, enum=list(queue.QUEUES), default="pending")],
        responses={
            200: ModerationCommentSerializer(many=True),
            400: error("No queue by that name."),
            401: error("Not signed in, or the token is unknown or revoked."),
            403: error("Moderators only."),
            404: error("The cursor is not one this API gave out."),
        },
    )
    def get(self, request):
        name = request.query_params.get("queue", "pending")
        if name not in queue.QUEUES:
            raise ValidationError({"queue": ["Choose pending or reported."]})
        comments = queue.with_report_counts(
            queue.queue(name, Comment.objects.select_related("article", "resolution", "anchor"))
        )
        # the page with its report counts: 50 rows at most, so its bytes can be its tag
        page = self.paginate_queryset(comments)
        data = self.paginator.get_paginated_response([_moderation_dict(c) for c in page]).data
        return conditional.respond(request, data)


class DecisionView(APIView):
    permission_classes = [IsModerator]

    @extend_schema(
        summary="Decide on a comment (moderators): approve, reject, spam, remove",
        request=DecisionSerializer,
        responses={
            200: ModerationCommentSerializer,
            400: error("Invalid fields."),
            401: error("Not signed in, or the token is unknown or revoked."),
            403: error("Moderators only."),
            404: error("No such comment."),
            409: error("The comment's status cannot change that way."),
        },
    )
    def post(self, request, pk: int):
        comment = get_object_or_404(
            Comment.objects.select_related("article", "resolution", "anchor", "statement__clause"),
            pk=pk,
        )
        data = valid_input(DecisionSerializer, request)
        grounds = statements.grounds_from(
            clause=data.get("clause"), category=data.get("category", "")
        )
        try:
            decisions.decide(
                comment,
                data["to"],
                moderator=request.user,
                reason=data.get("reason", ""),
                grounds=grounds,
            )
        except decisions.GroundsMissing as missing:
            raise ValidationError({"clause": [str(missing)]}) from missing
        except transitions.TransitionRefused as refused:
            raise pipeline.Conflict(str(refused)) from refused
        comment.open_reports = queue.open_reports_on(comment)
        return Response(_moderation_dict(comment))
