"""The request id in every log line, and the JSON lines of LOG_FORMAT=json.

Each request gets an id: the X-Request-ID that Varnish sets (its own transaction id, the
number varnishlog shows for the request, deploy/varnish/default.vcl), or a new one. It is
echoed in the response's X-Request-ID and added to every log record written while the
request is handled (`RequestIdFilter` on the console handler, settings.LOGGING), so the
lines of one request can be found in the app's log and matched with the proxy's.

An X-Request-ID is believed only from TRUSTED_PROXIES and only when it looks like an id:
a client talking to gunicorn directly could otherwise put any text into the log or reuse
another request's id.
"""

import contextvars
import logging
import re
import uuid

from django.core.signals import request_finished
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as BaseJsonFormatter

from newsroom.net import is_trusted_proxy

HEADER = "X-Request-ID"
# Varnish's transaction ids are numbers; uuids, nginx's $request_id and the like fit too.
VALID_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}\Z")

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


def _forget(**kwargs) -> None:
    # At the end of the request, not of the middleware: Django logs a 4xx/5xx answer after
    # the middleware chain has returned, and that line carries the id too.
    request_id.set(None)


request_finished.connect(_forget, dispatch_uid="newsroom.logging.forget_request_id")


class RequestIdMiddleware:
    """Gives the request its id (see the module) and echoes it in the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get(HEADER, "")
        if VALID_ID.match(given) and is_trusted_proxy(request.META.get("REMOTE_ADDR", "")):
            current = given
        else:
            current = uuid.uuid4().hex
        request_id.set(current)
        response = self.get_response(request)
        response[HEADER] = current
        return response


class RequestIdFilter(logging.Filter):
    """Adds `request_id` (None outside a request) to every record of a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class JsonFormatter(BaseJsonFormatter):
    """One JSON object per line: timestamp (UTC), level, logger, message, request_id, and
    what the record carries besides (Django's status_code, an exception's traceback)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("fmt", ["levelname", "name", "message"])
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("timestamp", True)
        # Django's request records carry the request object; its repr says less than the
        # message already does.
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, "request"])
        super().__init__(*args, **kwargs)
