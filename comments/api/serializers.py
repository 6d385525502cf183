"""The API's comment shapes. A thread of 10,000 comments is built as plain dicts (the
serializer classes describe them for the schema); nothing here ever carries an email or IP."""

import html
import re

from django.urls import reverse
from rest_framework import serializers

from articles.text import carriable_values
from comments.models import Comment, Report

_TAG = re.compile(r"<[^>]+>")
S = Comment.Status
# What the public may know of a comment that is not (or no longer) published.
PUBLIC_STATUS = {
    S.APPROVED: "approved",
    S.DELETED: "deleted",
    S.REMOVED: "removed",
    S.SPAM: "removed",
    S.REJECTED: "removed",
}


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know, rather than ignoring a client's typo."""

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": ["Send a JSON object."]})
        unknown = sorted(set(data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        # The site's rule for reader text (articles.text), before any field sees it.
        return super().to_internal_value(carriable_values(data))


class TextField(serializers.CharField):
    """A string, and only a string: 42 or true is a type error, not "42"."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class AuthorSerializer(serializers.Serializer):
    name = serializers.CharField()
    website = serializers.CharField(allow_blank=True)


class CommentSerializer(serializers.Serializer):
    """One comment; a tombstone (deleted or removed) has no author, html or text."""

    id = serializers.IntegerField()
    article = serializers.CharField(help_text="The article's slug.")
    parent = serializers.IntegerField(allow_null=True)
    root = serializers.IntegerField()
    depth = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["approved", "deleted", "removed", "pending"])
    author = AuthorSerializer(allow_null=True)
    html = serializers.CharField(allow_null=True)
    text = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField(required=False)
    url = serializers.CharField(help_text="The comment's page on the site.")


class TreeCommentSerializer(CommentSerializer):
    replies = serializers.ListField(child=serializers.DictField())


class ThreadSerializer(serializers.Serializer):
    article = serializers.CharField()
    count = serializers.IntegerField(help_text="Approved comments.")
    cursor = serializers.CharField(help_text="Pass as ?since= to get only later changes.")
    comments = CommentSerializer(many=True)


class ChangesSerializer(serializers.Serializer):
    changes = CommentSerializer(many=True)
    cursor = serializers.CharField()
    more = serializers.BooleanField()


class CommentInputSerializer(StrictSerializer):
    body = TextField(max_length=100_000, trim_whitespace=True)
    parent = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class CommentEditSerializer(StrictSerializer):
    body = TextField(max_length=100_000, trim_whitespace=True)


class ReportInputSerializer(StrictSerializer):
    reason = serializers.ChoiceField(choices=Report.Reason.choices)
    note = TextField(required=False, allow_blank=True, max_length=1000)


class DecisionSerializer(StrictSerializer):
    to = serializers.ChoiceField(
        choices=[S.APPROVED, S.REJECTED, S.SPAM, S.REMOVED], help_text="The new status."
    )
    reason = TextField(required=False, allow_blank=True, max_length=255)


class ModerationCommentSerializer(CommentSerializer):
    status_reason = serializers.CharField()
    author_email = serializers.CharField()
    ip_address = serializers.CharField(allow_null=True)
    open_reports = serializers.IntegerField()


def comment_url_template() -> str:
    return reverse("comments:permalink", args=[0]).replace("/0/", "/{}/")


def as_dict(comment, article_slug: str, url_template: str, *, own: bool = False) -> dict:
    """A comment (model or the page's ShownComment) as the API shows it."""
    status = comment.status
    public = PUBLIC_STATUS.get(status)
    if public is None and own:
        public = status  # an author sees their own comment waiting
    shown = status == S.APPROVED or own
    body_html = comment.body_html if shown else None
    return {
        "id": comment.id,
        "article": article_slug,
        "parent": comment.parent_id,
        "root": comment.root_id,
        "depth": comment.depth,
        "status": public or "removed",
        "author": {"name": comment.author_name, "website": comment.author_url} if shown else None,
        "html": body_html,
        "text": html.unescape(_TAG.sub("", body_html)).strip() if body_html is not None else None,
        "created_at": comment.created_at,
        "edited_at": comment.edited_at,
        "url": url_template.format(comment.id),
    }
