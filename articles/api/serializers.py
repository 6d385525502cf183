from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from articles.models import Article, ArticleRevision, Topic


class TopicSerializer(serializers.ModelSerializer):
    class Meta:
        model = Topic
        fields = ["name", "slug"]


class HeroSerializer(serializers.Serializer):
    url = serializers.CharField()
    alt = serializers.CharField()
    caption = serializers.CharField()


class ArticleSerializer(serializers.ModelSerializer):
    """An article of `queries.latest_articles_unjoined()` after `queries.attach_bylines()`."""

    authors = serializers.ListField(
        source="author_names", child=serializers.CharField(), read_only=True
    )
    topics = TopicSerializer(source="topic_list", many=True, read_only=True)
    comment_count = serializers.IntegerField(read_only=True)
    links = serializers.SerializerMethodField()

    class Meta:
        model = Article
        fields = [
            "slug", "title", "standfirst", "authors", "topics", "published_at", "updated_at",
            "revision", "reading_minutes", "comment_count", "links",
        ]  # fmt: skip

    @extend_schema_field(serializers.DictField(child=serializers.CharField()))
    def get_links(self, article) -> dict[str, str]:
        request = self.context["request"]
        slug = article.slug
        return {
            "html": request.build_absolute_uri(article.get_absolute_url()),
            "self": request.build_absolute_uri(reverse("api:article-detail", args=[slug])),
            "comments": request.build_absolute_uri(reverse("api:article-comments", args=[slug])),
            "comments_tree": request.build_absolute_uri(
                reverse("api:article-comments-tree", args=[slug])
            ),
            "revisions": request.build_absolute_uri(reverse("api:article-revisions", args=[slug])),
        }


class ArticleDetailSerializer(ArticleSerializer):
    body_html = serializers.CharField(read_only=True)
    toc = serializers.JSONField(read_only=True)
    discussion_prompt = serializers.CharField(read_only=True)
    comment_policy = serializers.CharField(source="effective_comment_policy", read_only=True)
    hero = serializers.SerializerMethodField()

    class Meta(ArticleSerializer.Meta):
        fields = [
            *ArticleSerializer.Meta.fields, "body_html", "toc", "discussion_prompt",
            "comment_policy", "hero",
        ]  # fmt: skip

    @extend_schema_field(HeroSerializer(allow_null=True))
    def get_hero(self, article) -> dict | None:
        if not article.hero_image:
            return None
        return {
            "url": self.context["request"].build_absolute_uri(article.hero_image.url),
            "alt": article.hero_alt,
            "caption": article.hero_caption,
        }


class RevisionSerializer(serializers.ModelSerializer):
    """A revision of `queries.revision_history()`: when, by whom, why; not its text."""

    editor = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()

    class Meta:
        model = ArticleRevision
        fields = ["number", "published_at", "editor", "note", "links"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_editor(self, revision) -> str | None:
        """The editor's name, never their address; null when not known."""
        return revision.editor_name or None

    @extend_schema_field(serializers.DictField(child=serializers.CharField()))
    def get_links(self, revision) -> dict[str, str]:
        request = self.context["request"]
        slug, number = revision.article.slug, revision.number
        return {
            "html": request.build_absolute_uri(revision.get_absolute_url()),
            "self": request.build_absolute_uri(
                reverse("api:article-revision", args=[slug, number])
            ),
        }


class RevisionListSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="How many revisions; the latest has this number.")
    results = RevisionSerializer(many=True, help_text="Oldest first.")


class RevisionDetailSerializer(RevisionSerializer):
    """One revision with its text: the source the editor wrote (Markdown, or HTML for an
    imported article), the HTML readers were shown, and the plain text that passages of it
    are counted in (blocks separated by a blank line)."""

    class Meta(RevisionSerializer.Meta):
        fields = [
            *RevisionSerializer.Meta.fields, "title", "standfirst", "body", "body_format",
            "body_html", "plain_text",
        ]  # fmt: skip
