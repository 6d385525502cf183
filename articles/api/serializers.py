from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from articles.models import Article, Topic


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
            "reading_minutes", "comment_count", "links",
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
