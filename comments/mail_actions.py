"""Where the approve and spam links of a moderator's alert mail land: a page that shows the
comment and asks to confirm; the POST decides (`moderation.mail_links` says who may)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from comments.moderation import mail_links, transitions


@require_http_methods(["GET", "HEAD", "POST"])
def moderate(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = mail_links.read(token, signed_in=request.user)
    except mail_links.LinkRefused as refused:
        context = {"title": "Link not valid", "message": refused.message}
        return render(request, "comments/notice.html", context, status=refused.status)
    admin_url = reverse("admin:comments_comment_change", args=[link.comment.pk])
    context = {"link": link, "comment": link.comment, "admin_url": admin_url}
    if request.method == "POST":
        try:
            mail_links.decide(link)
        except transitions.TransitionRefused as refused:
            context = {"title": "Not possible", "message": str(refused)}
            return render(request, "comments/notice.html", context, status=409)
        context["done"] = True
    response = render(request, "comments/moderate.html", context)
    response["Referrer-Policy"] = "no-referrer"  # the token stays out of other sites' logs
    return response
