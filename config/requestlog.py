"""What every request leaves behind: one JSON log line on `discussions.request`, the
`X-Request-ID` response header, and its count in the metrics.

The line holds the request id, method, path (never the query string, and with tokens in the
path masked), status, duration in milliseconds and whether the page cache answered
(`request.cache_hit`, set by the page cache; false when it is not set). It names no person:
no address, no email, no user agent.
"""

import json
import logging
import time

from config import metrics, request_id

logger = logging.getLogger("discussions.request")

# URL arguments that are secrets: signed unsubscribe links, allauth's confirmation and
# password-reset keys. Their values are masked in the logged path.
SECRET_URL_ARGUMENTS = frozenset({"token", "key", "uidb36", "uidb64"})
MASK = "[token]"


class RequestLogMiddleware:
    """Outermost middleware: it sees every response, the errors Django turned into 500s too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        request.request_id = request_id.from_header(request.headers.get(request_id.HEADER))
        token = request_id.bind(request.request_id)
        try:
            response = self.get_response(request)
            response[request_id.HEADER] = request.request_id
            cache_hit = getattr(request, "cache_hit", None)
            metrics.count_response(response.status_code, cache_hit)
            logger.info(
                json.dumps(
                    {
                        "event": "request",
                        "request_id": request.request_id,
                        "method": request.method[:16],
                        "path": logged_path(request),
                        "status": response.status_code,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                        "cache_hit": cache_hit is True,
                    },
                    ensure_ascii=True,
                )
            )
            return response
        finally:
            request_id.unbind(token)


def logged_path(request) -> str:
    """The path without its query string, secret URL arguments masked."""
    path = request.path
    match = getattr(request, "resolver_match", None)
    if match is not None:
        for name, value in match.kwargs.items():
            if name in SECRET_URL_ARGUMENTS and isinstance(value, str) and value:
                path = path.replace(value, MASK)
    return path[:500]
