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


# --- Locked doors: rate limits and no account enumeration ----------------------------------

PASSWORD = "correct horse battery staple"
TOO_MANY = "Too many failed login attempts"


@pytest.fixture
def grace(db):
    from tests.factories import UserFactory

    user = UserFactory(username="grace")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def _sign_in(login: str, password: str, **client_headers):
    from django.test import Client

    client = Client(**client_headers)
    response = client.post("/accounts/login/", {"login": login, "password": password})
    return client, response


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_eleventh_failed_sign_in_from_one_address_within_a_minute_is_refused(grace):
    here = {"REMOTE_ADDR": "198.51.100.10"}
    client, response = _sign_in("grace", PASSWORD, **here)
    assert response.status_code == 302 and _signed_in(client)  # a success costs nothing

    for n in range(10):
        client, response = _sign_in(f"nobody{n}", "wrong guess", **here)
        assert response.status_code == 200 and not _signed_in(client)
        assert TOO_MANY not in response.content.decode()

    client, response = _sign_in("grace", PASSWORD, **here)
    assert TOO_MANY in response.content.decode()
    assert not _signed_in(client), "the right password is refused too, until the minute is up"

    client, response = _sign_in("grace", PASSWORD, REMOTE_ADDR="198.51.100.11")
    assert response.status_code == 302 and _signed_in(client), "another address is not held"


def test_the_sixth_failed_sign_in_to_one_account_is_refused_from_any_address(grace):
    for n in range(5):
        client, response = _sign_in("grace", "wrong guess", REMOTE_ADDR=f"203.0.113.{n}")
        assert TOO_MANY not in response.content.decode()

    client, response = _sign_in("grace", PASSWORD, REMOTE_ADDR="203.0.113.99")
    assert TOO_MANY in response.content.decode()
    assert not _signed_in(client)


def test_a_flood_of_sign_in_posts_from_one_address_gets_429_and_is_logged(grace, caplog):
    for _ in range(30):
        _sign_in("grace", "wrong guess", REMOTE_ADDR="192.0.2.50")

    client, response = _sign_in("grace", PASSWORD, REMOTE_ADDR="192.0.2.50")

    assert response.status_code == 429
    assert not _signed_in(client)
    assert any(
        record.name == "django.request" and "Too Many Requests: /accounts/login/" in record.message
        for record in caplog.records
    )


def test_behind_a_trusted_proxy_each_forwarded_client_is_limited_apart(grace, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for n in range(10):
        _sign_in(f"nobody{n}", "wrong guess", HTTP_X_FORWARDED_FOR="198.51.100.20", **proxy)

    _, refused = _sign_in("grace", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.20", **proxy)
    client, response = _sign_in("grace", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.21", **proxy)

    assert TOO_MANY in refused.content.decode()
    assert response.status_code == 302 and _signed_in(client)


def test_without_a_trusted_proxy_a_forged_forwarded_for_changes_nothing(grace):
    for n in range(10):
        _sign_in(
            f"nobody{n}", "wrong guess", REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR=f"10.9.9.{n}"
        )

    client, response = _sign_in(
        "grace", PASSWORD, REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR="10.9.9.200"
    )
    assert TOO_MANY in response.content.decode()
    assert not _signed_in(client)


@pytest.mark.parametrize(("proxies", "expected"), [(0, "10.0.0.2"), (1, "198.51.100.30")])
def test_comments_store_the_address_the_rate_limits_count(rf, settings, proxies, expected):
    from comments.threads.readers import request_facts

    settings.ALLAUTH_TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.30")

    assert request_facts(request)["ip"] == expected


def _page_after(client, response, typed: str) -> tuple[int, str, str]:
    """Status, where it leads, and the text of that page without its CSRF token, with the
    address the visitor typed (which it may repeat back to them) as EMAIL."""
    location = response.get("Location", "")
    text = client.get(location).content.decode() if location else response.content.decode()
    text = re.sub(r'value="[^"]{32,}"', "", text).replace(typed, "EMAIL")
    return response.status_code, location, text


def test_password_reset_answers_alike_for_known_and_unknown_addresses(client, grace):
    from django.test import Client

    known = Client()
    unknown = Client()
    answers = [
        _page_after(visitor, visitor.post("/accounts/password/reset/", {"email": email}), email)
        for visitor, email in ((known, grace.email), (unknown, "stranger@example.com"))
    ]
    answer_known, answer_unknown = answers

    assert answer_known == answer_unknown
    assert answer_known[:2] == (302, "/accounts/password/reset/done/")
    # What differs goes only to the mailbox, which only its owner reads.
    assert sorted(message.to[0] for message in mail.outbox) == [
        "grace@example.com",
        "stranger@example.com",
    ]


def test_sign_up_answers_alike_for_a_taken_and_a_new_address(grace):
    from django.test import Client

    taken, new = Client(), Client()
    answer_taken, answer_new = (
        _page_after(visitor, _signup(visitor, email=email, username=username), email)
        for visitor, email, username in (
            (taken, grace.email, "graceagain"),
            (new, "fresh@example.com", "fresh"),
        )
    )

    assert answer_taken == answer_new
    assert answer_taken[:2] == (302, "/accounts/confirm-email/")
    assert EmailAddress.objects.filter(email=grace.email).count() == 1
    assert not _signed_in(taken)


def test_password_reset_for_one_address_is_refused_after_three_a_minute(client, grace):
    statuses = [
        client.post("/accounts/password/reset/", {"email": grace.email}).status_code
        for _ in range(4)
    ]
    assert statuses == [302, 302, 302, 429]
    assert len(mail.outbox) == 3


def test_sign_ups_from_one_address_are_refused_after_ten_a_minute(client):
    statuses = [
        _signup(client, email=f"reader{n}@example.com", username=f"reader{n}").status_code
        for n in range(11)
    ]
    assert statuses == [302] * 10 + [429]
