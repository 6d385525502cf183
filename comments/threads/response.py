"""The article page as a response, with its threads written into the body as UTF-8 bytes.

The template renders the page with a marker where the threads go; the threads' HTML is then
written in its place, one top-level thread at a time. The bytes are the ones the template
would give with `{{ threads_html }}` rendered in place. What changes is memory: the template
engine joins its output once per level of nesting, and a whole discussion of ten thousand
comments is some fifteen megabytes of markup (twice that as a string once any character of
the page is outside Latin-1), so the page used to hold it several times over. Here the body
is the only whole copy.
"""

import io
import secrets
from collections.abc import Iterator

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from comments.threads.html import ThreadRenderer
from comments.threads.queries import Node


class DeferredThreads:
    """`threads_html` in the page's context: the threads' HTML wherever a template renders
    it, or, while `page_response` renders the page, the marker of where it goes."""

    def __init__(self, renderer: ThreadRenderer, threads: list[Node]):
        self._renderer = renderer
        self._threads = threads
        self.marker: SafeString | None = None

    def chunks(self) -> Iterator[str]:
        return self._renderer.chunks(self._threads)

    def __html__(self) -> SafeString:
        if self.marker is not None:
            return self.marker
        return self._renderer.render(self._threads)

    __str__ = __html__


def page_response(
    request: HttpRequest, template_name: str, context: dict, status: int = 200
) -> HttpResponse:
    """What `django.shortcuts.render` answers, for a context whose `threads_html` is a
    `DeferredThreads` (any other context is rendered as `render` does)."""
    threads = context.get("threads_html")
    if not isinstance(threads, DeferredThreads):
        return render(request, template_name, context, status=status)
    # Random, so that no text on the page can be taken for it.
    marker = threads.marker = mark_safe(f"<!-- threads {secrets.token_hex(16)} -->")  # noqa: S308
    try:
        page = render_to_string(template_name, context, request)
    finally:
        threads.marker = None
    charset = settings.DEFAULT_CHARSET
    body = io.BytesIO()
    for i, piece in enumerate(page.split(marker)):
        if i:
            for chunk in threads.chunks():
                body.write(chunk.encode(charset))
        body.write(piece.encode(charset))
    del page
    # getvalue() hands over the buffer itself, and HttpResponse keeps bytes as they are.
    return HttpResponse(body.getvalue(), status=status)
