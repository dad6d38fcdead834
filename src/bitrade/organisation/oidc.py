"""Single sign-on with OpenID Connect (mozilla-django-oidc), switched on by ``BITRADE_OIDC_ENABLED=1``.

A person signs in with the identity provider and is matched to an existing Biträde account — by the
``preferred_username`` claim, else by a verified e-mail address. Accounts are never created from a
token: what a person may do in Biträde comes from their unit and staff memberships, which an
administrator grants, so an unknown person is refused (and the refusal is on record)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from bitrade.audit import services as audit
from bitrade.common.actor import SYSTEM_ACTOR

from .models import Person


def matching_people(claims: dict):
    """The accounts a token's claims point at (at most one is used)."""
    username = (claims.get("preferred_username") or "").strip()
    if username:
        found = Person.objects.filter(username__iexact=username, is_active=True)
        if found.exists():
            return found
    email = (claims.get("email") or "").strip()
    if email and claims.get("email_verified", False):
        return Person.objects.filter(email__iexact=email, is_active=True)
    return Person.objects.none()


class PersonOIDCBackend(OIDCAuthenticationBackend):
    def filter_users_by_claims(self, claims):
        return matching_people(claims)

    def create_user(self, claims):
        audit.record(SYSTEM_ACTOR, "login.sso_unknown_person", result="refused",
                     reason="inget Biträde-konto för den inloggade personen")
        raise PermissionDenied("Du har inget konto i Biträde. Kontakta en administratör.")

    def update_user(self, user, claims):
        return user
