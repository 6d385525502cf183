"""One comment: read it, edit or delete one's own, report someone else's."""

from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
)
from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from comments.api import conditional
from comments.api.schema import error
from comments.api.serializers import (
    CommentEditSerializer,
    CommentSerializer,
    ReportedSerializer,
    ReportInputSerializer,
    UsefulSerializer,
    as_dict,
    comment_url_template,
)
from comments.api.views.common import NO_COMMENT, api_reader, valid_input
from comments.models import Comment
from comments.posting import services
from comments.sources import citing
from comments.threads import badges, queries
from comments.threads.readers import Reader


def _shown(comment: Comment, *, own: bool) -> dict:
    """One comment as the API shows it, with its author's badges and its sources (a query
    each)."""
    badged = badges.badges_for(comment.article, [comment.user_id]) if comment.user_id else {}
    cited = citing.shown_in(comment.article_id, [comment.pk])
    return as_dict(
        comment, comment.article.slug, comment_url_template(), own=own, badges=badged,
        sources=cited,
    )  # fmt: skip


class CommentDetailView(APIView):
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    def _comment(self, request, pk: int) -> tuple[Comment, Reader]:
        reader = api_reader(request)
        return queries.comment_for(pk, reader), reader

    @extend_schema(
        summary="One comment, with a link to its thread",
        responses={200: CommentSerializer, 404: NO_COMMENT},
    )
    def get(self, request, pk: int):
        # the comment with its article (a token adds its own lookup)
        comment, reader = self._comment(request, pk)
        own = reader.wrote(comment)
        return conditional.respond(request, _shown(comment, own=own))

    @extend_schema(
        summary="Edit one's own comment within the edit window",
        request=CommentEditSerializer,
        responses={
            200: CommentSerializer,
            400: error("Invalid fields, or longer than the moderators allow."),
            401: error("Not signed in, or the token is unknown or revoked."),
            403: error("Not the author's, or the edit window is over."),
            404: NO_COMMENT,
        },
    )
    def patch(self, request, pk: int):
        comment, reader = self._comment(request, pk)
        data = valid_input(CommentEditSerializer, request)
        services.edit_comment(comment=comment, reader=reader, body=data["body"])
        return Response(_shown(comment, own=True))

    @extend_schema(
        summary="Delete one's own comment",
        responses={
            204: None,
            401: error("Not signed in, or the token is unknown or revoked."),
            403: error("Not the author's, or deleted already."),
            404: NO_COMMENT,
        },
    )
    def delete(self, request, pk: int):
        comment, reader = self._comment(request, pk)
        services.delete_comment(comment=comment, reader=reader)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CommentReportView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="Report a comment to the moderators",
        request=ReportInputSerializer,
        responses={
            201: OpenApiResponse(ReportedSerializer, description="Reported"),
            400: error("Invalid fields."),
            401: error("Not signed in, or the token is unknown or revoked."),
            404: NO_COMMENT,
            409: error("Reported by this reader already, or no longer published."),
            429: error("Too many requests, or too many reports in the last hour."),
        },
    )
    def post(self, request, pk: int):
        reader = api_reader(request)
        comment = queries.comment_for(pk, reader)
        data = valid_input(ReportInputSerializer, request)
        services.report_comment(
            comment=comment,
            reader=reader,
            reason=data["reason"],
            note=data.get("note", ""),
        )
        return Response({"reported": comment.pk}, status=status.HTTP_201_CREATED)


_USEFUL_REFUSALS = {
    401: error("Not signed in, or the token is unknown or revoked."),
    403: error("The reader's own comment."),
    404: NO_COMMENT,
    429: error("Too many requests, or too many Useful votes in the last hour."),
}


class CommentUsefulView(APIView):
    """A reader's Useful vote on a comment: POST marks it, DELETE takes it back. Marking twice
    is a 409 and counts once; so is taking back a vote that is not there."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="Mark a comment Useful (signed in; not one's own)",
        request=None,
        responses={
            201: OpenApiResponse(UsefulSerializer, description="Marked"),
            **_USEFUL_REFUSALS,
            409: error("Marked by this reader already, or the comment is not published."),
        },
    )
    def post(self, request, pk: int):
        count = services.mark_useful(comment_id=pk, reader=api_reader(request))
        return Response(
            {"comment": pk, "useful": True, "useful_count": count}, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Take back one's Useful vote",
        responses={
            200: OpenApiResponse(UsefulSerializer, description="Taken back"),
            **_USEFUL_REFUSALS,
            409: error("Not marked by this reader, or the comment is not published."),
        },
    )
    def delete(self, request, pk: int):
        count = services.unmark_useful(comment_id=pk, reader=api_reader(request))
        return Response({"comment": pk, "useful": False, "useful_count": count})
