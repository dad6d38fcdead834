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


class HouseErrorPagesMiddleware:
    """With DEBUG on (the demo, development), an unknown address still shows the house 404 page, not
    Django's technical page listing every URL pattern. The API keeps its JSON answers. Off with
    BITRADE_HOUSE_ERROR_PAGES=0 when a developer wants the technical page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        response = self.get_response(request)
        if (settings.DEBUG and getattr(settings, "BITRADE_HOUSE_ERROR_PAGES", True) and response.status_code == 404
                and not getattr(response, "house_page", False) and not request.path.startswith("/api/")
                and response.get("Content-Type", "").startswith("text/html")):
            from .views import not_found

            return not_found(request)
        return response
