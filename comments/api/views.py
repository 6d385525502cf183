"""The discussion over REST: read and sync threads, write through the same services as the
site's form, and moderate through the same transitions as the admin."""

import base64
import binascii
import hashlib
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Max, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import http_date, parse_http_date_safe
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from articles.models import Article
from comments import queries, queue, services, transitions
from comments.api.serializers import (
    CommentEditSerializer,
    CommentInputSerializer,
    CommentSerializer,
    DecisionSerializer,
    ModerationCommentSerializer,
    ReportInputSerializer,
    ThreadSerializer,
    TreeCommentSerializer,
    as_dict,
    comment_url_template,
)
from comments.models import Comment, Report
from comments.readers import Reader

S = Comment.Status
ERROR = OpenApiResponse(description="The error shape: {error: {status, code, message, fields}}")


def api_reader(request) -> Reader:
    user = request.user if request.user.is_authenticated else None
    return Reader(
        user=user,
        browser="api",
        ip=request.META.get("REMOTE_ADDR") or None,
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
    )


def _article(slug: str) -> Article:
    article = Article.objects.published().filter(slug=slug).first()
    if article is None:
        raise Http404
    return article


# --- Cursors of the change feed --------------------------------------------------------------


def _encode_cursor(moment: datetime, last_id: int) -> str:
    raw = f"{moment.isoformat()}|{last_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(token: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        stamp, _, last_id = raw.partition("|")
        moment = parse_datetime(stamp)
        if moment is None or moment.utcoffset() is None or not last_id.isdigit():
            raise ValueError
        if abs(moment.utcoffset()) > timedelta(hours=14):
            raise ValueError
        return moment, int(last_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationError({"since": ["Not a cursor this API gave out."]}) from None


def _settled() -> datetime:
    return timezone.now() - timedelta(seconds=settings.API_FEED_LAG_SECONDS)


# --- Reading a thread --------------------------------------------------------------------------


class ThreadView(APIView):
    """Conditional GET: an unchanged thread answers 304 from two queries, unrendered."""

    tree = False

    def _fingerprint(self, article: Article) -> tuple[str, datetime | None]:
        row = Comment.objects.filter(article=article).aggregate(
            n=Count("id"), last=Max("updated_at")
        )
        last = max(filter(None, [row["last"], article.modified_at]))
        seed = f"{article.pk}:{row['n']}:{last.isoformat()}:{self.tree}".encode()
        return f'"{hashlib.sha256(seed).hexdigest()[:32]}"', last

    def _not_modified(self, request, etag: str, last: datetime) -> bool:
        if_none_match = request.headers.get("If-None-Match")
        if if_none_match is not None:
            return etag in [tag.strip() for tag in if_none_match.split(",")] or if_none_match == "*"
        since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
        return since is not None and int(last.timestamp()) <= since

    def _conditional(self, request, article, build):
        etag, last = self._fingerprint(article)
        headers = {
            "ETag": etag,
            "Last-Modified": http_date(last.timestamp()),
            "Cache-Control": "no-cache",
        }
        if self._not_modified(request, etag, last):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers=headers)
        return Response(build(), headers=headers)


class ArticleCommentsView(ThreadView):
    serializer_class = CommentInputSerializer  # what OPTIONS describes
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    @extend_schema(
        summary="The approved discussion in thread order, or the changes since a cursor",
        parameters=[
            OpenApiParameter(
                "since",
                OpenApiTypes.STR,
                description="A cursor from an earlier answer: only what changed after it.",
            ),
            OpenApiParameter("limit", OpenApiTypes.INT, description="Changes per answer (1-1000)."),
        ],
        responses={
            200: ThreadSerializer,
            304: OpenApiResponse(description="Not modified"),
            400: ERROR,
            404: ERROR,
        },
    )
    def get(self, request, slug: str):
        article = _article(slug)
        if "since" in request.query_params:
            return self._changes(request, article)
        return self._conditional(request, article, lambda: self._thread(article))

    def _thread(self, article: Article) -> dict:
        cursor = _encode_cursor(_settled(), 0)
        discussion = queries.discussion_for(article, Reader(user=None, browser="api"), whole=True)
        template = comment_url_template()
        flat: list[dict] = []
        stack = list(reversed(discussion.threads))
        while stack:
            node = stack.pop()
            flat.append(as_dict(node.comment, article.slug, template))
            stack.extend(reversed(node.children))
        return {
            "article": article.slug,
            "count": discussion.approved_count,
            "cursor": cursor,
            "comments": flat,
        }

    def _changes(self, request, article: Article) -> Response:
        moment, last_id = _decode_cursor(request.query_params["since"])
        raw_limit = request.query_params.get("limit", "500")
        if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= 1000:
            raise ValidationError({"limit": ["Give a whole number from 1 to 1000."]})
        limit = int(raw_limit)
        settled = _settled()
        changed = list(
            Comment.objects.filter(article=article, updated_at__lte=settled)
            .exclude(status=S.PENDING)
            .filter(Q(updated_at__gt=moment) | Q(updated_at=moment, id__gt=last_id))
            .order_by("updated_at", "id")[: limit + 1]
        )
        more = len(changed) > limit
        changed = changed[:limit]
        template = comment_url_template()
        entries = []
        for comment in changed:
            entry = as_dict(comment, article.slug, template)
            entry["updated_at"] = comment.updated_at
            entries.append(entry)
        if changed:
            cursor = _encode_cursor(changed[-1].updated_at, changed[-1].id)
        elif moment >= settled:
            cursor = request.query_params["since"]  # nothing settled after it yet
        else:
            cursor = _encode_cursor(settled, 0)  # nothing changed up to the settled moment
        return Response({"changes": entries, "cursor": cursor, "more": more})

    @extend_schema(
        summary="Post a comment or a reply (signed in)",
        request=CommentInputSerializer,
        responses={201: CommentSerializer, 400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR},
    )
    def post(self, request, slug: str):
        article = _article(slug)
        data = _valid(CommentInputSerializer, request)
        parent = None
        if data.get("parent"):
            parent = Comment.objects.filter(pk=data["parent"], article=article).first()
            if parent is None:
                raise ValidationError({"parent": ["No such comment in this discussion."]})
        comment = services.post_comment(
            article=article,
            reader=api_reader(request),
            parent=parent,
            name="",
            email="",
            url="",
            body=data["body"],
        )
        return Response(
            as_dict(comment, article.slug, comment_url_template(), own=True),
            status=status.HTTP_201_CREATED,
        )


class ArticleCommentsTreeView(ThreadView):
    tree = True

    @extend_schema(
        summary="The approved discussion of an article as nested replies",
        responses={
            200: TreeCommentSerializer(many=True),
            304: OpenApiResponse(description="Not modified"),
            404: ERROR,
        },
    )
    def get(self, request, slug: str):
        article = _article(slug)
        return self._conditional(request, article, lambda: self._tree(article))

    def _tree(self, article: Article) -> list[dict]:
        discussion = queries.discussion_for(article, Reader(user=None, browser="api"), whole=True)
        template = comment_url_template()

        def build(node) -> dict:
            entry = as_dict(node.comment, article.slug, template)
            entry["replies"] = [build(child) for child in node.children]
            return entry

        return [build(node) for node in discussion.threads]


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- One comment ----------------------------------------------------------------------------------


class CommentDetailView(APIView):
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    def _comment(self, request, pk: int) -> tuple[Comment, Reader]:
        reader = api_reader(request)
        return queries.comment_for(pk, reader), reader

    @extend_schema(
        summary="One comment, with a link to its thread",
        responses={200: CommentSerializer, 404: ERROR},
    )
    def get(self, request, pk: int):
        comment, reader = self._comment(request, pk)
        return Response(
            as_dict(
                comment, comment.article.slug, comment_url_template(), own=reader.wrote(comment)
            )
        )

    @extend_schema(
        summary="Edit one's own comment within the edit window",
        request=CommentEditSerializer,
        responses={200: CommentSerializer, 400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR},
    )
    def patch(self, request, pk: int):
        comment, reader = self._comment(request, pk)
        if not reader.wrote(comment):
            raise PermissionDenied("Only the author of a comment can edit it.")
        data = _valid(CommentEditSerializer, request)
        services.edit_comment(comment=comment, reader=reader, body=data["body"])
        return Response(as_dict(comment, comment.article.slug, comment_url_template(), own=True))

    @extend_schema(
        summary="Delete one's own comment",
        responses={204: None, 401: ERROR, 403: ERROR, 404: ERROR},
    )
    def delete(self, request, pk: int):
        comment, reader = self._comment(request, pk)
        if not reader.wrote(comment):
            raise PermissionDenied("Only the author of a comment can delete it.")
        services.delete_comment(comment=comment, reader=reader)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CommentReportView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="Report a comment to the moderators",
        request=ReportInputSerializer,
        responses={
            201: OpenApiResponse(description="Reported"),
            400: ERROR,
            401: ERROR,
            404: ERROR,
        },
    )
    def post(self, request, pk: int):
        reader = api_reader(request)
        comment = queries.comment_for(pk, reader)
        data = _valid(ReportInputSerializer, request)
        services.report_comment(
            comment=comment,
            reader=reader,
            reason=data["reason"],
            note=data.get("note", ""),
        )
        return Response({"reported": comment.pk}, status=status.HTTP_201_CREATED)


# --- Moderation ---------------------------------------------------------------------------------


class IsModerator(permissions.BasePermission):
    message = "Moderators only."

    def has_permission(self, request, view):
        user = request.user
        return bool(
            user
            and user.is_authenticated
            and user.is_staff
            and user.has_perm("comments.change_comment")
        )


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
        parameters=[OpenApiParameter("queue", OpenApiTypes.STR, enum=list(queue.QUEUES))],
        responses={200: ModerationCommentSerializer(many=True), 400: ERROR, 401: ERROR, 403: ERROR},
    )
    def get(self, request):
        name = request.query_params.get("queue", "pending")
        if name not in queue.QUEUES:
            raise ValidationError({"queue": ["Choose pending or reported."]})
        comments = queue.with_report_counts(
            queue.queue(name, Comment.objects.select_related("article"))
        )
        page = self.paginate_queryset(comments)
        return self.get_paginated_response([_moderation_dict(c) for c in page])


class DecisionView(APIView):
    permission_classes = [IsModerator]

    @extend_schema(
        summary="Decide on a comment (moderators): approve, reject, spam, remove",
        request=DecisionSerializer,
        responses={
            200: ModerationCommentSerializer,
            400: ERROR,
            401: ERROR,
            403: ERROR,
            404: ERROR,
            409: ERROR,
        },
    )
    def post(self, request, pk: int):
        comment = get_object_or_404(Comment.objects.select_related("article"), pk=pk)
        data = _valid(DecisionSerializer, request)
        try:
            transitions.change_status(
                comment, data["to"], actor=request.user, reason=data.get("reason", "")
            )
        except transitions.TransitionRefused as refused:
            return Response(
                {"error": {"status": 409, "code": "conflict", "message": str(refused)}},
                status=status.HTTP_409_CONFLICT,
            )
        comment.open_reports = Report.objects.filter(
            comment=comment, resolved_at__isnull=True
        ).count()
        return Response(_moderation_dict(comment))


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@permission_classes([permissions.AllowAny])
def unknown_endpoint(request):
    raise Http404
