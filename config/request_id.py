"""The request id: one token that follows a request into its log line, its response and the
Celery tasks it queues, so that a worker's lines about a task name the request behind it.

The id is bound to the running context (a contextvar) by the request-log middleware in the
web process and by `task_prerun` in the worker; every log record gets it as `request_id`
("-" outside a request or task), so any formatter may print `%(request_id)s`.
"""

import contextvars
import logging
import re
import uuid

from celery.signals import before_task_publish, task_postrun, task_prerun

HEADER = "X-Request-ID"
TASK_HEADER = "request_id"
# What we accept from a client or a proxy: a plain token, so it is safe in a log line and a
# header, and cannot smuggle text (an address, a query string) into either.
_SANE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,99}")

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


def is_sane(value: object) -> bool:
    return isinstance(value, str) and _SANE.fullmatch(value) is not None


def from_header(value: str | None) -> str:
    """The client's id when it is a sane token, else a new one."""
    return value if is_sane(value) else uuid.uuid4().hex


def current() -> str | None:
    return _current.get()


def bind(value: str | None) -> contextvars.Token:
    return _current.set(value)


def unbind(token: contextvars.Token) -> None:
    _current.reset(token)


# --- Every log record carries the id ---------------------------------------------------------

_base_factory = logging.getLogRecordFactory()


def _record_with_request_id(*args, **kwargs) -> logging.LogRecord:
    record = _base_factory(*args, **kwargs)
    record.request_id = _current.get() or "-"
    return record


if not getattr(_base_factory, "adds_request_id", False):
    _record_with_request_id.adds_request_id = True
    logging.setLogRecordFactory(_record_with_request_id)


# --- Into the tasks a request queues, and out again in the worker ----------------------------


@before_task_publish.connect(dispatch_uid="config.request_id.carry")
def _carry_into_task(headers=None, **kwargs) -> None:
    request_id = _current.get()
    if request_id and headers is not None:
        headers.setdefault(TASK_HEADER, request_id)


_task_tokens: dict[str, contextvars.Token] = {}


@task_prerun.connect(dispatch_uid="config.request_id.bind")
def _bind_in_worker(task_id=None, task=None, **kwargs) -> None:
    request_id = getattr(task.request, TASK_HEADER, None) if task is not None else None
    # An eager task (tests, `task_always_eager`) runs inside the request and keeps its id.
    _task_tokens[task_id] = _current.set(request_id if is_sane(request_id) else _current.get())


@task_postrun.connect(dispatch_uid="config.request_id.unbind")
def _unbind_in_worker(task_id=None, **kwargs) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        try:
            _current.reset(token)
        except ValueError:  # set in another context (a thread pool): just clear it
            _current.set(None)
