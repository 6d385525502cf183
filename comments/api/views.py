"""The discussion over REST: read and sync threads, write through the same services as the
site's form, and moderate through the same transitions as the admin."""

import base64
import binascii
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Max, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import generics, permissions, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from articles.models import Article
from comments.api import conditional
from comments.api.schema import error
from comments.api.serializers import (
    ChangesSerializer,
    CommentEditSerializer,
    CommentInputSerializer,
    CommentSerializer,
    DecisionSerializer,
    ModerationCommentSerializer,
    ReportedSerializer,
    ReportInputSerializer,
    ThreadSerializer,
    TreeCommentSerializer,
    as_dict,
    comment_url_template,
)
from comments.models import Comment, Report
from comments.moderation import pipeline, queue, transitions
from comments.posting import services
from comments.threads import queries
from comments.threads.readers import Reader

S = Comment.Status
NO_ARTICLE = error("No published article by that slug.")
NO_COMMENT = error("No such comment, or not one this reader may see.")
# What the cursors of the change feed look like (base64url, unpadded); see _encode_cursor.
CURSOR = "^[A-Za-z0-9_-]+$"


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


def _limit(raw: str) -> int:
    # ASCII digits only: "²" is a digit to str.isdigit and not a number to int
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 1000:
        raise ValidationError({"limit": ["Give a whole number from 1 to 1000."]})
    return int(raw)


def _settled() -> datetime:
    return timezone.now() - timedelta(seconds=settings.API_FEED_LAG_SECONDS)


# --- Reading a thread --------------------------------------------------------------------------


class ThreadView(APIView):
    """An unchanged thread answers 304 from two queries (the article, the thread's version),
    unrendered: a thread of 10,000 comments is too big to build for every revalidation."""

    tree = False

    def _conditional(self, request, article: Article, build):
        row = Comment.objects.filter(article=article).aggregate(
            n=Count("id"), last=Max("updated_at")
        )
        # Every change to a comment (status, text, erasure) moves its updated_at; the article's
        # own fields shown here (its slug) move modified_at.
        last = max(filter(None, [row["last"], article.modified_at]))
        version = (article.pk, article.slug, row["n"], last.isoformat(), self.tree)
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
        ],
        responses={
            200: PolymorphicProxySerializer(
                component_name="ThreadOrChanges",
                serializers=[ThreadSerializer, ChangesSerializer],
                resource_type_field_name=None,
            ),
            400: error("`since` is not a cursor this API gave out, or `limit` is out of bounds."),
            404: NO_ARTICLE,
        },
    )
    def get(self, request, slug: str):
        article = _article(slug)
        limit = _limit(request.query_params.get("limit", "500"))
        if "since" in request.query_params:
            return conditional.respond(request, self._changes(request, article, limit))
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

    def _changes(self, request, article: Article, limit: int) -> dict:
        moment, last_id = _decode_cursor(request.query_params["since"])
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
        return {"changes": entries, "cursor": cursor, "more": more}

    @extend_schema(
        summary="Post a comment or a reply (signed in)",
        request=CommentInputSerializer,
        responses={
            201: CommentSerializer,
            400: error("Invalid fields, or longer than the moderators allow."),
            401: error("Not signed in, or the token is unknown or revoked."),
            403: error("Comments on this article are closed (or for signed-in readers only)."),
            404: NO_ARTICLE,
            409: error("Posted here before, or the parent is not in this discussion."),
            429: error("Too many requests, or too soon after this reader's last comment."),
        },
    )
    def post(self, request, slug: str):
        article = _article(slug)
        data = _valid(CommentInputSerializer, request)
        parent = None
        if data.get("parent"):
            parent = Comment.objects.filter(pk=data["parent"], article=article).first()
            if parent is None:
                raise pipeline.Conflict("No such comment in this discussion.", field="parent")
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
        responses={200: TreeCommentSerializer(many=True), 404: NO_ARTICLE},
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
        responses={200: CommentSerializer, 404: NO_COMMENT},
    )
    def get(self, request, pk: int):
        # the comment with its article (a token adds its own lookup)
        comment, reader = self._comment(request, pk)
        own = reader.wrote(comment)
        return conditional.respond(
            request, as_dict(comment, comment.article.slug, comment_url_template(), own=own)
        )

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
        if not reader.wrote(comment):
            raise PermissionDenied("Only the author of a comment can edit it.")
        data = _valid(CommentEditSerializer, request)
        services.edit_comment(comment=comment, reader=reader, body=data["body"])
        return Response(as_dict(comment, comment.article.slug, comment_url_template(), own=True))

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
            queue.queue(name, Comment.objects.select_related("article"))
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
