"""Transparency figures per month: notices and their grounds, decisions by measure and
ground, the automated share, appeals and outcomes, the median time to decide a notice."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from comments.models import Appeal, Comment, Guideline, Notice, Statement
from comments.moderation import appeals, decisions, notices, statements, transitions, transparency
from tests.factories import CommentFactory, moderator_user, sign_in_staff

pytestmark = pytest.mark.django_db
S = Comment.Status


def _notice(comment, ground="STATEMENT_CATEGORY_VIOLENCE") -> Notice:
    return Notice.objects.create(
        comment=comment, ground=ground, explanation="x", name="N", email="n@example.org",
        good_faith=True, urls=[],
    )  # fmt: skip


def _month_of_figures(django_assert_max_num_queries):
    moderator = moderator_user()
    noticed = [CommentFactory(status=S.APPROVED) for _ in range(3)]
    made = [_notice(noticed[0]), _notice(noticed[1]), _notice(noticed[2], "other_law")]
    notices.decide(made[0], moderator=moderator, remove=True)
    notices.decide(made[1], moderator=moderator, remove=False)
    # Received at the start of this month, decided 2 and 4 hours later (the third is open).
    start = timezone.localtime().replace(day=1, hour=0, minute=1, second=0, microsecond=0)
    for notice, hours in zip(made, (2, 4, None), strict=True):
        decided_at = start + timedelta(hours=hours) if hours else None
        Notice.objects.filter(pk=notice.pk).update(created_at=start, decided_at=decided_at)
    clause = statements.grounds_from(clause=Guideline.objects.get(number=3))
    decisions.decide(CommentFactory(), S.REMOVED, moderator=moderator, grounds=clause)
    transitions.change_status(CommentFactory(), S.SPAM, reason="spam service")  # automatic
    removed = Comment.objects.get(pk=noticed[0].pk)
    appeal = appeals.file(appeals.standing(appeals.token_for(removed.statement)), explanation="x")
    appeals.decide(appeal, moderator=moderator_user(), reverse=True)
    with django_assert_max_num_queries(5):
        return transparency.figures()


def test_one_months_figures(django_assert_max_num_queries):
    (month,) = _month_of_figures(django_assert_max_num_queries)

    assert month.notices == 3
    assert dict(month.notice_grounds) == {"Violence": 2, "Illegal under another law (say which)": 1}
    assert month.decisions == 3  # removal on notice, removal on a clause, spam
    assert dict(month.measures) == {
        "Removal of the comment": 2,
        "The comment is treated as spam and not published": 1,
    }
    assert dict(month.grounds) == {
        "Illegal content": 1,
        "Incompatible with the community guidelines": 2,
    }
    assert month.automated_share == 33.3
    assert (month.appeals, dict(month.outcomes)) == (1, {"The decision was reversed": 1})
    assert month.median_hours == 3.0  # decided after 2 and 4 hours
    assert Statement.objects.filter(source="notice").count() == 1
    assert Appeal.objects.get().state == "reversed"


def test_the_admin_page_and_its_csv(client, django_assert_max_num_queries):
    _month_of_figures(django_assert_max_num_queries)
    sign_in_staff(client, moderator_user())

    page = client.get("/admin/comments/notice/transparency/")
    download = client.get("/admin/comments/notice/transparency/?format=csv")

    assert page.status_code == 200
    assert "Notices received" in page.content.decode() and "33.3%" in page.content.decode()
    assert download["Content-Type"] == "text/csv"
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    month = f"{timezone.localtime():%Y-%m}"
    assert rows[0] == ["month", "figure", "group", "value"]
    assert [month, "notices received", "", "3"] in rows
    assert [month, "notices by ground", "Violence", "2"] in rows
    assert [month, "automated decisions (%)", "", "33.3"] in rows
    assert [month, "appeals by outcome", "The decision was reversed", "1"] in rows
    assert [month, "median hours from notice to decision", "", "3.0"] in rows


def test_a_reader_cannot_see_the_figures(client):
    assert client.get("/admin/comments/notice/transparency/").status_code == 302
