from __future__ import annotations

import re

from bitrade.audit.context import reset_request_id, set_request_id

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Gives every request an id (or keeps a well-formed X-Request-ID) for the audit trail."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        token = set_request_id(incoming if _SAFE_ID.match(incoming) else None)
        try:
            from bitrade.audit.context import current_request_id

            request.request_id = current_request_id()
            response = self.get_response(request)
            response["X-Request-ID"] = request.request_id
            return response
        finally:
            reset_request_id(token)


class ConditionalKeyUseMiddleware:
    """Records an API key's use on a read once the answer is known: every answer but 304 Not Modified
    (a 304 shows nothing, so a client polling with If-None-Match leaves no trail of unchanged polls)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        pending: list = []
        request._bitrade_deferred_audit = pending
        response = self.get_response(request)
        if response.status_code != 304:
            for record in pending:
                record()
        return response
