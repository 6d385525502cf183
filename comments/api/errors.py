"""One JSON shape for every error the API returns:

{"error": {"status": 400, "code": "invalid", "message": "…", "fields": {"body": ["…"]}}}
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from comments.moderation.pipeline import Conflict, NotAllowed, Refused, TooSoon


class ErrorDetailSerializer(serializers.Serializer):
    status = serializers.IntegerField(help_text="The HTTP status, again.")
    code = serializers.CharField(help_text="invalid, refused, not_found, throttled, ...")
    message = serializers.CharField()
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="For invalid input: what is wrong with each field.",
    )


class ErrorSerializer(serializers.Serializer):
    """Every error the API answers, whatever its status."""

    error = ErrorDetailSerializer()


# A refusal by the services: the request was well formed, and the answer depends on the kind.
_REFUSALS = (
    (TooSoon, 429, "throttled"),
    (Conflict, 409, "conflict"),
    (NotAllowed, 403, "permission_denied"),
    (Refused, 400, "refused"),
)


def _error(status_code: int, code: str, message: str, fields: dict | None = None) -> dict:
    body = {"status": status_code, "code": code, "message": message}
    if fields:
        body["fields"] = fields
    return {"error": body}


def _messages(value, where: str = "") -> list[str]:
    """A field's errors as sentences, those of an item in a list or object of it saying
    which ("2 url: Enter a valid URL." for the second item's url)."""
    if isinstance(value, dict):
        found = []
        for key, inner in value.items():
            name = str(key + 1) if isinstance(key, int) else str(key)  # items count from 1
            found += _messages(inner, f"{where} {name}".strip() if where else name)
        return found
    if isinstance(value, list):
        if all(not isinstance(item, dict | list) for item in value):
            return [f"{where}: {item}" if where else str(item) for item in value]
        found = []
        for number, item in enumerate(value, start=1):
            found += _messages(item, f"{where} {number}".strip())
        return found
    return [f"{where}: {value}" if where else str(value)]


def exception_handler(exc, context):
    if isinstance(exc, Refused):
        return _refusal(exc)
    if isinstance(exc, ValidationError):
        exc = exceptions.ValidationError(exc.messages)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a server error: Django's own handling and logging
    detail = response.data
    code = getattr(exc, "default_code", "error")
    if isinstance(exc, exceptions.ValidationError):
        if isinstance(detail, dict):
            fields = {key: _messages(value) for key, value in detail.items()}
            message = "The request has invalid fields."
        else:
            fields, message = None, " ".join(str(m) for m in detail)
        response.data = _error(response.status_code, "invalid", message, fields)
    else:
        message = str(detail.get("detail", detail)) if isinstance(detail, dict) else str(detail)
        if isinstance(exc, Http404 | exceptions.NotFound):
            code, message = "not_found", "Not found."
        elif isinstance(exc, PermissionDenied):
            code = "permission_denied"
        response.data = _error(response.status_code, str(code), message)
    return response


def _refusal(exc: Refused) -> Response:
    status_code, code = next((s, c) for kind, s, c in _REFUSALS if isinstance(exc, kind))
    fields = {exc.field: [exc.message]} if exc.field else None
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooSoon) else None
    return Response(
        _error(status_code, code, exc.message, fields), status=status_code, headers=headers
    )
