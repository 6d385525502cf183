import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

pytestmark = pytest.mark.django_db


def _signup(client, **overrides):
    data = {
        "email": "new.reader@example.com",
        "username": "newreader",
        "password1": "a long and unusual passphrase",
        "password2": "a long and unusual passphrase",
    }
    data.update(overrides)
    return client.post("/accounts/signup/", data)


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
    ],
)
def test_account_pages_use_the_sites_layout(client, path):
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Skip to content" in html
    assert 'class="account-page"' in html or "account-page" in html


def test_signup_requires_email_verification_before_sign_in(client):
    response = _signup(client)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.reader@example.com"]
    assert not EmailAddress.objects.get(email="new.reader@example.com").verified
    assert "_auth_user_id" not in client.session

    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[0].body).group(0)
    client.post(link.split("testserver", 1)[1])
    assert EmailAddress.objects.get(email="new.reader@example.com").verified


def test_signup_errors_are_shown_next_to_fields_and_announced(client):
    response = _signup(client, password2="something different entirely", email="not-an-email")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html
    assert 'aria-invalid="true"' in html
    assert 'value="newreader"' in html  # what the reader typed is kept
    assert mail.outbox == []


def test_password_reset_sends_a_mail_to_a_known_address(client, reader):
    EmailAddress.objects.create(user=reader, email=reader.email, verified=True, primary=True)

    response = client.post("/accounts/password/reset/", {"email": reader.email})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_signed_in_reader_manages_email_addresses(client, reader):
    EmailAddress.objects.create(user=reader, email=reader.email, verified=True, primary=True)
    client.force_login(reader)

    html = client.get("/accounts/email/").content.decode()

    assert reader.email in html
    assert 'aria-label="Your account"' in html
    assert "Sign out" in html
