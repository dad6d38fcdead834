"""The session's person as the authentication middleware reads it (``organisation.auth.session_user``, its rows
read by SQL compiled once per thread): the same person, or nobody, as Django's ``get_user`` would give, read
afresh on every request, so that a logout, a changed password or a deactivated account takes effect at once."""

from __future__ import annotations

import pytest
from django.contrib import auth
from django.test import Client, RequestFactory

from bitrade.organisation.auth import session_user
from bitrade.organisation.models import Person
from bitrade.organisation.sessions import SessionStore

pytestmark = pytest.mark.django_db


def _request(client: Client):
    request = RequestFactory().get("/")
    request.session = SessionStore(client.session.session_key)
    return request


def _both(client: Client):
    """Django's answer and ours, each from a fresh read of the session."""
    return auth.get_user(_request(client)), session_user(_request(client))


def test_the_logged_in_person_is_the_one_django_finds(demo):
    client = Client()
    person = Person.objects.get(username="gc.malmo")
    client.force_login(person)
    theirs, ours = _both(client)
    assert theirs.pk == ours.pk == person.pk
    assert type(ours) is Person and ours.username == "gc.malmo"
    assert client.get("/").status_code == 200


def test_a_deactivated_person_is_nobody_on_the_next_request(demo):
    client = Client()
    person = Person.objects.get(username="gc.malmo")
    client.force_login(person)
    Person.objects.filter(pk=person.pk).update(is_active=False)
    theirs, ours = _both(client)
    assert not theirs.is_authenticated and not ours.is_authenticated


def test_a_changed_password_ends_the_session(demo):
    client = Client()
    person = Person.objects.get(username="gc.malmo")
    client.force_login(person)
    person.set_password("ett helt annat lösenord 123")
    person.save()
    request = _request(client)
    assert not session_user(request).is_authenticated
    # The session that failed the check is flushed, as Django does it.
    assert not SessionStore(client.session.session_key).exists(client.session.session_key)


def test_a_logout_elsewhere_takes_effect_on_the_next_request(demo):
    first = Client()
    first.force_login(Person.objects.get(username="gc.malmo"))
    cookie = first.cookies["sessionid"].value
    second = Client()
    second.cookies["sessionid"] = cookie
    assert second.get("/").status_code == 200 and session_user(_request(first)).is_authenticated
    first.post("/logga-ut/")
    response = second.get("/")
    assert response.status_code == 302 and "/logga-in/" in response["Location"]


def test_an_unknown_or_expired_session_is_nobody(demo):
    request = RequestFactory().get("/")
    request.session = SessionStore("x" * 32)
    assert not session_user(request).is_authenticated
    client = Client()
    client.force_login(Person.objects.get(username="gc.malmo"))
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    Session.objects.filter(session_key=client.session.session_key).update(expire_date=timezone.now())
    assert not session_user(_request(client)).is_authenticated
