"""The Big List of Naughty Strings (tests/fixtures/blns) through every field a reader fills in,
then through every output once all is approved.

Inputs: the comment form's name, comment, email and website, the API's new comment and edit,
and the report form's note. Outputs: the article page with the whole discussion, both comment
feeds, the API thread and the WXR export (and, with each string as an article's title and
standfirst, the site's feeds). The promise (articles.text): no answer is a server
error; a text taken is stored as sent apart from the rule for reader text (and the trimming
and, in a name, the collapsed white space the forms add); a text refused is a form error
about its field, and nothing is stored.

The strings are sent once for the whole module (about 2,400 requests) and rolled back after.
"""

import io
import itertools
import json
import re
from collections import Counter
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from defusedxml import ElementTree
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from rest_framework.throttling import UserRateThrottle

from articles import feeds as article_feeds
from articles.models import Article
from articles.text import carriable
from comments.models import Comment, ModerationSettings, Report
from comments.moderation.transitions import change_statuses
from comments.threads import feeds
from tests.api.conftest import client_for
from tests.factories import ArticleFactory, CommentFactory, UserFactory, comment_form

pytestmark = pytest.mark.django_db

BLNS = json.loads((Path(__file__).parent / "fixtures/blns/blns.json").read_text("utf-8"))
WP = "{http://wordpress.org/export/1.2/}"
ATOM = "{http://www.w3.org/2005/Atom}"
DC = "{http://purl.org/dc/elements/1.1/}"
FIELDS = ["form name", "form body", "form email", "form url", "api body", "api edit", "report note"]
ACCEPTED = {"form": 302, "api body": 201, "api edit": 200, "report note": 302}


@dataclass(frozen=True)
class Outcome:
    """What became of one string sent in one field."""

    field: str
    text: str
    status: int
    expected: str  # the value the rule for reader text predicts
    stored: str | None  # the value stored, when the text was taken
    error_on_field: bool = False  # refused with an error naming the field
    wrote: bool = False  # refused, yet a row was written or changed

    @property
    def accepted(self) -> bool:
        return self.status == ACCEPTED.get(self.field, ACCEPTED["form"])


@dataclass
class Sent:
    article: object
    outcomes: list[Outcome]
    refused_with_others: list[Outcome]
    statuses: list[tuple[str, str, int]]  # every request: what, text, status


def _trimmed(text: str) -> str:
    return carriable(text).strip()


def _collapsed(text: str) -> str:
    return " ".join(carriable(text).split())


def _with_scheme(text: str) -> str:
    """The website field takes "example.com" as https://example.com."""
    value = _trimmed(text)
    return value if "://" in value or not value else f"https://{value}"


def _last_comment_pk() -> int:
    return Comment.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


class _Form:
    """Sends the comment form as one new reader each time (fresh email, body and browser)."""

    EXPECTED = {"name": _collapsed, "body": _trimmed, "email": _trimmed, "url": _with_scheme}
    COLUMN = {"name": "author_name", "body": "body", "email": "author_email", "url": "author_url"}

    def __init__(self, article, statuses):
        self.article, self.statuses, self.serial = article, statuses, itertools.count()
        self.refused_with_others: list[Outcome] = []  # a field without error in a refused form

    def send(self, text: str, *names: str) -> dict[str, Outcome]:
        n = next(self.serial)
        data = comment_form(
            name=f"Reader {n}", email=f"reader{n}@example.com", url="", body=f"Comment {n}."
        )
        data.update(dict.fromkeys(names, text))
        before = _last_comment_pk()
        client = Client(raise_request_exception=False, REMOTE_ADDR=f"10.1.{n // 250}.{n % 250}")
        response = client.post(f"/articles/{self.article.slug}/comments/", data)
        self.statuses.append((f"form {'+'.join(names)}", text, response.status_code))
        created = Comment.objects.filter(pk__gt=before)
        errors = response.context["comment_form"].errors if response.status_code == 400 else {}
        comment = created.first() if response.status_code == 302 else None
        return {
            name: Outcome(
                field=f"form {name}",
                text=text,
                status=response.status_code,
                expected=self.EXPECTED[name](text),
                stored=getattr(comment, self.COLUMN[name]) if comment else None,
                error_on_field=name in errors,
                wrote=comment is None and created.exists(),
            )
            for name in names
        }

    def send_all(self, text: str, names: list[str]) -> dict[str, Outcome]:
        """`text` in every field of `names` at once. A field refused with an error of its own
        keeps that answer; the others are sent again without it (one by one when no error
        names them), so each field's answer is its own."""
        answers = self.send(text, *names)
        if len(names) == 1 or all(outcome.accepted for outcome in answers.values()):
            return answers
        refused = {name: outcome for name, outcome in answers.items() if outcome.error_on_field}
        self.refused_with_others += [o for o in answers.values() if not o.error_on_field]
        if not refused:
            return {k: v for name in names for k, v in self.send_all(text, [name]).items()}
        rest = [name for name in names if name not in refused]
        return {**refused, **(self.send_all(text, rest) if rest else {})}

    def send_everything(self) -> list[Outcome]:
        return [
            outcome
            for text in BLNS
            for outcome in self.send_all(text, ["name", "body", "email", "url"]).values()
        ]


def _api_error_fields(response) -> set[str]:
    if response.status_code != 400:
        return set()
    return set((response.json()["error"].get("fields") or {}).keys())


class _Writer:
    """A signed-in reader with an API token and a comment of theirs to edit."""

    def __init__(self, article, n: int):
        user = UserFactory(username=f"writer{n}", first_name="Writer", last_name=str(n))
        self.draft = CommentFactory(article=article, user=user, author_name=user.get_full_name())
        self.api = client_for(user)
        self.api.raise_request_exception = False


def _send_to_the_api(article, statuses) -> list[Outcome]:
    """Each string posted as a new comment, and sent as an edit of a comment. A string that
    comes again goes to the next writer, so that none is refused as a duplicate."""
    writers: list[_Writer] = []
    seen: Counter[str] = Counter()
    outcomes = []
    for text in BLNS:
        n = seen[_trimmed(text)]
        seen[_trimmed(text)] += 1
        if n == len(writers):
            writers.append(_Writer(article, n))
        outcomes += [_api_post(article, writers[n], text), _api_edit(writers[n], text)]
        statuses += [(outcome.field, text, outcome.status) for outcome in outcomes[-2:]]
    return outcomes


def _api_post(article, writer: _Writer, text: str) -> Outcome:
    before = _last_comment_pk()
    response = writer.api.post(
        f"/api/v1/articles/{article.slug}/comments/", {"body": text, "parent": None}, format="json"
    )
    created = Comment.objects.filter(pk__gt=before)
    comment = created.first() if response.status_code == 201 else None
    return Outcome(
        field="api body",
        text=text,
        status=response.status_code,
        expected=_trimmed(text),
        stored=comment.body if comment else None,
        error_on_field="body" in _api_error_fields(response),
        wrote=comment is None and created.exists(),
    )


def _api_edit(writer: _Writer, text: str) -> Outcome:
    before = Comment.objects.values_list("body", flat=True).get(pk=writer.draft.pk)
    response = writer.api.patch(
        f"/api/v1/comments/{writer.draft.pk}/", {"body": text}, format="json"
    )
    after = Comment.objects.values_list("body", flat=True).get(pk=writer.draft.pk)
    return Outcome(
        field="api edit",
        text=text,
        status=response.status_code,
        expected=_trimmed(text),
        stored=after if response.status_code == 200 else None,
        error_on_field="body" in _api_error_fields(response),
        wrote=response.status_code != 200 and after != before,
    )


def _send_reports(target, statuses) -> list[Outcome]:
    """Each string as the note of a report on one comment, from a reader of its own."""
    outcomes = []
    for n, text in enumerate(BLNS):
        before = Report.objects.count()
        client = Client(raise_request_exception=False, REMOTE_ADDR=f"10.2.{n // 250}.{n % 250}")
        response = client.post(f"/comments/{target.pk}/report/", {"reason": "other", "note": text})
        statuses.append(("report note", text, response.status_code))
        report = Report.objects.order_by("-pk").first() if response.status_code == 302 else None
        errors = response.context["form"].errors if response.status_code == 400 else {}
        outcomes.append(
            Outcome(
                field="report note",
                text=text,
                status=response.status_code,
                expected=_trimmed(text),
                stored=report.note if report else None,
                error_on_field="note" in errors,
                wrote=report is None and Report.objects.count() != before,
            )
        )
    return outcomes


def _hold_every_post():
    """Every comment waits for a moderator (all are approved together at the end), and no
    other check of the pipeline stands between a string and its field: no flood control, no
    minimum time on the form, no link limit, room for any length."""
    limits = ModerationSettings.current()
    limits.require_approval = True
    limits.flood_seconds = 0
    limits.min_seconds_to_submit = 0
    limits.link_limit = 10_000
    limits.max_length = 100_000
    limits.save()


def _summary(outcomes: list[Outcome]) -> str:
    parts = []
    for field in FIELDS:
        mine = [outcome for outcome in outcomes if outcome.field == field]
        taken = sum(outcome.accepted for outcome in mine)
        server_errors = sum(outcome.status >= 500 for outcome in mine)
        parts.append(f"{field} {taken}/{len(mine) - taken - server_errors}/{server_errors}")
    taken = sum(outcome.accepted for outcome in outcomes)
    server_errors = sum(outcome.status >= 500 for outcome in outcomes)
    return (
        f"BLNS: {len(BLNS)} strings x {len(FIELDS)} fields = {len(outcomes)}: "
        f"accepted {taken}, refused {len(outcomes) - taken - server_errors}, "
        f"5xx {server_errors} (accepted/refused/5xx: {'; '.join(parts)})"
    )


@pytest.fixture(scope="module")
def sent(django_db_setup, django_db_blocker):
    """Every string through every input, then every comment approved; rolled back afterwards."""
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=hashers),
        pytest.MonkeyPatch.context() as patch,
        transaction.atomic(),
    ):
        # A writer sends hundreds of requests in seconds; the limits have their own test.
        patch.setattr(UserRateThrottle, "THROTTLE_RATES", {"anon": "100/s", "user": "10000/s"})
        cache.clear()
        try:
            _hold_every_post()
            article = ArticleFactory(title="Naughty strings", slug="naughty")
            statuses: list[tuple[str, str, int]] = []
            form = _Form(article, statuses)
            outcomes = form.send_everything()
            outcomes += _send_to_the_api(article, statuses)
            outcomes += _send_reports(CommentFactory(article=ArticleFactory()), statuses)
            staff = UserFactory(username="naughty-moderator", is_staff=True)
            change_statuses(list(Comment.objects.filter(article=article)), "approved", actor=staff)
            print(f"\n{_summary(outcomes)}")
            yield Sent(article, outcomes, form.refused_with_others, statuses)
        finally:
            transaction.set_rollback(True)
            cache.clear()


def _comments(article) -> list[Comment]:
    return list(Comment.objects.filter(article=article).order_by("pk"))


# --- Inputs -----------------------------------------------------------------------------------


def test_every_field_sees_every_string(sent):
    assert Counter(outcome.field for outcome in sent.outcomes) == dict.fromkeys(FIELDS, len(BLNS))


def test_no_string_in_any_field_gets_a_server_error(sent):
    allowed = {"api body": {201, 400}, "api edit": {200, 400}}
    unexpected = [
        (what, text, status)
        for what, text, status in sent.statuses
        if status not in allowed.get(what, {302, 400})
    ]

    assert unexpected == []


def test_every_text_taken_is_stored_as_sent_apart_from_the_rule(sent):
    changed = [
        (outcome.field, outcome.text, outcome.expected, outcome.stored)
        for outcome in sent.outcomes
        if outcome.accepted and outcome.stored != outcome.expected
    ]

    assert changed == []


def test_every_text_refused_is_an_error_about_its_field_and_stores_nothing(sent):
    wrong = [
        (outcome.field, outcome.text, outcome.status)
        for outcome in sent.outcomes
        if not outcome.accepted and (not outcome.error_on_field or outcome.wrote)
    ]

    assert wrong == []


def test_a_form_refused_for_another_field_stores_nothing(sent):
    wrong = [(o.field, o.text, o.status) for o in sent.refused_with_others if o.wrote]

    assert sent.refused_with_others
    assert wrong == []


@pytest.mark.parametrize(
    ("field", "longest", "may_be_empty"),
    [
        ("form name", 100, False),
        ("form body", 100_000, False),
        ("api body", 100_000, False),
        ("api edit", 100_000, False),
        ("report note", 1000, True),
    ],
)
def test_free_text_is_refused_only_when_empty_or_too_long(sent, field, longest, may_be_empty):
    def refusable(outcome: Outcome) -> bool:
        empty = not outcome.expected and not may_be_empty
        return empty or len(_trimmed(outcome.text)) > longest

    wrongly = [
        (outcome.text, outcome.status)
        for outcome in sent.outcomes
        if outcome.field == field and outcome.accepted == refusable(outcome)
    ]

    assert wrongly == []


# --- Outputs ----------------------------------------------------------------------------------


class _AuthorNames(HTMLParser):
    """The text of each comment's author line, by comment id, as a browser reads it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.names: dict[int, str] = {}
        self._current: int | None = None

    def handle_starttag(self, tag, attrs):
        match = re.fullmatch(r"comment-(\d+)-author", dict(attrs).get("id") or "")
        if match:
            self._current = int(match[1])
            self.names[self._current] = ""

    def handle_endtag(self, tag):
        if tag == "span":
            self._current = None

    def handle_data(self, data):
        if self._current is not None:
            self.names[self._current] += data


def test_the_article_page_shows_every_comment_and_author(sent, client, settings):
    settings.COMMENTS_PER_PAGE = 0

    response = client.get(f"/articles/{sent.article.slug}/")

    assert response.status_code == 200
    page = response.content.decode()
    parser = _AuthorNames()
    parser.feed(page)
    comments = _comments(sent.article)
    assert [c.pk for c in comments if f'id="comment-{c.pk}"' not in page] == []
    assert [c.pk for c in comments if escape(c.author_name) not in page] == []
    assert {c.pk: c.author_name for c in comments} == parser.names
    assert [c.pk for c in comments if c.body_html not in page] == []


def _feed_items(content: bytes, kind: str) -> dict[int, tuple[str, str]]:
    """(author, body html) of each item, by comment id."""
    root = ElementTree.fromstring(content)
    items = {}
    if kind == "rss":
        for item in root.iter("item"):
            pk = int(re.search(r"/comments/(\d+)/", item.findtext("link"))[1])
            items[pk] = (item.findtext(f"{DC}creator"), item.findtext("description"))
    else:
        for entry in root.iter(f"{ATOM}entry"):
            pk = int(re.search(r"/comments/(\d+)/", entry.findtext(f"{ATOM}id"))[1])
            items[pk] = (
                entry.findtext(f"{ATOM}author/{ATOM}name"),
                entry.findtext(f"{ATOM}summary"),
            )
    return items


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_both_comment_feeds_carry_every_comment(sent, client, monkeypatch, kind):
    comments = _comments(sent.article)
    monkeypatch.setattr(feeds, "FEED_LENGTH", len(comments) + 1)

    response = client.get(f"/articles/{sent.article.slug}/comments/feed/{kind}/")

    assert response.status_code == 200
    items = _feed_items(response.content, kind)
    assert items == {c.pk: (carriable(c.author_name), carriable(c.body_html)) for c in comments}


def test_the_api_thread_carries_every_comment(sent, client):
    response = client.get(f"/api/v1/articles/{sent.article.slug}/comments/")

    assert response.status_code == 200
    shown = {
        entry["id"]: (entry["author"]["name"], entry["author"]["website"], entry["html"])
        for entry in response.json()["comments"]
    }
    comments = _comments(sent.article)
    assert shown == {c.pk: (c.author_name, c.author_url, c.body_html) for c in comments}


def test_the_wxr_export_carries_every_comment(sent):
    out = io.StringIO()
    call_command("export_discussions", "--format", "wxr", stdout=out)

    root = ElementTree.fromstring(out.getvalue().encode())
    (item,) = (i for i in root.iter("item") if i.findtext(f"{WP}post_name") == sent.article.slug)
    exported = {
        int(c.findtext(f"{WP}comment_id")): tuple(
            c.findtext(f"{WP}comment_{part}") or ""
            for part in ("author", "author_email", "author_url", "content")
        )
        for c in item.iter(f"{WP}comment")
    }
    assert exported == {
        c.pk: (c.author_name, c.author_email, c.author_url, c.body_html)
        for c in _comments(sent.article)
    }


def _article_items(content: bytes, kind: str) -> dict[str, tuple[str, str]]:
    """(title, summary) of each article in a site feed, by slug."""
    root = ElementTree.fromstring(content)
    if kind == "rss":
        rows = [
            (i.findtext("link"), i.findtext("title"), i.findtext("description"))
            for i in root.iter("item")
        ]
    else:
        rows = [
            (
                e.find(f"{ATOM}link").get("href"),
                e.findtext(f"{ATOM}title"),
                e.findtext(f"{ATOM}summary"),
            )
            for e in root.iter(f"{ATOM}entry")
        ]
    return {
        re.search(r"/articles/([^/]+)/", link)[1]: (title or "", summary or "")
        for link, title, summary in rows
    }


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_the_site_feeds_carry_every_string_as_a_title_and_standfirst(client, monkeypatch, kind):
    """Editors write these, not readers; still, no text of theirs may break a feed."""
    monkeypatch.setattr(article_feeds, "FEED_LENGTH", len(BLNS) + 10)
    # A title holds 200 characters (PostgreSQL enforces it; SQLite would not).
    Article.objects.bulk_create(
        ArticleFactory.build(title=text[:200], standfirst=text, slug=f"title-{n}")
        for n, text in enumerate(BLNS)
    )

    response = client.get(f"/feeds/{kind}/")

    assert response.status_code == 200
    items = _article_items(response.content, kind)
    assert {slug: items.get(slug) for slug in (f"title-{n}" for n in range(len(BLNS)))} == {
        f"title-{n}": (carriable(text[:200]), carriable(text)) for n, text in enumerate(BLNS)
    }
