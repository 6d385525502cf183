import time
from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.text import slugify

from articles.models import Article, Topic
from articles.services import save_article
from comments.forms import form_shown_token
from comments.models import Comment
from comments.moderation import roles
from comments.threads import placement
from comments.threads.rendering import render_comment


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("correct horse battery staple")


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.LazyAttribute(lambda topic: slugify(topic.name))


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Analysis number {n}")
    slug = factory.LazyAttribute(lambda article: slugify(article.title))
    standfirst = "A short summary of the argument."
    body = (
        "Opening paragraph.\n\n## The argument\n\nSome words.\n\n"
        "## What to watch\n\n1. One\n2. Two\n"
    )
    status = Article.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    discussion_prompt = "What do you see as the greatest risk? Share your thoughts below."

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """Saved as the admin saves one, so a published article has its revision 1."""
        article = model_class(*args, **kwargs)
        save_article(article=article, editor=None)
        return article

    @factory.post_generation
    def authors(self, create, extracted, **kwargs):
        if create:
            self.authors.set(extracted if extracted is not None else [UserFactory()])

    @factory.post_generation
    def topics(self, create, extracted, **kwargs):
        if create and extracted:
            self.topics.set(extracted)


class CommentFactory(factory.django.DjangoModelFactory):
    """A comment placed in its thread as the posting service would place it."""

    class Meta:
        model = Comment

    article = factory.LazyAttribute(
        lambda comment: comment.parent.article if comment.parent else ArticleFactory()
    )
    parent = None
    # Any shape a test asks for: no depth limit.
    depth = factory.LazyAttribute(lambda c: placement.place(c.parent, max_depth=None).depth)
    author_name = factory.Faker("name")
    author_email = factory.LazyAttribute(
        lambda comment: f"{slugify(comment.author_name)}@example.com"
    )
    body = factory.Faker("paragraph")
    body_html = factory.LazyAttribute(lambda comment: render_comment(comment.body))
    status = Comment.Status.APPROVED

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        kwargs["root_id"] = placement.place(kwargs.get("parent"), max_depth=None).root_id
        comment = super()._create(model_class, *args, **kwargs)
        placement.root_new_threads([comment])
        return comment


def comment_form(**fields) -> dict:
    """What a reader's browser sends with the comment form, shown a minute ago."""
    return {
        "name": "Ann Reader",
        "email": "ann@example.com",
        "url": "https://ann.example.org/",
        "body": "The insurance angle is underrated.",
        "shown_at": form_shown_token(time.time() - 60),
        **fields,
    }


def moderator_user(**fields):
    """A moderator as `make_moderator` makes one: staff, in the moderators' group."""
    user = UserFactory(**fields)
    roles.make_moderator(user)
    return user


def give_totp(user) -> str:
    """Give `user` an authenticator app (TOTP) as allauth stores one; return its secret."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import generate_totp_secret

    secret = generate_totp_secret()
    Authenticator.objects.update_or_create(
        user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": secret}}
    )
    return secret


def totp_code(secret: str, at: float | None = None) -> str:
    """The code an authenticator app shows for `secret` now (RFC 6238, allauth's own maths)."""
    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    counter = int(time.time() if at is None else at) // app_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))


def sign_in_staff(client, user) -> None:
    """Sign a staff `user` in on a test client as if through the sign-in page with 2FA.

    `force_login` alone makes a session the admin refuses (no second factor): this gives the
    account an authenticator app and records in the session that it passed the MFA step, the
    way allauth's own MFA form does.
    """
    from allauth.account.internal.flows.login import record_authentication
    from allauth.mfa.models import Authenticator
    from django.test import RequestFactory

    give_totp(user)
    client.force_login(user)
    request = RequestFactory().get("/")
    request.session = client.session
    totp = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    record_authentication(request, user, "mfa", id=totp.pk, type="totp")
    request.session.save()


def sign_in(client, user) -> None:
    """`force_login` for readers, `sign_in_staff` for staff: for helpers that take either."""
    if user.is_staff or user.is_superuser:
        sign_in_staff(client, user)
    else:
        client.force_login(user)
