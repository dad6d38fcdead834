"""Single sign-on matches a token to an existing account and never creates one."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from bitrade.audit.models import AuditEvent
from bitrade.organisation.oidc import PersonOIDCBackend, matching_people

pytestmark = pytest.mark.django_db


def test_a_token_is_matched_by_username_then_by_verified_email(demo):
    from bitrade.organisation.models import Person

    gc = Person.objects.get(username="gc.malmo")
    assert list(matching_people({"preferred_username": "GC.MALMO"})) == [gc]
    gc.email = "johan.ek@polisen.example"
    gc.save()
    assert list(matching_people({"email": "johan.ek@polisen.example", "email_verified": True})) == [gc]
    assert not matching_people({"email": "johan.ek@polisen.example", "email_verified": False}).exists()
    assert not matching_people({"preferred_username": "okand.person"}).exists()


def test_an_unknown_person_is_refused_not_created(demo, settings):
    settings.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_SECRET = "x"
    settings.OIDC_OP_TOKEN_ENDPOINT = settings.OIDC_OP_USER_ENDPOINT = "https://idp.invalid/"
    settings.OIDC_RP_SIGN_ALGO = "HS256"
    from bitrade.organisation.models import Person

    before = Person.objects.count()
    with pytest.raises(PermissionDenied):
        PersonOIDCBackend().create_user({"preferred_username": "okand.person"})
    assert Person.objects.count() == before
    assert AuditEvent.objects.filter(action="login.sso_unknown_person", result="refused").exists()
