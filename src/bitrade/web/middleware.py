from __future__ import annotations

import re

from bitrade.audit.context import reset_request_id, set_request_id
from bitrade.common import memo

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Gives every request an id (or keeps a well-formed X-Request-ID) for the audit trail, and its memo of
    rows read once per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        token = set_request_id(incoming if _SAFE_ID.match(incoming) else None)
        try:
            from bitrade.audit.context import current_request_id

            request.request_id = current_request_id()
            # Rows that rarely change (the routing configuration's version, the requesting organisation)
            # are read once per request (bitrade.common.memo).
            with memo.request_scope():
                response = self.get_response(request)
            response["X-Request-ID"] = request.request_id
            return response
        finally:
            reset_request_id(token)


class ConditionalKeyUseMiddleware:
    """Records an API key's use on a read once the answer is known: every answer but 304 Not Modified
    (a 304 shows nothing, so a client polling with If-None-Match leaves no trail of unchanged polls). On a
    write, the key's use goes in with the write's own transaction (``audit.held_events``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from bitrade.audit.services import held_events

        pending: list = []
        request._bitrade_deferred_audit = pending
        if request.method in ("GET", "HEAD"):
            response = self.get_response(request)
        else:
            # A write's key use waits for the write's transaction (bitrade.config.api._api_key_actor).
            with held_events():
                response = self.get_response(request)
        if response.status_code != 304:
            for record in pending:
                record()
        return response


class ControlCharacterMiddleware:
    """Refuses control characters (NUL and the other C0 characters but tab and line breaks) wherever
    they enter: the query string, form fields and JSON bodies, naming the field in Swedish. One net for
    every page and endpoint, in front of the schemas' own check (bitrade.common.validation)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        field = self._offending_field(request)
        if field is not None:
            return self._refuse(request, field)
        return self.get_response(request)

    @staticmethod
    def _offending_field(request) -> str | None:
        from django.core.exceptions import RequestDataTooBig

        from bitrade.common.errors import field_path
        from bitrade.common.validation import first_control_path, has_control_characters

        for key, values in request.GET.lists():
            if has_control_characters(key) or any(has_control_characters(v) for v in values):
                return key
        if request.method not in ("POST", "PUT", "PATCH"):
            return None
        content_type = request.content_type or ""
        try:
            if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                for key, values in request.POST.lists():
                    if has_control_characters(key) or any(has_control_characters(v) for v in values):
                        return key
                for key, files in request.FILES.lists():
                    if any(has_control_characters(f.name or "") for f in files):
                        return key
            elif content_type == "application/json" and _JSON_CONTROL_ESCAPE.search(request.body):
                import json

                try:
                    path = first_control_path(json.loads(request.body))
                except ValueError:
                    return None  # not JSON: the endpoint answers that itself
                if path is not None:
                    return field_path(path)
        except RequestDataTooBig:
            return None  # the endpoint answers 413 itself
        return None

    @staticmethod
    def _refuse(request, field: str):
        from django.http import JsonResponse
        from django.shortcuts import render

        from bitrade.common.validation import CONTROL_MESSAGE

        if request.path.startswith("/api/"):
            return JsonResponse({"detail": "Begäran innehåller fel. Rätta fälten nedan och skicka igen.",
                                 "errors": [{"field": field, "code": "control_character",
                                             "message": CONTROL_MESSAGE}]}, status=422)
        return render(request, "400.html", {"field": field, "message": CONTROL_MESSAGE}, status=400)


# Only a JSON body holding an escaped control character (\u0000–\u001f but \t \n \r, \u007f, \b, \f)
# is parsed here; the count of backslashes before it must be even for the escape to be real.
_JSON_CONTROL_ESCAPE = re.compile(
    rb"(?<!\\)(?:\\\\)*\\(?:u00(?:0[0-8bBcCeEfF]|1[0-9a-fA-F]|7[fF])|[bf])")


class RequestSizeLimitMiddleware:
    """Refuses a body larger than DATA_UPLOAD_MAX_MEMORY_SIZE from its Content-Length, before a byte of
    it is read (Django's own check does not count multipart files, so a 400 MB web-form upload would
    otherwise be spooled to disk in full first). A body without a length is bounded by the reverse proxy
    (docs/operations.md)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:
            return self._refuse(request, limit)
        return self.get_response(request)

    @staticmethod
    def _refuse(request, limit: int):
        from django.http import HttpResponse, JsonResponse

        msg = f"Begäran är för stor (högst {limit // (1024 * 1024)} MB inklusive bilagor)."
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": msg, "errors": [{"field": "body", "code": "too_large",
                                                                "message": msg}]}, status=413)
        else:
            response = HttpResponse(f"<!doctype html><html lang=\"sv\"><title>För stor</title><p>{msg}</p>",
                                    status=413, content_type="text/html; charset=utf-8")
        response["Connection"] = "close"  # the unread body must not be taken for the next request
        return response


# No inline script anywhere, no eval, nothing from another origin: the pages load app.css, app.js and the
# vendored htmx from /static/, and htmx is configured not to inject its own <style> (base.html).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# The browsable API documentation (Swagger UI, served from django-ninja's own static files) sets styles
# inline; its scripts are still files.
DOCS_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace("style-src 'self'",
                                                               "style-src 'self' 'unsafe-inline'")


class ContentSecurityPolicyMiddleware:
    """Sets Content-Security-Policy (and Referrer/Permissions policies) on every response that has
    none of its own (a document download sets a stricter sandbox itself)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            docs = request.path.startswith("/api/") and request.path.rstrip("/").endswith("/docs")
            response["Content-Security-Policy"] = DOCS_CONTENT_SECURITY_POLICY if docs else CONTENT_SECURITY_POLICY
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        return response


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
