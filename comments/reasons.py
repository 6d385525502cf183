"""The public side of moderation decisions: the community guidelines, the statement of
reasons of a decision on a comment (for its author and the moderators), notices of illegal
content (anyone, signed in or not) and appeals (from a signed link)."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from comments.forms import AppealForm, NoticeForm
from comments.models import Comment, Guideline
from comments.moderation import appeals, notices, pipeline, refusals, roles
from comments.threads import queries
from comments.threads.readers import reader_from, remember_browser


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
    # With what each statement's appeal link needs: no query per statement.
    made = list(comment.statements.select_related("clause", "ban", "appeal"))
    if not made:
        raise Http404("No statement of reasons for this comment.")
    for row in made:
        row.comment = comment
        if reader.wrote(comment) and not appeals.statement_standing(row).refusal:
            row.appeal_path = appeals.path_for(row)
    context = {"comment": comment, "statements": made, "current_id": comment.statement_id}
    return render(request, "comments/statement.html", context)


def _first_error(form) -> str:
    """The first error, for the refusals log: never what the sender typed."""
    for field, errors in form.errors.as_data().items():
        error = errors[0]
        text = "not one of the choices" if error.code == "invalid_choice" else error.messages[0]
        return text if field == "__all__" else f"{field}: {text}"
    return "invalid"


@require_http_methods(["GET", "HEAD", "POST"])
def notice(request: HttpRequest, pk: int) -> HttpResponse:
    """Report illegal content (DSA Art. 16): open to every reader of a public comment."""
    reader = reader_from(request)
    try:
        comment = queries.comment_for(pk, reader)
    except Http404:
        comment = None
    if comment is None or comment.status != Comment.Status.APPROVED:
        if request.method == "POST":
            refusals.refused(
                refusals.Kind.NOTICE, notices.NOT_PUBLIC, user=reader.user, comment_id=pk
            )
        context = {"title": "No such public comment", "message": notices.NOT_PUBLIC}
        return render(request, "comments/notice.html", context, status=404)
    comment_url = request.build_absolute_uri(comment.get_absolute_url())
    form = NoticeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if not form.is_valid():
            refusals.refused(
                refusals.Kind.NOTICE, _first_error(form), user=reader.user, comment_id=pk
            )
        else:
            try:
                made = notices.submit(
                    comment=comment, reader=reader, comment_url=comment_url, **form.cleaned_data
                )
            except pipeline.Refused as refused:
                form.add_error(None, refused.message)
                status = 429 if isinstance(refused, pipeline.TooSoon) else 409
            else:
                mailed = " A receipt is on its way to your email." if made.email else ""
                messages.success(
                    request,
                    f"Thank you. We received your notice (number {made.pk}) and a moderator "
                    f"will decide on it.{mailed}",
                )
                response = redirect(comment.get_absolute_url())
                remember_browser(response, reader)
                return response
    context = {"comment": comment, "form": form, "comment_url": comment_url}
    return render(request, "comments/illegal_notice.html", context, status=status)


_BAD_APPEAL_LINK = (
    "This appeal link is not valid. Use the link in the mail that told you of the decision."
)


@require_http_methods(["GET", "HEAD", "POST"])
def appeal(request: HttpRequest, token: str) -> HttpResponse:
    """Appeal a decision, from the signed link of its statement or its notice decision."""
    found = appeals.standing(token)
    user = request.user if request.user.is_authenticated else None
    if found is None:
        if request.method == "POST":
            refusals.refused(refusals.Kind.APPEAL, "forged or unknown appeal link", user=user)
        context = {"title": "Link not valid", "message": _BAD_APPEAL_LINK}
        return render(request, "comments/notice.html", context, status=400)
    form = AppealForm(request.POST if request.method == "POST" else None)
    status = 409 if found.refusal else 200
    if request.method == "POST" and not found.refusal:
        status = 400
        if form.is_valid():
            try:
                appeals.file(found, explanation=form.cleaned_data["explanation"], user=user)
            except pipeline.Refused as refused:
                form.add_error(None, refused.message)
                status = 409
            else:
                context = {
                    "title": "Appeal received",
                    "message": "Thank you. A moderator who did not take the decision will "
                    "review your appeal, and the outcome will be sent to you by mail.",
                }
                return render(request, "comments/notice.html", context)
        else:
            refusals.refused(refusals.Kind.APPEAL, _first_error(form), user=user)
    elif request.method == "POST":
        comment_id = found.comment.pk if found.comment is not None else None
        refusals.refused(refusals.Kind.APPEAL, found.refusal, user=user, comment_id=comment_id)
    context = {
        "found": found,
        "form": form,
        "appeal_until": found.decided_at + appeals.window(),
    }
    return render(request, "comments/appeal.html", context, status=status)
