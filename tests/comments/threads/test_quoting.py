"""Quotes with attribution: a quote names the comment it quotes, shows its real author, and
follows what happens to it; a quote of what may not be quoted is refused, storing nothing."""

import pytest
from django.test import Client

from comments.models import Comment
from comments.moderation import transitions
from comments.portability import personal_data
from comments.posting import services
from comments.threads import quoting
from comments.threads.readers import Reader
from comments.threads.rendering import Quoted, render
from tests.factories import ArticleFactory, CommentFactory, UserFactory, comment_form, sign_in_staff

pytestmark = pytest.mark.django_db


class Fixed:
    """Surroundings with fixed answers, for the rendering rules on their own."""

    def __init__(self, quoted=None, readers=None):
        self._quoted, self._readers = quoted or {}, readers or {}

    def quoted(self, ids):
        return {pk: q for pk, q in self._quoted.items() if pk in ids}

    def readers(self, names):
        return {name: user for name, user in self._readers.items() if name in names}


def test_a_quote_shows_the_quoted_comments_real_author_whatever_the_markdown_says():
    text = "> [Somebody Else wrote:](/comments/7/)\n> the *claim*\n\nI disagree."
    rendered = render(text, Fixed({7: Quoted("Olive Older")}))
    assert rendered.html == (
        '<blockquote class="quote">\n<p class="quote__cite"><a href="/comments/7/" '
        'rel="nofollow ugc noopener noreferrer">Olive Older wrote:</a></p>\n'
        "<p>the <em>claim</em></p>\n</blockquote>\n<p>I disagree.</p>"
    )
    assert rendered.quotes == (7,)


def test_an_author_name_is_escaped_in_the_attribution():
    rendered = render("> [x](/comments/7/)\n> words", Fixed({7: Quoted('<b>"Bo"</b> & co')}))
    assert '&lt;b&gt;"Bo"&lt;/b&gt; &amp; co wrote:</a>' in rendered.html
    assert "<b>" not in rendered.html


def test_an_absolute_permalink_of_this_site_is_a_quote_too(settings):
    settings.SITE_URL = "https://analysis.example.org"
    text = "> [A wrote:](https://analysis.example.org/comments/7/)\n> words"
    assert render(text, Fixed({7: Quoted("A")})).quotes == (7,)
    other = "> [A wrote:](https://elsewhere.example/comments/7/)\n> words"
    assert render(other, Fixed({7: Quoted("A")})).quotes == ()


def test_a_quote_of_a_gone_comment_shows_why_instead_of_its_words():
    text = "> [Ada wrote:](/comments/7/)\n> the secret words\n\nMy reply."
    rendered = render(text, Fixed({7: Quoted("Ada", gone="Quoted comment removed.")}))
    assert "secret" not in rendered.html
    assert "Ada" not in rendered.html
    assert '<p class="quote__gone">Quoted comment removed.</p>' in rendered.html
    assert "<p>My reply.</p>" in rendered.html
    assert rendered.gone_quotes == (7,)


def test_a_quote_that_is_only_the_attribution_keeps_no_empty_paragraph():
    rendered = render("> [A wrote:](/comments/7/)\n\nAfter.", Fixed({7: Quoted("A")}))
    assert "<p></p>" not in rendered.html
    assert rendered.html.count("<p") == 2


def test_a_quote_inside_a_quote_follows_its_own_comment():
    text = "> [A wrote:](/comments/7/)\n> > [B wrote:](/comments/8/)\n> > inner\n>\n> outer"
    rendered = render(text, Fixed({7: Quoted("A"), 8: Quoted("B", gone="Quoted comment removed.")}))
    assert "A wrote:" in rendered.html and "outer" in rendered.html
    assert "inner" not in rendered.html and "Quoted comment removed." in rendered.html


def test_an_id_that_is_no_comment_of_the_discussion_is_a_stranger_and_stays_plain():
    rendered = render("> [A wrote:](/comments/99/)\n> words", Fixed({}))
    assert rendered.strangers == (99,)
    assert 'class="quote"' not in rendered.html
    assert "A wrote:" in rendered.html  # as the reader wrote it, nothing claimed


def test_a_reader_cannot_set_a_class_by_hand():
    rendered = render('<blockquote class="quote">x</blockquote> <span class="mention">@x</span>')
    assert "<blockquote" not in rendered.html and "<span" not in rendered.html


@pytest.mark.parametrize(
    ("status", "reason", "gone"),
    [
        ("approved", "", ""),
        ("removed", "Off topic", ""),
        ("removed", "duplicate ", ""),
        ("removed", "Personal attack", "Quoted comment removed."),
        ("removed", "removed by a moderator", "Quoted comment removed."),
        ("deleted", "deleted by its author", "Quoted comment deleted by its author."),
        ("spam", "", "Quoted comment not available."),
        ("pending", "edited: held", "Quoted comment not available."),
    ],
)
def test_which_states_keep_the_words_of_a_quote(status, reason, gone):
    assert quoting.words_gone(status, reason) == gone


# --- Posting a quote, and what follows ------------------------------------------------------


@pytest.fixture
def quoted(article):
    return CommentFactory(
        article=article, author_name="Olive Older", body="Rates *will* fall.\n\n> her own quote"
    )


def _post(client, article, body, **fields):
    return client.post(f"/articles/{article.slug}/comments/", comment_form(body=body, **fields))


def test_a_posted_quote_shows_the_attribution_and_remembers_what_it_quotes(client, article, quoted):
    response = _post(client, article, quoting.quote_of(quoted) + "Not so fast.")
    assert response.status_code == 302
    comment = Comment.objects.exclude(pk=quoted.pk).get()
    assert list(comment.quotes.all()) == [quoted]
    assert f'<a href="/comments/{quoted.pk}/" ' in comment.body_html
    assert "Olive Older wrote:" in comment.body_html


def test_the_whole_comment_quote_leaves_out_the_comments_own_quotes(quoted):
    text = quoting.quote_of(quoted)
    assert text == f"> [Olive Older wrote:](/comments/{quoted.pk}/)\n> Rates *will* fall.\n>\n\n"
    assert "her own quote" not in text


def test_quoting_a_comment_of_another_article_is_a_form_error_and_stores_nothing(client, article):
    elsewhere = CommentFactory(article=ArticleFactory())
    before = Comment.objects.count()
    response = _post(client, article, f"> [X wrote:](/comments/{elsewhere.pk}/)\n> words\n\nyes")
    assert response.status_code == 400
    assert quoting.ELSEWHERE in response.content.decode()
    assert Comment.objects.count() == before


def test_quoting_a_removed_comment_is_a_form_error(client, article, quoted):
    transitions.change_status(quoted, "removed", reason="Personal attack")
    response = _post(client, article, quoting.quote_of(quoted) + "Still.")
    assert response.status_code == 400
    assert quoting.NOT_QUOTABLE in response.content.decode()
    assert Comment.objects.count() == 1


def test_the_preview_refuses_the_same_quote_posting_refuses(client, article):
    elsewhere = CommentFactory(article=ArticleFactory())
    text = f"> [X wrote:](/comments/{elsewhere.pk}/)\n> words"
    response = client.post(
        f"/articles/{article.slug}/comments/preview/", {"body": text, "name": "Ann"}
    )
    assert response.status_code == 400
    assert quoting.ELSEWHERE in response.content.decode()
    form = _post(client, article, text, preview="1")
    assert form.status_code == 400
    assert quoting.ELSEWHERE in form.content.decode()


def test_a_removal_takes_the_words_out_of_every_quote_and_a_restoration_brings_them_back(
    client, article, quoted
):
    for n in range(2):
        _signed_in_post(article, quoting.quote_of(quoted) + f"Reply {n}.")
    quoters = Comment.objects.exclude(pk=quoted.pk)
    assert quoters.count() == 2

    transitions.change_status(quoted, "removed", reason="Personal attack")
    for quoter in quoters:
        assert "Rates" not in quoter.body_html
        assert "Quoted comment removed." in quoter.body_html
        assert "Rates" in quoter.body  # what the reader wrote is kept

    transitions.change_status(Comment.objects.get(pk=quoted.pk), "approved")
    assert all("Rates <em>will</em> fall." in q.body_html for q in quoters.all())


def test_a_removal_as_off_topic_keeps_the_words_in_quotes(client, article, quoted):
    _post(client, article, quoting.quote_of(quoted) + "Reply.")
    transitions.change_status(quoted, "removed", reason="Off topic")
    quoter = Comment.objects.exclude(pk=quoted.pk).get()
    assert "Rates <em>will</em> fall." in quoter.body_html


def _signed_in_post(article, body, user=None):
    reader = Reader(user=user or UserFactory(), browser="b")
    return reader, services.post_comment(
        article=article, reader=reader, parent_id=None, name="", email="", url="", body=body
    )


def test_a_quoter_can_still_edit_a_comment_whose_quote_is_gone(article, quoted):
    reader, mine = _signed_in_post(article, quoting.quote_of(quoted) + "First.")
    transitions.change_status(quoted, "removed", reason="Personal attack")
    mine.refresh_from_db()
    services.edit_comment(comment=mine, reader=reader, body=mine.body + " Second.")
    mine.refresh_from_db()
    assert "Second." in mine.body_html and "Quoted comment removed." in mine.body_html


def test_an_erased_author_is_named_anonymous_in_quotes_of_their_comments(client, article, quoted):
    quoted.author_email = "olive@example.com"
    quoted.save()
    _post(client, article, quoting.quote_of(quoted) + "Reply.")
    personal_data.erase_for_email("olive@example.com", actor=None, delete_comments=False)
    quoter = Comment.objects.exclude(pk=quoted.pk).get()
    assert "Olive" not in quoter.body_html
    assert f"{personal_data.ANONYMOUS} wrote:" in quoter.body_html


def test_the_quote_link_without_javascript_starts_the_reply_with_the_whole_comment(
    client, article, quoted
):
    page = client.get(f"{article.get_absolute_url()}?replytocom={quoted.pk}&quote=1")
    html = page.content.decode()
    assert f"&gt; [Olive Older wrote:](/comments/{quoted.pk}/)\n&gt; Rates *will* fall." in html
    assert f'value="{quoted.pk}"' in html  # a reply to the quoted comment
    plain = client.get(article.get_absolute_url()).content.decode()
    assert f"replytocom={quoted.pk}&amp;quote=1#respond" in plain
    assert "Olive Older wrote:" not in plain


def test_a_quote_link_is_offered_only_where_replies_are(client, article, quoted):
    article.comment_policy = "closed"
    article.save()
    assert "comment-quote-link" not in Client().get(article.get_absolute_url()).content.decode()


def test_moderators_are_offered_the_reasons_that_keep_quotes(client, editor, quoted):
    sign_in_staff(client, editor)
    for url in (f"/admin/comments/comment/{quoted.pk}/change/", "/admin/comments/comment/?q="):
        html = client.get(url).content.decode()
        assert '<datalist id="decision-reasons">' in html
        assert all(f'<option value="{reason}">' in html for reason in quoting.QUOTES_KEEP_WORDS)
