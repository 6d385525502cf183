"""One JSON shape for every error the API returns:

{"error": {"status": 400, "code": "invalid", "message": "…", "fields": {"body": ["…"]}}}
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from comments.moderation import Refused


def _error(status_code: int, code: str, message: str, fields: dict | None = None) -> dict:
    body = {"status": status_code, "code": code, "message": message}
    if fields:
        body["fields"] = fields
    return {"error": body}


def exception_handler(exc, context):
    if isinstance(exc, Refused):
        fields = {exc.field: [exc.message]} if exc.field else None
        return Response(_error(400, "refused", exc.message, fields), status=400)
    if isinstance(exc, ValidationError):
        exc = exceptions.ValidationError(exc.messages)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a server error: Django's own handling and logging
    detail = response.data
    code = getattr(exc, "default_code", "error")
    if isinstance(exc, exceptions.ValidationError):
        if isinstance(detail, dict):
            fields = {
                key: [str(m) for m in (value if isinstance(value, list) else [value])]
                for key, value in detail.items()
            }
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
