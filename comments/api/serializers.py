"""The API's comment shapes. A thread of 10,000 comments is built as plain dicts (the
serializer classes describe them for the schema); nothing here ever carries an email or IP."""

import html
import re

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import MaxLengthValidator, RegexValidator
from django.db import DatabaseError
from django.urls import reverse
from drf_spectacular.extensions import OpenApiSerializerExtension, OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from articles.text import carriable_values
from comments.models import (
    Comment,
    Guideline,
    ModerationSettings,
    Report,
    Resolution,
    Statement,
)
from comments.moderation import decisions

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
        _check_lengths_as_sent(self.fields, data)
        # The site's rule for reader text (articles.text), before any field sees it.
        return super().to_internal_value(carriable_values(data))


def _check_lengths_as_sent(fields, data: dict) -> None:
    """A text's longest is counted as sent, as the schema states it, not after the dropping of
    characters no output can carry (which would let a longer text through)."""
    errors = {}
    for name, field in fields.items():
        value = data.get(name)
        for validator in field.validators if isinstance(value, str) else []:
            if isinstance(validator, MaxLengthValidator):
                try:
                    validator(value)
                except DjangoValidationError as too_long:
                    errors[name] = too_long.messages
    if errors:
        raise serializers.ValidationError(errors)


class TextField(serializers.CharField):
    """A string, and only a string: 42 or true is a type error, not "42"."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class CommentBodyField(TextField):
    """A comment's Markdown, at most as long as the moderators' setting at the time (which the
    service checks again for every entry point); the schema states the setting as it is when
    the schema is served."""

    def __init__(self, **kwargs):
        super().__init__(trim_whitespace=True, **kwargs)
        self.validators.append(
            MaxLengthValidator(
                _longest_comment,
                "A comment has at most %(limit_value)s characters (this one has %(show_value)s).",
            )
        )


class StrictSerializerSchema(OpenApiSerializerExtension):
    target_class = StrictSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        return {**schema, "additionalProperties": False}


# Characters `articles.text.carriable` drops, those of the Basic Multilingual Plane but lone
# surrogates, which JSON Schema validators cannot hold in a pattern.
_UNCARRIED = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufdd0-\ufdef\ufffe\uffff"


class TextFieldSchema(OpenApiSerializerFieldExtension):
    """A required text is refused when nothing is left of it once the characters no output can
    carry are dropped and the white space around it trimmed: the schema asks for one other."""

    target_class = TextField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        own = [v for v in self.target.validators if isinstance(v, RegexValidator)]
        if direction == "request" and own:
            schema["pattern"] = own[0].regex.pattern  # its own pattern is the stricter one
        elif direction == "request" and not self.target.allow_blank:
            schema["pattern"] = rf"[^\s{_UNCARRIED}]"
        return schema


def _longest_comment() -> int:
    try:
        return ModerationSettings.current().max_length
    except DatabaseError:  # a schema written out before the database exists
        return ModerationSettings._meta.get_field("max_length").default


class AuthorSerializer(serializers.Serializer):
    name = serializers.CharField()
    website = serializers.CharField(allow_blank=True)


class SourceSerializer(serializers.Serializer):
    url = serializers.CharField()
    title = serializers.CharField(
        help_text="Empty until given by the reader or read from the page."
    )
    publisher = serializers.CharField()
    published = serializers.DateField(allow_null=True)
    status = serializers.ChoiceField(
        choices=["pending", "ok", "unreachable", "refused"],
        help_text="unreachable: three checks a day apart failed, since `unreachable_since`.",
    )
    checked_at = serializers.DateTimeField(allow_null=True)
    unreachable_since = serializers.DateTimeField(allow_null=True)
    archived_url = serializers.CharField(help_text="An archived copy, when one was found.")


class ResolutionSerializer(serializers.Serializer):
    """What was decided about a labelled comment: a correction accepted or declined, a
    question answered."""

    state = serializers.ChoiceField(choices=Resolution.State.values)
    note = serializers.CharField(
        allow_null=True,
        help_text=(
            "The note of the decision, if any: public for an accepted correction and an "
            "answered question; for a declined correction only its author sees it (null to "
            "everyone else)."
        ),
    )
    answer = serializers.IntegerField(
        allow_null=True, help_text="The id of the comment that answers a question; else null."
    )
    revision = serializers.IntegerField(
        allow_null=True,
        min_value=1,
        help_text="The article revision that made an accepted correction, if given; else null.",
    )
    decided_at = serializers.DateTimeField()


class AnchorSerializer(serializers.Serializer):
    """The passage of the article a comment answers (a W3C text quote and position)."""

    exact = serializers.CharField(help_text="The words quoted, as the reader chose them.")
    prefix = serializers.CharField(help_text="Up to 32 characters before them.")
    suffix = serializers.CharField(help_text="Up to 32 characters after them.")
    start = serializers.IntegerField(help_text="Offset in the plain text of `revision`.")
    end = serializers.IntegerField()
    revision = serializers.IntegerField(help_text="The revision the offsets count in.")
    state = serializers.ChoiceField(
        choices=["anchored", "moved", "orphaned"],
        help_text="orphaned: the words are no longer in the article (offsets of `revision`).",
    )


class RemovalSerializer(serializers.Serializer):
    measure = serializers.ChoiceField(choices=Statement.Measure.values)
    ground = serializers.ChoiceField(choices=Statement.Ground.values)
    clause = serializers.IntegerField(
        allow_null=True, help_text="The number of the guideline clause cited (/guidelines/)."
    )
    category = serializers.ChoiceField(
        choices=Statement.Category.values,
        allow_null=True,
        help_text="For illegal content: the Transparency Database's statement category.",
    )
    public_reason = serializers.CharField(
        help_text="What the tombstone shows; empty when no clause or category was cited."
    )


class CommentSerializer(serializers.Serializer):
    """One comment; a tombstone (deleted or removed) has no author, html, text or resolution."""

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
    url = serializers.CharField(help_text="The comment's page on the site.")
    useful_count = serializers.IntegerField(
        min_value=0, help_text="Signed-in readers who marked the comment Useful."
    )
    picked = serializers.BooleanField(help_text="An editor's pick.")
    pick_note = serializers.CharField(
        allow_null=True, help_text="Why the editors picked it, if they said; null if not picked."
    )
    badges = serializers.ListField(
        child=serializers.ChoiceField(choices=["author", "moderator"]),
        help_text="Who the author is to the discussion: one of the article's authors, a moderator.",
    )
    article_revision = serializers.IntegerField(
        allow_null=True, help_text="The revision of the article the reader was reading."
    )
    anchor = AnchorSerializer(allow_null=True, help_text="The passage it answers, if any.")
    sources = serializers.ListField(
        child=SourceSerializer(),
        help_text="The sources the comment cites, numbered as shown.",
    )
    mentions = serializers.ListField(
        child=serializers.CharField(),
        help_text="The usernames of the readers the comment mentions (@username), as written.",
    )
    kind = serializers.ChoiceField(
        choices=Comment.Kind.values,
        help_text="The writer's label: comment (none), question, evidence, counterpoint or "
        "correction.",
    )
    resolution = ResolutionSerializer(
        allow_null=True,
        help_text="For a correction or a question, what was decided about it; else null.",
    )
    removal = RemovalSerializer(
        allow_null=True,
        help_text="For a comment a moderator removed, on what grounds (its tombstone's "
        "reason); else null.",
    )


class ChangeSerializer(CommentSerializer):
    """A comment as the change feed gives it: with the moment of its change."""

    updated_at = serializers.DateTimeField()


@extend_schema_field({"type": "array", "items": {"$ref": "#/components/schemas/TreeComment"}})
class RepliesField(serializers.ListField):
    pass


class TreeCommentSerializer(CommentSerializer):
    replies = RepliesField(help_text="The replies, each with its own replies.")


class KindCountsSerializer(serializers.Serializer):
    question = serializers.IntegerField(min_value=0)
    evidence = serializers.IntegerField(min_value=0)
    counterpoint = serializers.IntegerField(min_value=0)
    correction = serializers.IntegerField(min_value=0)
    unanswered = serializers.IntegerField(min_value=0, help_text="Questions not answered yet.")


class ThreadSerializer(serializers.Serializer):
    article = serializers.CharField()
    count = serializers.IntegerField(help_text="Approved comments.")
    kinds = KindCountsSerializer(
        help_text="Approved comments per label, whatever `kind` filters (for a filter's counts)."
    )
    cursor = serializers.CharField(help_text="Pass as ?since= to get only later changes.")
    comments = CommentSerializer(many=True)


class ChangesSerializer(serializers.Serializer):
    changes = ChangeSerializer(many=True, help_text="Oldest change first.")
    cursor = serializers.CharField(help_text="Pass as ?since= for the changes after these.")
    more = serializers.BooleanField(help_text="Whether more changes wait after this page.")


class SourceInputSerializer(StrictSerializer):
    url = TextField(
        max_length=2000,
        validators=[
            RegexValidator(
                r"^https?://([a-z0-9-]+\.)+[a-z]{2,63}"
                r"(:([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?"
                r"(/[A-Za-z0-9._~!$&'()*+,;=:@/?#-]*)?$",
                "Give the web address of the source, starting with http:// or https://.",
            )
        ],
        help_text="The web address cited: http or https, a host name with its domain (an "
        "address on a private network or the server itself is refused).",
    )
    title = TextField(required=False, allow_blank=True, max_length=300)
    publisher = TextField(required=False, allow_blank=True, max_length=200)
    published = serializers.DateField(required=False, allow_null=True)


class PassageInputSerializer(StrictSerializer):
    revision = serializers.IntegerField(min_value=1, help_text="The revision the offsets count in.")
    start = serializers.IntegerField(min_value=0, max_value=10_000_000)
    end = serializers.IntegerField(min_value=1, max_value=10_000_000)


class CommentInputSerializer(StrictSerializer):
    body = CommentBodyField()
    parent = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    revision = serializers.IntegerField(
        required=False, min_value=1, max_value=1_000_000,
        help_text="The revision of the article the comment answers (default: the latest).",
    )  # fmt: skip
    anchor = PassageInputSerializer(
        required=False,
        help_text="A passage it answers: offsets in the plain text of that revision "
        "(GET /api/v1/articles/{slug}/revisions/{n}/ gives it).",
    )
    sources = serializers.ListField(
        child=SourceInputSerializer(),
        required=False,
        help_text="Up to 5 sources the comment cites; missing titles, publishers and dates "
        "are read from the pages themselves, later.",
    )
    kind = serializers.ChoiceField(
        choices=Comment.Kind.values,
        required=False,
        allow_blank=True,
        help_text="A label (empty or comment: none). A correction needs an article with authors.",
    )


class CommentEditSerializer(StrictSerializer):
    body = CommentBodyField()


class ReportInputSerializer(StrictSerializer):
    reason = serializers.ChoiceField(choices=Report.Reason.choices)
    note = TextField(required=False, allow_blank=True, max_length=1000)


class DecisionSerializer(StrictSerializer):
    to = serializers.ChoiceField(choices=list(decisions.TARGETS), help_text="The new status.")
    reason = TextField(required=False, allow_blank=True, max_length=255)
    clause = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="The number of the guideline clause the comment breaks. A removal cites a "
        "clause or a category.",
    )
    category = serializers.ChoiceField(
        choices=Statement.Category.values,
        required=False,
        allow_blank=True,
        help_text="For illegal content: its Transparency Database category.",
    )

    def validate_clause(self, number):
        if number is None:
            return None
        clause = Guideline.objects.filter(number=number, active=True).first()
        if clause is None:
            raise serializers.ValidationError("No guideline clause has that number.")
        return clause


class ModerationCommentSerializer(CommentSerializer):
    status = serializers.ChoiceField(choices=S.choices)
    status_reason = serializers.CharField(allow_blank=True)
    author_email = serializers.CharField(allow_blank=True)
    ip_address = serializers.CharField(allow_null=True)
    open_reports = serializers.IntegerField()


class UsefulSerializer(serializers.Serializer):
    comment = serializers.IntegerField(help_text="The id of the comment.")
    useful = serializers.BooleanField(help_text="Whether this reader's vote now stands.")
    useful_count = serializers.IntegerField(min_value=0)


class ReportedSerializer(serializers.Serializer):
    reported = serializers.IntegerField(help_text="The id of the comment reported.")


def comment_url_template() -> str:
    return reverse("comments:permalink", args=[0]).replace("/0/", "/{}/")


def as_dict(
    comment,
    article_slug: str,
    url_template: str,
    *,
    own: bool = False,
    badges: dict[int, tuple[str, ...]] | None = None,
    sources: dict | None = None,
) -> dict:
    """A comment (model or the page's ShownComment) as the API shows it; `badges` are
    `comments.threads.badges.badges_for` of its discussion."""
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
        "useful_count": comment.useful_count,
        "picked": shown and comment.picked_at is not None,
        "pick_note": (comment.pick_note or None) if shown and comment.picked_at else None,
        "badges": list((badges or {}).get(comment.user_id, ())) if shown else [],
        "mentions": list(comment.mentions) if shown else [],
        "sources": [_source(s) for s in (sources or {}).get(comment.id, ())] if shown else [],
        "kind": comment.kind,
        "article_revision": comment.article_revision,
        "anchor": _anchor(comment) if shown else None,
        "resolution": _resolution(comment, own=own) if shown else None,
        "removal": _removal(comment) if status == S.REMOVED else None,
    }


def _removal(comment) -> dict | None:
    """Why a moderator removed the comment, as its tombstone says: from the page's row (its
    statement came in the thread's query) or from a model. Never who reported it."""
    if hasattr(comment, "statement_measure"):  # a ShownComment
        measure, ground, clause, category, public_reason = (
            comment.statement_measure,
            comment.statement_ground,
            comment.statement_clause_number,
            comment.statement_category,
            comment.statement_public_reason,
        )
    else:
        found = comment.statement if comment.statement_id else None
        if found is None:
            return None
        measure, ground, category, public_reason = (
            found.measure,
            found.ground,
            found.category,
            found.public_reason,
        )
        clause = found.clause.number if found.clause_id else None
    if measure is None:
        return None
    return {
        "measure": measure,
        "ground": ground,
        "clause": clause,
        "category": category or None,
        "public_reason": public_reason,
    }


_ANCHOR_FIELDS = ("exact", "prefix", "suffix", "start", "end", "revision", "state")


def _anchor(comment) -> dict | None:
    """From the page's row (a LEFT JOIN brought its columns) or from a model."""
    if hasattr(comment, "anchor_exact"):  # a ShownComment
        if comment.anchor_exact is None:
            return None
        return {name: getattr(comment, f"anchor_{name}") for name in _ANCHOR_FIELDS}
    try:
        found = comment.anchor
    except ObjectDoesNotExist:
        return None
    return {name: getattr(found, name) for name in _ANCHOR_FIELDS}


def _source(source) -> dict:
    return {
        "url": source.url,
        "title": source.title,
        "publisher": source.publisher,
        "published": source.published,
        "status": source.status,
        "checked_at": source.checked_at,
        "unreachable_since": source.unreachable_since,
        "archived_url": source.archived_url,
    }


_ANSWERED, _DECLINED = str(Resolution.State.ANSWERED.value), str(Resolution.State.DECLINED.value)
_RESOLVED_KINDS = (Comment.Kind.QUESTION, Comment.Kind.CORRECTION)


def _resolution(comment, *, own: bool) -> dict | None:
    """The comment's resolution as the API shows it: from the page's row (its columns came in
    the thread's query) or from a model (`comment_for` and the change feed join it)."""
    if hasattr(comment, "resolution_state"):  # a ShownComment
        state, note, answer, revision, decided_at = (
            comment.resolution_state,
            comment.resolution_note,
            comment.resolution_answer_id,
            comment.resolution_revision,
            comment.resolution_decided_at,
        )
    else:
        if comment.kind not in _RESOLVED_KINDS:
            return None
        try:
            found = comment.resolution
        except Resolution.DoesNotExist:
            return None
        state, note, answer, revision, decided_at = (
            found.state,
            found.note,
            found.answer_id,
            found.revision,
            found.decided_at,
        )
    if state is None:
        return None
    if state == _DECLINED and not own:
        note = ""  # for the reader who sent the correction (and the admin) only
    return {
        "state": state,
        "note": note or None,
        "answer": answer if state == _ANSWERED else None,
        "revision": revision,
        "decided_at": decided_at,
    }
