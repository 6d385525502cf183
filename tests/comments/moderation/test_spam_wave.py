"""A spam wave through the real view: flood control and bot traps hold, nothing good is lost."""

import pytest
from django.test import Client

from comments.models import Comment
from tests.factories import UserFactory, comment_form, sign_in_staff

pytestmark = pytest.mark.django_db

WAVE = 500


def test_a_wave_of_500_posts_from_one_ip(article, django_assert_max_num_queries):
    bot = Client(REMOTE_ADDR="203.0.113.66")
    reader = Client(REMOTE_ADDR="198.51.100.20")
    url = f"/articles/{article.slug}/comments/"
    statuses = []
    for n in range(WAVE):
        data = comment_form(name=f"Winner {n}", email=f"prize{n}@spam.example", body=f"Win {n}!")
        if n % 5 == 0:
            data["homepage"] = "http://spam.example/"  # what a form-filling bot does
        statuses.append(bot.post(url, data).status_code)
        if n == WAVE // 2:
            legit = reader.post(
                url, comment_form(body="A real point, made once.", email="real@example.org")
            )

    from_bot = Comment.objects.filter(ip_address="203.0.113.66")
    refused = statuses.count(400)
    assert refused >= 390, "flood control refuses the wave"
    assert from_bot.filter(status="spam").count() == WAVE // 5
    assert from_bot.exclude(status="spam").count() <= 1  # the very first, held
    assert statuses.count(302) == WAVE - refused
    assert legit.status_code == 302
    assert Comment.objects.get(body="A real point, made once.").status == "pending"

    moderator = UserFactory(is_staff=True, is_superuser=True)
    admin = Client()
    sign_in_staff(admin, moderator)
    with django_assert_max_num_queries(14):
        queue = admin.get("/admin/comments/comment/?status__exact=pending")
    assert "A real point, made once." in queue.content.decode()
    with django_assert_max_num_queries(14):
        assert admin.get("/admin/comments/comment/?status__exact=spam").status_code == 200
