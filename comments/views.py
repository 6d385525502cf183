from allauth.account.models import EmailAddress
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import InvalidPage, Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from articles.models import Article
from articles.text import carriable
from articles.views import render_article
from comments.forms import (
    CommentForm,
    EditCommentForm,
    EraseForm,
    PreferencesForm,
    PreviewForm,
    ReportForm,
    TokenForm,
    seconds_since_shown,
)
from comments.models import ApiToken, Comment, ModerationSettings, Notification, Subscription
from comments.moderation import answers
from comments.moderation.pipeline import Conflict, TooSoon
from comments.outbound import mail, subscriptions
from comments.passages import anchoring, placing
from comments.portability import personal_data
from comments.posting import permissions, services
from comments.threads import muting, queries, quoting
from comments.threads.html import MUTED
from comments.threads.readers import (
    DETAILS_COOKIE,
    Reader,
    reader_from,
    remember_browser,
    save_details,
)


def _posted(request: HttpRequest):
    """The form data of a POST (even an empty one, which is then an error); None for a GET."""
    return request.POST if request.method == "POST" else None


def _comment_url(comment: Comment, reader: Reader, order: str = "oldest") -> str:
    page = queries.page_of(comment, reader, order)
    params = [f"order={order}"] if order != "oldest" else []
    params += [f"cpage={page}"] if page > 1 else []
    query = f"?{'&'.join(params)}" if params else ""
    return f"{comment.article.get_absolute_url()}{query}#comment-{comment.pk}"


def _order(request: HttpRequest) -> str:
    order = request.GET.get("order", "oldest")
    return order if order in queries.ORDERS else "oldest"


def _visible_comment_or_404(request: HttpRequest, pk: int) -> tuple[Comment, Reader]:
    reader = reader_from(request)
    return queries.comment_for(pk, reader), reader


def _open_article_or_404(request: HttpRequest, slug: str) -> Article:
    article = Article.objects.visible_to(request.user).filter(slug=slug).first()
    if article is None:
        raise Http404("No such article.")
    return article


@require_POST
def post(request: HttpRequest, slug: str) -> HttpResponse:
    article = _open_article_or_404(request, slug)
    reader = reader_from(request)
    if refusal := permissions.why_cannot_post(article, reader):
        return _refused(request, article, refusal)
    limits = ModerationSettings.current()
    form = CommentForm(request.POST, signed_in=reader.is_signed_in, max_length=limits.max_length)
    if not form.is_valid():
        return render_article(request, article, comment_form=form, status=400)
    data = form.cleaned_data
    if "preview" in request.POST:
        # The page again, the form as sent and the comment as it would look; nothing stored,
        # and the moderation pipeline not asked (it writes, and counts towards flood control).
        try:
            preview = services.preview_comment(article=article, reader=reader, body=data["body"])
        except services.CommentRefused as refused:
            form.add_error(refused.field, refused.message)
            return render_article(request, article, comment_form=form, status=400)
        return render_article(request, article, comment_form=form, comment_preview=preview)
    try:
        revision = placing.revision_from(data["revision"], article)
        passage = placing.passage_from(data["anchor"], article)
    except placing.PassageRefused as refused:
        form.add_error(None, refused.message)
        return render_article(request, article, comment_form=form, status=400)
    try:
        comment = services.post_comment(
            article=article,
            reader=reader,
            parent_id=data.get("parent"),
            name=data.get("name", ""),
            email=data.get("email", ""),
            url=data.get("url", ""),
            body=data["body"],
            kind=data["kind"],
            wants_followups=data["wants_followups"],
            followup_scope=data["followup_scope"] or "thread",
            honeypot=data["homepage"],
            seconds_to_submit=seconds_since_shown(data["shown_at"]),
            sources=data.get("sources", []),
            revision=revision,
            passage=passage,
        )
    except services.CommentRefused as refused:
        # A refusal about the hidden parent, or the sources, is said above the form.
        shown = refused.field in form.fields and refused.field != "parent"
        form.add_error(refused.field if shown else None, refused.message)
        return render_article(request, article, comment_form=form, status=400)
    # The permalink finds the comment's page; posting itself stays a few queries.
    response = HttpResponseRedirect(comment.get_absolute_url())
    remember_browser(response, reader, comment.pk if not reader.is_signed_in else None)
    if not reader.is_signed_in:
        save_details(
            response,
            remember=data["save_details"],
            name=data["name"],
            email=data["email"],
            url=data["url"],
        )
    return response


@require_POST
def preview(request: HttpRequest, slug: str) -> HttpResponse:
    """The live preview under the comment form: the comment as HTML, rendered by the same
    code as a posted one and limited like the form; a 400 carries the form's message."""
    article = _open_article_or_404(request, slug)
    reader = reader_from(request)
    if refusal := permissions.why_cannot_post(article, reader):
        return HttpResponse(refusal, status=403, content_type="text/plain; charset=utf-8")
    form = PreviewForm(request.POST, max_length=ModerationSettings.current().max_length)
    if not form.is_valid():
        context = {"preview_errors": form.errors["body"]}
        return render(request, "comments/_preview.html", context, status=400)
    body = form.cleaned_data["body"]
    try:
        shown = services.preview_comment(article=article, reader=reader, body=body)
    except services.CommentRefused as refused:
        return render(
            request, "comments/_preview.html", {"preview_errors": [refused.message]}, status=400
        )
    context = {
        "comment_preview": shown,
        "preview_name": " ".join(carriable(request.POST.get("name", "")).split())[:100],
        "reader": reader,
    }
    return render(request, "comments/_preview.html", context)


@require_safe
def mentionable(request: HttpRequest, slug: str) -> JsonResponse:
    """The readers a signed-in reader may mention here whose username starts with `q`: those
    who wrote in this discussion, and the article's authors (for the form's suggestions)."""
    article = _open_article_or_404(request, slug)
    if not request.user.is_authenticated:
        return JsonResponse({"detail": "Sign in to mention readers."}, status=403)
    prefix = carriable(request.GET.get("q", ""))[:150]
    readers = quoting.mentionable_in(article, prefix) if prefix else []
    return JsonResponse({"readers": readers})


@require_POST
def passage(request: HttpRequest, slug: str) -> JsonResponse:
    """The passage a reader selected (with JavaScript): the words in one paragraph or
    heading, as the article is now; answered with the signed anchor the form carries."""
    article = _open_article_or_404(request, slug)
    if refusal := permissions.why_cannot_post(article, reader_from(request)):
        return JsonResponse({"detail": refusal}, status=403)
    try:
        near = int(request.POST.get("near", "0"))
    except ValueError:
        near = 0
    try:
        anchor, token = placing.choose(
            article,
            carriable(request.POST.get("block", ""))[:80],
            carriable(request.POST.get("exact", ""))[: anchoring.QUOTE_LENGTH + 1],
            near=near,
        )
    except placing.PassageRefused as refused:
        return JsonResponse({"detail": refused.message}, status=400)
    return JsonResponse({"anchor": token, "exact": anchor.exact})


def _refused(
    request: HttpRequest, article: Article, refusal: str, status: int = 403
) -> HttpResponse:
    return render(
        request,
        "comments/refused.html",
        {"article": article, "message": refusal},
        status=status,
    )


LATEST_PER_PAGE = 30


@require_safe
def latest(request: HttpRequest) -> HttpResponse:
    """The newest public comments of the whole site, each leading into its thread."""
    paginator = Paginator(queries.latest_comments(), LATEST_PER_PAGE)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except InvalidPage:
        raise Http404("No such page.") from None
    context = {
        "page": page,
        # A reader's mutes hold here too: their comments fold as in a thread.
        "muted_ids": muting.muted_ids_of(reader_from(request)),
        "muted_label": MUTED,
    }
    return render(request, "comments/latest.html", context)


@require_safe
def permalink(request: HttpRequest, pk: int) -> HttpResponse:
    comment, reader = _visible_comment_or_404(request, pk)
    return redirect(_comment_url(comment, reader, _order(request)))


# What a refused vote answers, by the kind of refusal.
_REFUSAL_STATUS = ((TooSoon, 429), (Conflict, 409))


@require_POST
def useful(request: HttpRequest, pk: int) -> HttpResponse:
    """The Useful button without JavaScript: mark (`useful=yes`) or unmark (`no`), then back
    to the comment, in the order the reader was reading."""
    reader = reader_from(request)
    change = services.unmark_useful if request.POST.get("useful") == "no" else services.mark_useful
    try:
        change(comment_id=pk, reader=reader)
    except services.CommentRefused as refused:
        comment = queries.comment_for(pk, reader)
        status = next((s for kind, s in _REFUSAL_STATUS if isinstance(refused, kind)), 403)
        return _refused(request, comment.article, refused.message, status=status)
    comment = queries.comment_for(pk, reader)
    return redirect(_comment_url(comment, reader, _order(request)))


@require_POST
def mute(request: HttpRequest, pk: int) -> HttpResponse:
    """Mute (`mute=yes`) or unmute (`no`) the account that wrote a comment, then back to it.
    Private: only this reader's pages change."""
    reader = reader_from(request)
    comment = queries.comment_for(pk, reader)
    try:
        if request.POST.get("mute") == "no":
            muting.unmute(reader=reader, user_id=comment.user_id)
        else:
            muting.mute(reader=reader, user_id=comment.user_id)
    except services.CommentRefused as refused:
        status = next((s for kind, s in _REFUSAL_STATUS if isinstance(refused, kind)), 403)
        return _refused(request, comment.article, refused.message, status=status)
    return redirect(_comment_url(comment, reader, _order(request)))


@require_POST
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a reply as the answer to the question `pk` (`answer=ID`) or take the mark back
    (`unmark=1`): the article's authors and moderators only (403 for anyone else). Then back
    to the answer, in the order the reader was reading."""
    reader = reader_from(request)
    question = queries.comment_for(pk, reader)
    target = question
    try:
        if request.POST.get("unmark"):
            answers.unmark_answer(question, by=request.user)
        else:
            raw = request.POST.get("answer", "")
            reply = (
                Comment.objects.select_related("article").filter(pk=int(raw)).first()
                if raw.isascii() and raw.isdigit()
                else None
            )
            if reply is None:
                raise Conflict(answers.NOT_IN_ITS_THREAD)
            answers.mark_answer(question, reply, by=request.user)
            target = reply
    except services.CommentRefused as refused:
        status = next((s for kind, s in _REFUSAL_STATUS if isinstance(refused, kind)), 403)
        return _refused(request, question.article, refused.message, status=status)
    return redirect(_comment_url(target, reader, _order(request)))


@require_http_methods(["GET", "HEAD", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    comment, reader = _visible_comment_or_404(request, pk)
    limits = ModerationSettings.current()
    if refusal := permissions.why_cannot_edit(comment, reader, edit_minutes=limits.edit_minutes):
        return _refused(request, comment.article, refusal)
    form = EditCommentForm(
        _posted(request), initial={"body": comment.body}, max_length=limits.max_length
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.edit_comment(comment=comment, reader=reader, body=form.cleaned_data["body"])
        except services.CommentRefused as refused:
            form.add_error(None, refused.message)
        else:
            return redirect(_comment_url(comment, reader))
    status = 400 if form.is_bound else 200
    return render(request, "comments/edit.html", {"comment": comment, "form": form}, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    comment, reader = _visible_comment_or_404(request, pk)
    if refusal := permissions.why_cannot_delete(comment, reader):
        return _refused(request, comment.article, refusal)
    if request.method == "POST":
        services.delete_comment(comment=comment, reader=reader)
        messages.success(request, "Your comment was deleted.")
        return redirect(f"{comment.article.get_absolute_url()}#discussion")
    return render(request, "comments/delete.html", {"comment": comment})


@require_http_methods(["GET", "HEAD", "POST"])
def report(request: HttpRequest, pk: int) -> HttpResponse:
    comment, reader = _visible_comment_or_404(request, pk)
    form = ReportForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.report_comment(
                comment=comment,
                reader=reader,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except services.CommentRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, "Thank you. The moderators will look at this comment.")
            response = redirect(_comment_url(comment, reader))
            remember_browser(response, reader)
            return response
    status = 400 if form.is_bound else 200
    return render(
        request, "comments/report.html", {"comment": comment, "form": form}, status=status
    )


# --- Notification mail: confirm, unsubscribe, manage ----------------------------------------


def _signed_or_400(reader, token: str):
    try:
        return reader(token)
    except signing.BadSignature:
        return None


@require_http_methods(["GET", "HEAD", "POST"])
def confirm_subscription(request: HttpRequest, token: str) -> HttpResponse:
    """The double opt-in: the link in the mail shows a button; pressing it confirms.
    (A GET alone confirms nothing, as mail scanners follow links.)"""
    pk = _signed_or_400(mail.read_confirm_token, token)
    subscription = pk and Subscription.objects.filter(pk=pk).first()
    if subscription is None:
        return render(
            request,
            "comments/notice.html",
            {"title": "Link not valid", "message": _BAD_LINK},
            status=400,
        )
    if request.method == "POST":
        subscriptions.confirm(subscription)
        message = f"You will now receive new comments on “{subscription.article.title}”."
        return render(
            request, "comments/notice.html", {"title": "Subscription confirmed", "message": message}
        )
    return render(request, "comments/confirm.html", {"subscription": subscription})


@csrf_exempt  # RFC 8058: mail providers POST "List-Unsubscribe=One-Click" with no cookie
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    pk = _signed_or_400(mail.read_unsubscribe_token, token)
    row = pk and Notification.objects.select_related("subscription__article").filter(pk=pk).first()
    if row is None:
        return render(
            request,
            "comments/notice.html",
            {"title": "Link not valid", "message": _BAD_LINK},
            status=400,
        )
    if request.method == "POST":
        message = subscriptions.unsubscribe_from(row)
        return render(
            request, "comments/notice.html", {"title": "Unsubscribed", "message": message}
        )
    if not subscriptions.is_on_a_list(row):
        context = {"title": "Nothing to unsubscribe from", "message": subscriptions.NOT_A_LIST}
        return render(request, "comments/notice.html", context)
    return render(request, "comments/unsubscribe.html", {"row": row})


_BAD_LINK = "This link is not valid or has expired. Links from older mail may no longer work."


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    """One page for a signed-in reader's subscriptions and mail preferences."""
    prefs = subscriptions.preferences_for(request.user)
    form = PreferencesForm(_posted(request), instance=prefs, user=request.user)
    if request.method == "POST":
        if "unsubscribe" in request.POST:
            raw = request.POST["unsubscribe"]
            sub = (
                Subscription.objects.filter(pk=int(raw), user=request.user).first()
                if raw.isdigit()
                else None
            )
            if sub is None:
                messages.error(request, "That subscription was not found.")
                return redirect("comments:notification_settings")
            subscriptions.leave(sub)
            messages.success(request, "Unsubscribed: no more mail about that discussion.")
            return redirect("comments:notification_settings")
        if form.is_valid():
            form.save()
            messages.success(request, "Your notification settings are saved.")
            return redirect("comments:notification_settings")
    followed = (
        Subscription.objects.filter(user=request.user, unsubscribed_at__isnull=True)
        .select_related("article")
        .order_by("-created_at")
    )
    return render(
        request,
        "comments/notification_settings.html",
        {"form": form, "subscriptions": followed},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def muted_readers(request: HttpRequest) -> HttpResponse:
    """The readers this account muted, each with a button to unmute them."""
    if request.method == "POST":
        raw = request.POST.get("unmute", "")
        reader = reader_from(request)
        if raw.isdigit() and muting.unmute(reader=reader, user_id=int(raw)):
            messages.success(request, "Unmuted: you see that reader's comments again.")
        else:
            messages.error(request, "That reader was not muted.")
        return redirect("comments:muted_readers")
    return render(request, "comments/muted_readers.html", {"muted": muting.muted_by(request.user)})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    """Personal API tokens: create one (its key is shown once), or revoke one."""
    new_key = None
    form = TokenForm(_posted(request))
    if request.method == "POST":
        if "revoke" in request.POST:
            raw = request.POST["revoke"]
            revoked = raw.isdigit() and ApiToken.objects.filter(
                pk=int(raw), user=request.user
            ).update(revoked_at=timezone.now())
            if revoked:
                messages.success(request, "The token is revoked.")
            else:
                messages.error(request, "That token was not found.")
            return redirect("comments:api_tokens")
        if form.is_valid():
            _, new_key = ApiToken.issue(request.user, form.cleaned_data["name"])
            form = TokenForm()
    tokens = ApiToken.objects.filter(user=request.user, revoked_at__isnull=True)
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "comments/api_tokens.html",
        {"form": form, "tokens": tokens, "new_key": new_key},
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def personal_data_page(request: HttpRequest) -> HttpResponse:
    """What is held about the reader; a copy of it (JSON); and its erasure."""
    user = request.user
    if request.method != "POST" and request.GET.get("download"):
        data = personal_data.export_for_user(user, actor=user)
        return personal_data.download(data)
    form = EraseForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        delete = form.cleaned_data["comments"] == "delete"
        count = personal_data.erase_for_user(user, actor=user, delete_comments=delete)
        messages.success(
            request,
            f"Your personal data is erased from {count} comment{'s' if count != 1 else ''}"
            f"{', which are deleted' if delete and count else ''}. Your subscriptions, mail "
            "settings and API tokens are gone.",
        )
        response = redirect("comments:personal_data")
        # The name, email and website this browser remembered for the comment form go too.
        response.delete_cookie(DETAILS_COOKIE, samesite="Lax")
        return response
    addresses = EmailAddress.objects.filter(user=user).order_by("-primary", "email")
    return render(
        request,
        "comments/personal_data.html",
        {"form": form, "held": personal_data.held_for_user(user), "addresses": addresses},
        status=400 if form.is_bound and form.errors else 200,
    )
