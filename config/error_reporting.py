"""Error reports to Sentry (or a compatible service), started by settings when SENTRY_DSN is
set. A report says what broke and where; it never carries a reader's data: no address,
cookie, query string, request body or user, whatever the SDK would collect by default."""

import sentry_sdk

# Request headers a report may keep; every other one (Cookie, Authorization,
# X-Forwarded-For, User-Agent, ...) is dropped.
KEPT_HEADERS = frozenset({"Host", "Accept", "Content-Type", "Content-Length", "X-Request-Id"})


def scrub(event: dict, hint: dict | None = None) -> dict:
    """Sentry's before_send: strip what could name a person."""
    request = event.get("request")
    if isinstance(request, dict):
        for field in ("query_string", "cookies", "data", "env"):
            request.pop(field, None)
        if isinstance(request.get("url"), str):
            request["url"] = request["url"].split("?", 1)[0]
        headers = request.get("headers")
        if isinstance(headers, dict):
            request["headers"] = {
                key: value for key, value in headers.items() if key.title() in KEPT_HEADERS
            }
    event.pop("user", None)
    return event


def start(*, dsn: str, environment: str) -> None:
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        send_default_pii=False,
        max_request_body_size="never",
        traces_sample_rate=0.0,
        # A frame's variables may hold anything: an address, a comment, a request.
        include_local_variables=False,
        before_send=scrub,
    )
