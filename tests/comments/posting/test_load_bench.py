"""The posting benchmark sends what a browser sends: the fields it reads from the page's
form make an accepted post, counted from the address its proxy header names."""

import pytest
from django.test import Client

from comments.models import Comment
from tests.benchmarks.posting_load import _FormFields

pytestmark = pytest.mark.django_db


def _form_of(page: bytes) -> dict[str, str]:
    parser = _FormFields()
    parser.feed(page.decode())
    return parser.fields


def test_the_fields_read_from_the_page_make_a_held_comment(article, moderation, settings):
    settings.TRUSTED_PROXY_COUNT = settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    moderation.require_approval = True
    moderation.min_seconds_to_submit = 0  # the bench waits; this test does not
    moderation.save()
    browser = Client(enforce_csrf_checks=True)
    fields = _form_of(browser.get(article.get_absolute_url()).content)

    assert {"csrfmiddlewaretoken", "shown_at", "revision", "homepage"} <= set(fields)
    assert fields["homepage"] == "" and "name" in fields and "body" in fields
    fields |= {"name": "Load Reader", "email": "load@example.com", "body": "Said under load."}
    response = browser.post(
        f"/articles/{article.slug}/comments/",
        fields,
        HTTP_X_FORWARDED_FOR="10.0.0.7",
    )

    assert response.status_code == 302
    comment = Comment.objects.get(article=article)
    assert comment.status == Comment.Status.PENDING
    assert comment.ip_address == "10.0.0.7"


def test_without_the_page_token_the_post_is_refused(article):
    browser = Client(enforce_csrf_checks=True)
    fields = _form_of(browser.get(article.get_absolute_url()).content)
    fields |= {"csrfmiddlewaretoken": "", "name": "A", "email": "a@example.com", "body": "Hi."}
    response = browser.post(f"/articles/{article.slug}/comments/", fields)
    assert response.status_code == 403
    assert not Comment.objects.exists()
