"""Staff need two-factor authentication for the admin (config/staff_mfa.py), through the
real sign-in form and allauth's MFA pages, with codes computed here from the secret."""

import logging
import re
import time
from urllib.parse import quote

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY

from comments.models import Refusal
from comments.moderation import roles
from tests.factories import UserFactory, give_totp, totp_code

PASSWORD = "correct horse battery staple"
ADMIN_QUEUE = "/admin/comments/comment/?status__exact=pending"


def _account(username: str, *, staff: bool):
    user = UserFactory(username=username)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    if staff:
        roles.make_moderator(user)
    return user


def _sign_in(client, user, next_url: str = "/"):
    return client.post(
        f"/accounts/login/?next={quote(next_url)}", {"login": user.username, "password": PASSWORD}
    )


def _confirm_password(client, url: str):
    """allauth asks for the password again before an authenticator app is added."""
    assert url.startswith("/accounts/reauthenticate/?next=")
    page = client.get(url)
    response = client.post(url, {"password": PASSWORD})
    return page, response


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


@pytest.fixture
def moderator_with_totp(db):
    user = _account("mod", staff=True)
    return user, give_totp(user)


def test_staff_without_mfa_are_sent_from_the_admin_to_set_it_up_and_back(client, db):
    moderator = _account("mod", staff=True)
    _sign_in(client, moderator)

    response = client.get(ADMIN_QUEUE)

    assert response.status_code == 302
    setup = "/accounts/2fa/totp/activate/?next=" + quote(ADMIN_QUEUE, safe="")
    assert response["Location"] == setup
    page, confirmed = _confirm_password(client, client.get(setup)["Location"])
    assert "Staff accounts need two-factor authentication" in page.content.decode()
    assert confirmed["Location"] == setup
    page = client.get(setup)
    assert '<label for="authenticator_secret">' in page.content.decode()
    secret = client.session[SECRET_SESSION_KEY]

    done = client.post(setup, {"code": totp_code(secret), "next": ADMIN_QUEUE})

    assert Authenticator.objects.filter(user=moderator, type="totp").exists()
    codes = Authenticator.objects.get(user=moderator, type="recovery_codes")
    assert len(codes.wrap().get_unused_codes()) == 10
    assert done["Location"] == "/accounts/2fa/recovery-codes/?next=" + quote(ADMIN_QUEUE, safe="")
    codes_page = client.get(done["Location"]).content.decode()
    assert codes.wrap().get_unused_codes()[0] in codes_page
    assert 'href="/admin/comments/comment/?status__exact=pending"' in codes_page
    assert client.get(ADMIN_QUEUE).status_code == 200


def test_a_wrong_code_does_not_activate_the_app(client, db):
    moderator = _account("mod", staff=True)
    _sign_in(client, moderator)
    _confirm_password(client, client.get("/accounts/2fa/totp/activate/")["Location"])
    client.get("/accounts/2fa/totp/activate/")
    secret = client.session[SECRET_SESSION_KEY]

    response = client.post("/accounts/2fa/totp/activate/", {"code": _wrong(totp_code(secret))})

    assert response.status_code == 200
    assert "Incorrect code." in response.content.decode()
    assert not Authenticator.objects.filter(user=moderator).exists()
    assert client.get(ADMIN_QUEUE).status_code == 302


def test_signing_in_again_asks_for_the_code_and_only_the_right_one_opens_the_admin(
    client, moderator_with_totp
):
    moderator, secret = moderator_with_totp

    response = _sign_in(client, moderator, next_url=ADMIN_QUEUE)

    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session  # not signed in before the code
    wrong = client.post("/accounts/2fa/authenticate/", {"code": _wrong(totp_code(secret))})
    assert wrong.status_code == 200 and "Incorrect code." in wrong.content.decode()
    assert "_auth_user_id" not in client.session
    right = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert right["Location"] == ADMIN_QUEUE
    assert client.get(ADMIN_QUEUE).status_code == 200


def test_ten_wrong_codes_are_each_refused_change_nothing_and_are_logged(
    client, moderator_with_totp, caplog
):
    moderator, secret = moderator_with_totp
    _sign_in(client, moderator, next_url=ADMIN_QUEUE)
    wrong = _wrong(totp_code(secret))

    with caplog.at_level(logging.WARNING, logger="staff.security"):
        answers = [client.post("/accounts/2fa/authenticate/", {"code": wrong}) for _ in range(10)]

    bodies = [answer.content.decode() for answer in answers]
    assert all(answer.status_code == 200 for answer in answers)
    assert all("Incorrect code." in body for body in bodies[:5])
    assert all("Too many failed login attempts" in body for body in bodies[5:])
    assert "_auth_user_id" not in client.session
    assert client.get(ADMIN_QUEUE).status_code == 302
    logged = [r for r in caplog.records if r.name == "staff.security"]
    assert len(logged) == 5  # each code that was checked; the rest were refused unchecked
    assert all(r.user_id == moderator.pk and r.staff for r in logged)
    assert "Wrong two-factor code for user mod" in logged[0].getMessage()
    # ... and in the moderators' log of refusals, one row per code checked.
    assert Refusal.objects.filter(kind="mfa", user=moderator).count() == 5
    # Even the right code waits until the limit has passed.
    late = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert "Too many failed login attempts" in late.content.decode()


def test_a_recovery_code_signs_in_once(client, moderator_with_totp):
    moderator, _secret = moderator_with_totp
    code = RecoveryCodes.activate(moderator).get_unused_codes()[0]

    _sign_in(client, moderator, next_url=ADMIN_QUEUE)
    assert client.post("/accounts/2fa/authenticate/", {"code": code})["Location"] == ADMIN_QUEUE
    assert client.get(ADMIN_QUEUE).status_code == 200
    client.post("/accounts/logout/")

    _sign_in(client, moderator, next_url=ADMIN_QUEUE)
    again = client.post("/accounts/2fa/authenticate/", {"code": code})
    assert "Incorrect code." in again.content.decode()
    assert client.get(ADMIN_QUEUE).status_code == 302


def test_a_session_that_skipped_the_code_must_re_authenticate(client, moderator_with_totp):
    moderator, secret = moderator_with_totp
    client.force_login(moderator)  # a password-only session, as the admin's own form made

    response = client.get(ADMIN_QUEUE)

    assert response["Location"] == "/accounts/2fa/reauthenticate/?next=" + quote(
        ADMIN_QUEUE, safe=""
    )
    page = client.get(response["Location"]).content.decode()
    assert "This session has not passed two-factor authentication" in page
    done = client.post(response["Location"], {"code": totp_code(secret)})
    assert done["Location"] == ADMIN_QUEUE
    assert client.get(ADMIN_QUEUE).status_code == 200


def test_the_admins_own_login_form_hands_over_to_the_sign_in_page(client, db):
    response = client.get("/admin/login/?next=/admin/comments/comment/")

    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Fcomments%2Fcomment%2F"
    assert client.get("/admin/login/")["Location"] == "/accounts/login/?next=%2Fadmin%2F"


def test_staff_may_sign_out_of_the_admin_without_mfa(client, db):
    client.force_login(_account("mod", staff=True))

    response = client.post("/admin/logout/")

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("is_superuser", [False, True], ids=["editor", "superuser"])
def test_every_kind_of_staff_is_refused_without_mfa(client, db, is_superuser):
    user = _account("boss", staff=False)
    user.is_staff, user.is_superuser = True, is_superuser
    user.save()
    client.force_login(user)

    assert client.get("/admin/")["Location"].startswith("/accounts/2fa/totp/activate/")
    assert client.get("/admin/articles/article/")["Location"].startswith("/accounts/2fa/")


def test_a_reader_is_never_asked_for_mfa(client, db):
    reader = _account("reader", staff=False)

    response = _sign_in(client, reader, next_url="/")

    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(reader.pk)
    admin = client.get("/admin/")
    assert admin["Location"].startswith("/admin/login/")  # Django's "not authorised" page
    assert "not authorized" in client.get(admin["Location"]).content.decode()


def test_codes_are_computed_per_rfc_6238():
    """RFC 6238 appendix B's first SHA-1 vector, cut to six digits, checks `totp_code`."""
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # base32 of "12345678901234567890"
    assert totp_code(secret, at=59) == "287082"
    assert re.fullmatch(r"\d{6}", totp_code(secret, at=time.time()))
