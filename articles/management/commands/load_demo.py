"""Load the demo articles, topics and accounts. Safe to run again: it updates in place."""

import hashlib
import io
import math
from datetime import timedelta
from pathlib import Path

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image, ImageDraw

from articles.models import Article, Topic
from articles.services import save_article
from comments.threads.seeding import seed_discussion

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"
# An article with a file of the same name here is published with that text first, then
# revised to the text in DEMO_DIR: its revision pages have something to show.
EARLIER_DIR = DEMO_DIR / "earlier"

# Local demo accounts only: the command refuses to run with DEBUG off unless forced.
DEMO_ACCOUNTS = [
    # username, email, password, is_staff, is_superuser, permissions
    ("editor", "editor@example.com", "editor-demo-password", True, True, []),
    (
        "moderator",
        "moderator@example.com",
        "moderator-demo-password",
        True,
        False,
        ["view_article"],
    ),
    ("reader", "reader@example.com", "reader-demo-password", False, False, []),
]


def parse_demo_file(path: Path) -> tuple[dict[str, str], str]:
    """Split a demo article into its `key: value` front matter and its Markdown body."""
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        raise CommandError(f"{path.name}: missing front matter")
    head, sep, body = text[4:].partition("\n---\n")
    if not sep:
        raise CommandError(f"{path.name}: front matter is not closed by ---")
    meta = {}
    for number, line in enumerate(head.splitlines(), start=2):
        key, colon, value = line.partition(":")
        if not colon:
            raise CommandError(f"{path.name}:{number}: expected 'key: value'")
        meta[key.strip()] = value.strip()
    return meta, body.strip() + "\n"


def hero_png(seed: str) -> bytes:
    """An abstract 1600x900 illustration, drawn from the slug so each article has its own."""
    digest = hashlib.sha256(seed.encode()).digest()
    width, height = 1600, 900
    top = (digest[0] // 3, digest[1] // 3 + 20, digest[2] // 2 + 60)
    bottom = (digest[3] // 2 + 90, digest[4] // 2 + 60, digest[5] // 3 + 30)
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):
        t = y / (height - 1)
        draw.line(
            [(0, y), (width, y)],
            fill=tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)),
        )
    centre = (width * (0.35 + digest[6] / 800), height * (0.4 + digest[7] / 1200))
    for i in range(48):
        angle = 2 * math.pi * i / 48 + digest[8] / 40
        reach = 700 + 300 * (digest[9 + i % 20] / 255)
        start = (centre[0] + reach * math.cos(angle), centre[1] + reach * math.sin(angle))
        shade = 150 + digest[i % 32] // 3
        draw.line([start, centre], fill=(shade, shade, min(255, shade + 40)), width=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


class Command(BaseCommand):
    help = "Load demo articles, topics and accounts (editor, moderator, reader)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("Demo content and passwords are for local use; pass --force.")
        files = sorted(DEMO_DIR.glob("*.md"))
        if not files:
            raise CommandError(f"No demo articles in {DEMO_DIR}")
        with transaction.atomic():
            self._accounts()
            articles = [self._article(*parse_demo_file(path)) for path in files]
            call_command("make_moderator", "moderator", stdout=io.StringIO())
            discussed = next(a for a in articles if a.is_live and a.comment_policy == "open")
            if not discussed.comments.exists():
                seed_discussion(discussed, 40)
        self.stdout.write(f"Demo content: {len(articles)} articles, a discussion of 40 comments.")
        for username, email, password, is_staff, *_ in DEMO_ACCOUNTS:
            role = "staff" if is_staff else "reader"
            self.stdout.write(f"  {username:<10} {email:<24} password: {password}  ({role})")

    def _accounts(self) -> None:
        User = get_user_model()
        for username, email, password, is_staff, is_superuser, perms in DEMO_ACCOUNTS:
            user, _ = User.objects.get_or_create(username=username, defaults={"email": email})
            user.email = email
            user.is_staff = is_staff
            user.is_superuser = is_superuser
            user.set_password(password)
            user.save()
            user.user_permissions.set(Permission.objects.filter(codename__in=perms))
            EmailAddress.objects.update_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )

    def _author(self, name: str):
        User = get_user_model()
        first, _, last = name.partition(" ")
        user, _ = User.objects.get_or_create(
            username=slugify(name), defaults={"first_name": first, "last_name": last}
        )
        return user

    def _article(self, meta: dict[str, str], body: str) -> Article:
        now = timezone.now()
        slug = meta["slug"]
        article = Article.objects.filter(slug=slug).first() or Article(slug=slug)
        editor = get_user_model().objects.get(username="editor")
        earlier = EARLIER_DIR / f"{slug}.md"
        if earlier.exists() and not article.revision:
            # First load: publish the text as it first appeared, then revise it.
            earlier_meta, earlier_body = parse_demo_file(earlier)
            self._fill(article, meta | earlier_meta, earlier_body, now)
            save_article(article=article, editor=editor)
        self._fill(article, meta, body, now)
        save_article(article=article, editor=editor, note=meta.get("revision_note", ""))
        if (revised := meta.get("revised_days_ago")) and article.revision > 1:
            when = now - timedelta(days=int(revised))
            article.revisions.filter(number=article.revision).update(published_at=when)
            Article.objects.filter(pk=article.pk).update(updated_at=when)
        article.authors.set([self._author(name.strip()) for name in meta["authors"].split(",")])
        article.topics.set(
            [
                Topic.objects.get_or_create(slug=slugify(name), defaults={"name": name.strip()})[0]
                for name in meta.get("topics", "").split(",")
                if name.strip()
            ]
        )
        return article

    def _fill(self, article: Article, meta: dict[str, str], body: str, now) -> None:
        article.title = meta["title"]
        article.standfirst = meta["standfirst"]
        article.body = body
        article.status = meta["status"]
        days = meta.get("published_days_ago")
        article.published_at = now - timedelta(days=int(days)) if days else None
        article.hero_caption = meta.get("hero_caption", "")
        article.hero_alt = meta.get("hero_alt", "")
        article.discussion_prompt = meta.get("discussion_prompt", "")
        article.comment_policy = meta.get("comment_policy", Article.CommentPolicy.OPEN)
        if not article.hero_image:
            slug = article.slug
            article.hero_image.save(f"{slug}.png", ContentFile(hero_png(slug)), save=False)
