"""Comments on a passage and on a version: the form carries the signed revision read and the
passage chosen; the article shows markers beside paragraphs; every revision places the
anchors again, and an anchor that cannot be placed is kept, listed under earlier text."""

import re
from datetime import timedelta

import pytest
from django.db.models import F
from django.test import Client
from django.utils import timezone

from articles.services import save_article
from comments.models import Anchor, Comment, ModerationSettings
from comments.passages import placing
from tests.factories import ArticleFactory, CommentFactory, UserFactory, comment_form

pytestmark = pytest.mark.django_db

BODY = (
    "Freight rates doubled in a month as ships avoided the strait.\n\n"
    "Insurers raised premiums for every vessel in the region.\n\n"
    "The central bank says the price shock will pass by spring.\n\n"
    "Ports further south are busier than they have been in years."
)


@pytest.fixture(autouse=True)
def _publish_at_once():
    limits = ModerationSettings.current()
    limits.hold_first_comments = False
    limits.save()


@pytest.fixture
def article(db):
    return ArticleFactory(body=BODY)


def _ids(client, article) -> dict[str, str]:
    """paragraph text -> its id, as the page shows them."""
    html = client.get(article.get_absolute_url()).content.decode()
    return {text: ident for ident, text in re.findall(r'<p id="(p-[0-9a-f]+)">(.*?)</p>', html)}


def _token(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def _post(client, article, address="127.0.0.1", **fields):
    return client.post(
        f"/articles/{article.slug}/comments/", comment_form(**fields), REMOTE_ADDR=address
    )


def test_every_paragraph_offers_a_comment_link_and_the_form_signs_the_revision(client, article):
    html = client.get(article.get_absolute_url()).content.decode()
    assert (
        html.count('class="passage-tools__comment"') == 4
    )  # every paragraph (this text has no headings)
    assert placing.revision_from(_token(html, "revision"), article) == 1


def test_a_comment_on_a_paragraph_without_javascript(client, article):
    ids = _ids(client, article)
    paragraph = "Insurers raised premiums for every vessel in the region."
    form = client.get(f"{article.get_absolute_url()}?passage={ids[paragraph]}").content.decode()
    shown = 'class="comment-passage__words" aria-labelledby="comment-passage-intro">'
    assert f"{shown}{paragraph}</blockquote>" in form
    response = _post(
        client, article, body="Which insurers?", anchor=_token(form, "anchor"),
        revision=_token(form, "revision"),
    )  # fmt: skip
    assert response.status_code == 302
    anchor = Anchor.objects.get()
    assert (anchor.exact, anchor.block, anchor.state, anchor.written_on) == (
        paragraph, ids[paragraph], "anchored", 1,
    )  # fmt: skip
    assert anchor.comment.article_revision == 1
    page = client.get(article.get_absolute_url()).content.decode()
    marker = f'<a class="passage-tools__count" href="/comments/{anchor.comment_id}/">'
    assert f"{marker}1 comment on this passage</a>" in page
    assert f'<a href="#{ids[paragraph]}">On this passage</a>' in page


def test_words_selected_in_a_paragraph_become_a_signed_passage(client, article):
    ids = _ids(client, article)
    block = ids["The central bank says the price shock will pass by spring."]
    url = f"/articles/{article.slug}/comments/passage/"
    answer = client.post(url, {"block": block, "exact": "the  price\nshock", "near": "20"})
    assert answer.status_code == 200
    assert answer.json()["exact"] == "the price shock"
    _post(client, article, body="Optimistic.", anchor=answer.json()["anchor"])
    assert Anchor.objects.get().exact == "the price shock"


@pytest.mark.parametrize(
    "data",
    [
        {"block": "p-00000000"},
        {"block": "", "exact": "x"},
        {"block": "FIRST", "exact": "not there"},
    ],
    ids=["unknown paragraph", "no paragraph", "words not in it"],
)
def test_a_passage_that_is_not_there_is_a_clear_400(client, article, data):
    first = next(iter(_ids(client, article).values()))
    data = {key: value.replace("FIRST", first) for key, value in data.items()}
    answer = client.post(f"/articles/{article.slug}/comments/passage/", data)
    assert answer.status_code == 400
    assert answer.json()["detail"] == placing.ONE_PARAGRAPH


def test_a_forged_or_foreign_anchor_or_revision_is_refused_and_nothing_is_stored(client, article):
    other = ArticleFactory(body=BODY)
    ids = _ids(client, other)
    _, foreign = placing.choose(other, next(iter(ids.values())))
    for fields in (
        {"anchor": "forged:token"},
        {"anchor": foreign},
        {"revision": "forged"},
        {"revision": placing.revision_token(other)},
        {"anchor": placing.anchor_token(article, 1, 0, 10**6)},
        {"anchor": placing.anchor_token(article, 7, 0, 5)},
    ):
        response = _post(client, article, body="My text survives.", **fields)
        assert response.status_code in (400, 409), fields
        assert "My text survives." in response.content.decode()
    assert not Comment.objects.filter(article=article).exists()
    assert not Anchor.objects.exists()


def _revise(article, body, note=""):
    article.body = body
    save_article(article=article, editor=None, note=note)
    article.refresh_from_db()


def test_a_revision_anchors_moves_and_orphans_and_loses_no_comment(
    client, article, django_capture_on_commit_callbacks
):
    ids = _ids(client, article)
    quotes = {
        "kept": "Ports further south are busier",
        "edited": "Freight rates doubled in a month",
        "gone": "The central bank says the price shock will pass by spring.",
    }
    comments = {}
    for n, (name, words) in enumerate(quotes.items()):
        block = next(i for text, i in ids.items() if words in text)
        _, token = placing.choose(article, block, words)
        _post(client, article, f"10.0.0.{n + 1}", body=f"On {name}.", anchor=token,
              email=f"{name}@example.org")  # fmt: skip
        comments[name] = Comment.objects.get(body=f"On {name}.")
    new_body = (
        "Freight rates nearly doubled in one month as ships avoided the strait.\n\n"
        "A new opening paragraph moves everything down.\n\n"
        "Insurers raised premiums for every vessel in the region.\n\n"
        "Ports further south are busier than they have been in years."
    )
    with django_capture_on_commit_callbacks(execute=True):
        _revise(article, new_body, note="New figures")
    assert article.revision == 2
    states = {name: Anchor.objects.get(comment=c).state for name, c in comments.items()}
    assert states == {"kept": "anchored", "edited": "moved", "gone": "orphaned"}
    edited = Anchor.objects.get(comment=comments["edited"])
    plain = article.revisions.get(number=2).plain_text
    assert plain[edited.start : edited.end].startswith("Freight rates nearly doubled")
    assert edited.exact == quotes["edited"]  # what the reader quoted is never rewritten
    page = Client().get(article.get_absolute_url()).content.decode()
    assert all(f"On {name}." in page for name in quotes)  # every comment still in the thread
    earlier = page.split('id="earlier-text"')[1].split("</section>")[0]
    assert quotes["gone"] in earlier and f"/comments/{comments['gone'].pk}/" in earlier
    assert "On earlier text of the article:" in page
    assert "Written on revision 1" in page and "?from=1&amp;to=2" in page


def test_a_reader_of_an_earlier_revision_anchors_in_the_latest(client, article):
    ids = _ids(client, article)
    block = ids["Insurers raised premiums for every vessel in the region."]
    _, token = placing.choose(article, block, "raised premiums")
    old_revision = placing.revision_token(article)
    _revise(article, "A new first paragraph.\n\n" + BODY)
    _post(client, article, body="Late.", anchor=token, revision=old_revision)
    anchor = Anchor.objects.get()
    assert (anchor.written_on, anchor.revision, anchor.state) == (1, 2, "anchored")
    assert anchor.comment.article_revision == 1


@pytest.mark.parametrize("count", [10, 1000])
def test_the_page_keeps_its_queries_with_half_the_comments_anchored(
    client, article, count, django_assert_max_num_queries
):
    ids = list(_ids(client, article).values())
    made = Comment.objects.bulk_create(
        Comment(article=article, author_name=f"R{n}", body="x", body_html="<p>x</p>",
                status="approved", depth=0, created_at=timezone.now() - timedelta(minutes=n))
        for n in range(count)
    )  # fmt: skip
    Comment.objects.filter(article=article, root__isnull=True).update(root_id=F("id"))
    Anchor.objects.bulk_create(
        Anchor(comment=c, article=article, exact="Insurers", start=0, end=8, revision=1,
               written_on=1, block=ids[n % len(ids)])
        for n, c in enumerate(made[::2])
    )  # fmt: skip
    # the anonymous page's ten, as before: the anchors are one query, whatever their number
    with django_assert_max_num_queries(10):
        page = client.get(article.get_absolute_url()).content.decode()
    assert page.count('class="comment__passage"') >= min(count // 2, 25)
    assert "comments on this passage</a>" in page


def test_the_api_gives_the_revision_and_the_anchor_and_takes_them(article):
    client = Client()
    client.force_login(UserFactory())
    revision = article.revisions.get(number=1)
    start = revision.plain_text.index("Insurers")
    url = f"/api/v1/articles/{article.slug}/comments/"
    made = client.post(
        url, {"body": "Via the API.", "revision": 1,
              "anchor": {"revision": 1, "start": start, "end": start + 8}},
        content_type="application/json",
    )  # fmt: skip
    assert made.status_code == 201, made.content
    anchor = made.json()["anchor"]
    assert (anchor["exact"], anchor["state"], anchor["revision"]) == ("Insurers", "anchored", 1)
    assert made.json()["article_revision"] == 1
    thread = client.get(url).json()["comments"]
    assert thread[0]["anchor"]["exact"] == "Insurers" and thread[0]["article_revision"] == 1
    for bad in ({"revision": 9}, {"anchor": {"revision": 1, "start": 5, "end": 10**6}}):
        refused = client.post(url, {"body": "x", **bad}, content_type="application/json")
        assert refused.status_code == 409 and refused.json()["error"]["fields"]
    assert Comment.objects.count() == 1


def test_a_plain_comment_has_no_passage_in_the_api(client, article):
    CommentFactory(article=article)
    [comment] = client.get(f"/api/v1/articles/{article.slug}/comments/").json()["comments"]
    assert comment["anchor"] is None


def test_words_selected_across_a_line_break_are_found(client):
    article = ArticleFactory(body="Fees rose in March,  \nand again in May.")
    block = next(iter(_ids(client, article).values()), None) or re.search(
        r'<p id="(p-[0-9a-f]+)">', client.get(article.get_absolute_url()).content.decode()
    ).group(1)
    anchor, _ = placing.choose(article, block, "March, and again")
    assert anchor.exact == "March,\nand again"


def test_a_discussion_without_comments_asks_for_no_anchors(client, article):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        html = client.get(article.get_absolute_url()).content.decode()
    assert "Comment on this paragraph" in html
    assert not [q for q in queries.captured_queries if 'FROM "comments_anchor"' in q["sql"]]
    CommentFactory(article=article)
    with CaptureQueriesContext(connection) as queries:
        client.get(article.get_absolute_url())
    assert [q for q in queries.captured_queries if 'FROM "comments_anchor"' in q["sql"]]
