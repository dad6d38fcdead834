"""Every login, logout, failed login, lockout and refusal (403) on record in the audit trail."""

from __future__ import annotations

from dataclasses import dataclass

from bitrade.audit import services as audit
from bitrade.audit.context import refusal_recorded, track_refusals, untrack_refusals
from bitrade.organisation.actor import actor_for_person


@dataclass(frozen=True)
class Unidentified:
    """Someone not (yet) acting in a capacity: a login attempt, a person without a role."""

    label: str
    person_id: int | None = None

    def audit_fields(self) -> dict:
        return {"actor_kind": "anonymous", "actor_label": self.label[:200], "actor_person_id": self.person_id,
                "actor_unit_id": None, "actor_organisation_id": None, "actor_api_key_id": None}


def _ip(request) -> str:
    return (request.META.get("REMOTE_ADDR") or "")[:64] if request is not None else ""


def _person_actor(user):
    return actor_for_person(user) or Unidentified(user.get_username(), user.pk)


def on_logged_in(sender, request, user, **kwargs):
    audit.record(_person_actor(user), "auth.login", object_type="organisation.person", object_id=user.pk,
                 new={"ip": _ip(request)})


def on_logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit.record(_person_actor(user), "auth.logout", object_type="organisation.person", object_id=user.pk)


def on_login_failed(sender, credentials, request=None, **kwargs):
    username = str((credentials or {}).get("username", ""))[:150]
    audit.record(Unidentified(username or "okänd"), "auth.login_failed", object_type="organisation.person",
                 result=audit.REFUSED, reason="fel användarnamn eller lösenord", new={"ip": _ip(request)})


def on_locked_out(sender, request, username, ip_address, **kwargs):
    audit.record(Unidentified(str(username or "okänd")[:150]), "auth.locked_out", object_type="organisation.person",
                 result=audit.REFUSED, reason="för många misslyckade inloggningar", new={"ip": str(ip_address or "")})


def connect() -> None:
    from axes.signals import user_locked_out
    from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

    user_logged_in.connect(on_logged_in, dispatch_uid="bitrade.audit.login")
    user_logged_out.connect(on_logged_out, dispatch_uid="bitrade.audit.logout")
    user_login_failed.connect(on_login_failed, dispatch_uid="bitrade.audit.login_failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="bitrade.audit.locked_out")


class AuditRefusalMiddleware:
    """Records every 403 as a refusal, for every role and surface (web pages, PDFs, API), unless the code
    that refused already recorded a more specific refusal while serving the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = track_refusals()
        try:
            response = self.get_response(request)
            if response.status_code == 403 and not refusal_recorded():
                audit.record(self._actor(request), "access.refused", object_type="http",
                             object_id=request.path[:64], result=audit.REFUSED,
                             reason=f"{request.method} {request.path}"[:500])
            return response
        finally:
            untrack_refusals(token)

    @staticmethod
    def _actor(request):
        actor = getattr(request, "auth", None) or getattr(request, "_bitrade_actor", None)
        if actor is not None and hasattr(actor, "audit_fields"):
            return actor
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return _person_actor(user)
        return Unidentified("ej inloggad")
