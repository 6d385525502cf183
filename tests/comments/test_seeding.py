import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count

from comments.models import Comment
from comments.queries import discussion_for
from comments.readers import Reader

pytestmark = pytest.mark.django_db


def test_seed_discussion_makes_realistic_threads(article):
    out = io.StringIO()
    call_command("seed_discussion", article.slug, comments=500, stdout=out)

    comments = Comment.objects.filter(article=article)
    depths = dict(comments.values_list("depth").annotate(n=Count("id")))
    assert comments.count() == 500
    assert "Added 500 comments" in out.getvalue()
    assert set(depths) == {0, 1, 2, 3, 4}
    assert depths[0] > depths[4]
    assert comments.filter(user__isnull=False).exists()
    assert comments.filter(user__isnull=True).exists()
    assert not comments.exclude(status=Comment.Status.APPROVED).exists()
    assert not comments.filter(root__isnull=True).exists()
    # every reply sits in its parent's thread, one level deeper
    for reply in comments.exclude(parent=None).select_related("parent")[:100]:
        assert (reply.root_id, reply.depth) == (reply.parent.root_id, reply.parent.depth + 1)
        assert reply.created_at > reply.parent.created_at
    shown = discussion_for(article, Reader(user=None, browser="x"), page=None)
    assert shown.approved_count == 500


def test_seed_discussion_names_a_missing_article():
    with pytest.raises(CommandError, match="No article"):
        call_command("seed_discussion", "nope", comments=5)


@pytest.mark.django_db(transaction=True)  # the fan-out's mail leaves on commit
def test_benchmark_command_prints_its_table(settings):
    out = io.StringIO()
    call_command(
        "bench_discussion", sizes="20", runs=1, subscribers=30, no_imports=True, stdout=out
    )
    table = out.getvalue()
    assert "Fan-out of one approval to 30 subscribers" in table
    assert "30 mails received, 30 rows sent, 0 duplicates." in table
    assert "page/floor" in table
    assert "whole" in table and "first" in table and "post" in table
    assert not Comment.objects.filter(article__slug__startswith="bench-discussion").exists()
