"""The public side of moderation decisions: the community guidelines, and the statement of
reasons of a decision on a comment, for its author (and the moderators)."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from comments.models import Guideline
from comments.moderation import roles
from comments.threads import queries
from comments.threads.readers import reader_from


@require_safe
def guidelines(request: HttpRequest) -> HttpResponse:
    clauses = Guideline.objects.filter(active=True).order_by("number")
    return render(request, "comments/guidelines.html", {"clauses": clauses})


@require_safe
def statement(request: HttpRequest, pk: int) -> HttpResponse:
    """The statements of reasons of a comment, newest first: its author's and the moderators'
    to read; for anyone else the comment's reasons do not exist (404)."""
    reader = reader_from(request)
    comment = queries.comment_for(pk, reader)
    if not (reader.wrote(comment) or roles.is_moderator(request.user)):
        raise Http404("No such statement.")
    made = list(comment.statements.select_related("clause", "ban"))
    if not made:
        raise Http404("No statement of reasons for this comment.")
    context = {"comment": comment, "statements": made, "current_id": comment.statement_id}
    return render(request, "comments/statement.html", context)
