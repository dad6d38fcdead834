"""The REST API at /api/v1/ (django-ninja), with Swedish error messages that name the field."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import APIKeyHeader, HttpBearer, SessionAuth

from bitrade.audit import services as audit
from bitrade.common.errors import DomainError, swedish_validation_errors
from bitrade.common.jsonout import ApiRenderer
from bitrade.organisation.actor import actor_for_api_key
from bitrade.organisation.auth import request_actor
from bitrade.organisation.services import authenticate_api_key


def _api_key_actor(request, token: str):
    key = authenticate_api_key(token)
    if key is None:
        return None
    actor = actor_for_api_key(key)
    request.actor = actor

    def on_record():
        audit.record(actor, "api_key.used", obj=key, new={"method": request.method, "path": request.path})

    # A read's key use goes on record with the answer, unless the answer is 304 Not Modified (nothing was
    # shown); bitrade.web.middleware.ConditionalKeyUseMiddleware writes it. A write's key use goes in with
    # the write's own transaction (one write transaction per request, not two), or on its own when the
    # request ends without one (audit.held_events, opened by the same middleware).
    deferred = getattr(request, "_bitrade_deferred_audit", None)
    if request.method in ("GET", "HEAD") and deferred is not None:
        deferred.append(on_record)
    else:
        audit.record_with_next_write(actor, "api_key.used", obj=key,
                                     new={"method": request.method, "path": request.path})
    return actor


class BearerKey(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request, token):
        return _api_key_actor(request, token)


class HeaderKey(APIKeyHeader):
    param_name = "X-API-Key"

    def authenticate(self, request, key):
        return _api_key_actor(request, key or "")


class SessionActor(SessionAuth):
    """A logged-in person (the browsable docs, the web UI's htmx calls); CSRF is checked."""

    def authenticate(self, request, key):
        if not request.user.is_authenticated:
            return None
        actor = request_actor(request)
        request.actor = actor
        return actor


def api_actor(request):
    """The actor authenticated for this API call."""
    return request.auth

api = NinjaAPI(
    title="Biträde API",
    version="1",
    description=(
        "Begäranden om handräckning enligt LPT, LRV, LVM och LVU. Maskinklienter autentiserar sig med "
        "en API-nyckel (`Authorization: Bearer …` eller `X-API-Key`). Alla skrivningar tar en "
        "`Idempotency-Key`."
    ),
    auth=[BearerKey(), HeaderKey(), SessionActor()],
    urls_namespace="api",
    docs_url="/docs",
    renderer=ApiRenderer(),
)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    return api.create_response(
        request,
        {"detail": "Begäran innehåller fel. Rätta fälten nedan och skicka igen.",
         "errors": swedish_validation_errors(exc.errors)},
        status=422,
    )


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return api.create_response(
        request, {"detail": "Inloggning krävs: ange en giltig API-nyckel eller logga in."}, status=401
    )


@api.exception_handler(RequestDataTooBig)
def on_too_big(request, exc):
    msg = "Begäran är för stor (högst 40 MB inklusive bilagor)."
    return api.create_response(request, {"detail": msg, "errors": [
        {"field": "body", "code": "too_large", "message": msg}]}, status=413)


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    """Every refusal from a rule or a service (intake, cases, idempotency …), answered the same way."""
    return api.create_response(request, exc.as_response(), status=exc.status)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc):
    return api.create_response(request, {"detail": str(exc) or "Åtkomst nekad."}, status=403)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return api.create_response(request, {"detail": "Finns inte, eller så saknar du behörighet."}, status=404)


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        msg = "Begäran kunde inte läsas: skicka giltig JSON (Content-Type: application/json)."
        return api.create_response(request, {"detail": msg, "errors": [
            {"field": "body", "code": "json_invalid", "message": msg}]}, status=400)
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


def _register_routers() -> None:
    from bitrade.cases.api import router as cases_router
    from bitrade.followup.api import router as followup_router
    from bitrade.intake.api import router as intake_router
    from bitrade.legal.api import router as legal_router
    from bitrade.monitoring.api import router as monitoring_router
    from bitrade.organisation.api import router as organisation_router
    from bitrade.returns.api import router as returns_router

    api.add_router("/requests", intake_router)
    api.add_router("/cases", cases_router)
    api.add_router("/legal", legal_router)
    api.add_router("/followup", followup_router)
    api.add_router("/organisation", organisation_router)
    api.add_router("/em", monitoring_router)
    api.add_router("/returns", returns_router)


_register_routers()
