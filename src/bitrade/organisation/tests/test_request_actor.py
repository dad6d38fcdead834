"""The request's actor: a person acting for a police unit is built from their unit memberships alone, and
is the same actor ``actor_for_person`` builds from every membership, whatever capacity the session holds."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.utils import timezone

from bitrade.organisation.actor import actor_for_person, capacities, police_actor, unit_memberships
from bitrade.organisation.auth import SESSION_CAPACITY, request_actor, request_capacities
from bitrade.organisation.models import (
    Person,
    RequestingOrganisation,
    StaffMembership,
    Unit,
    UnitMembership,
)

pytestmark = pytest.mark.django_db


def _request(person, capacity_key=None):
    request = RequestFactory().get("/")
    request.user = person or AnonymousUser()
    request.session = {} if capacity_key is None else {SESSION_CAPACITY: capacity_key}
    return request


def _keys(person):
    return [None, *(c.key for c in capacities(person)), "unit:999999", "staff:999999", "national:x"]


def test_the_request_actor_is_the_actor_of_every_membership_for_every_demo_login_and_capacity(demo):
    checked = 0
    for person in Person.objects.all():
        for key in _keys(person):
            request = _request(person, key)
            assert request_actor(request) == actor_for_person(person, key), (person.username, key)
            assert request_capacities(request) == capacities(person), (person.username, key)
            checked += 1
    assert checked > 20


def test_a_police_capacity_needs_only_the_unit_memberships(demo, django_assert_num_queries):
    person = Person.objects.get(username="gc.malmo")
    key = next(c.key for c in capacities(person) if c.key.startswith("unit:"))
    request = _request(person, key)
    with django_assert_num_queries(1):
        actor = request_actor(request)
    assert actor.is_police and actor.capacity_key == key
    expected = capacities(person)
    with django_assert_num_queries(1):  # the capacity menu, when a page shows it: the staff memberships
        assert request_capacities(request) == expected


def test_an_expired_or_other_capacity_falls_back_to_every_membership(demo):
    person = Person.objects.get(username="gc.malmo")
    units = unit_memberships(person)
    first = units[0]
    assert police_actor(person, f"unit:{first.pk}", units) == actor_for_person(person, f"unit:{first.pk}")
    assert police_actor(person, "staff:1", units) is None
    assert police_actor(person, f"national:{first.pk}", units) is None
    # The membership ends: it is no longer a capacity, and the full path decides (here: another capacity).
    # (Through the model, as the admin and services change it: the change bumps the version the memberships
    # are kept under, organisation.actor.membership_version.)
    first.valid_to = timezone.localdate() - timedelta(days=1)
    first.save(update_fields=["valid_to"])
    person.refresh_from_db()
    assert police_actor(person, f"unit:{first.pk}", unit_memberships(person)) is None
    assert request_actor(_request(person, f"unit:{first.pk}")) == actor_for_person(person, f"unit:{first.pk}")


def test_a_person_with_a_staff_and_a_unit_capacity_gets_the_one_chosen(demo):
    person = Person.objects.get(username="gc.malmo")
    org = RequestingOrganisation.objects.first()
    staff = StaffMembership.objects.create(person=person, organisation=org, role=StaffMembership._meta.get_field(
        "role").choices[0][0])
    staff_actor = request_actor(_request(person, f"staff:{staff.pk}"))
    assert staff_actor == actor_for_person(person, f"staff:{staff.pk}") and not staff_actor.is_police
    unit_actor = request_actor(_request(person))
    assert unit_actor == actor_for_person(person) and unit_actor.is_police  # police units come first
    assert Unit.objects.filter(pk=unit_actor.unit_id).exists()


def test_no_actor_for_an_anonymous_request(demo):
    assert request_actor(_request(None)) is None
    assert request_capacities(_request(None)) == []


def test_kept_memberships_follow_every_change_of_a_membership(demo, client):
    """Revoked, moved or added: the next request acts on what the database holds (the memberships are kept per
    configuration version, which every change of a membership, unit or region bumps)."""
    from bitrade.organisation.models import Unit

    person = Person.objects.get(username="gc.malmo")
    client.force_login(person)
    assert client.get("/").status_code == 200
    membership = UnitMembership.objects.get(person=person)
    other = Unit.objects.exclude(pk=membership.unit_id).filter(kind=membership.unit.kind).first() or \
        Unit.objects.exclude(pk=membership.unit_id).first()
    membership.unit = other
    membership.save()
    assert request_actor(_request(person, None)).unit_id == other.pk
    page = client.get("/")
    assert page.status_code == 200 and other.name in page.content.decode()
    membership.delete()
    assert request_actor(_request(person, None)) is None or not request_actor(_request(person, None)).is_police
    assert client.get("/").status_code in (302, 403)


def test_kept_staff_memberships_follow_every_change(demo, django_assert_num_queries):
    """The staff memberships are read once per configuration version: again, no query; added, ended or
    removed (through the model, as the admin and services do), the next read has the change."""
    from bitrade.common import memo
    from bitrade.organisation.actor import staff_memberships
    from bitrade.routing.selectors import configuration_version

    person = Person.objects.get(username="gc.malmo")
    first = staff_memberships(person)
    with memo.request_scope():
        configuration_version()  # a request reads the version once anyway
        with django_assert_num_queries(0):
            assert staff_memberships(person) == first
    org = RequestingOrganisation.objects.first()
    role = StaffMembership._meta.get_field("role").choices[0][0]
    added = StaffMembership.objects.create(person=person, organisation=org, role=role)
    assert [m.pk for m in staff_memberships(person)] == [m.pk for m in first] + [added.pk]
    added.valid_to = timezone.localdate() - timedelta(days=1)
    added.save(update_fields=["valid_to"])
    assert next(m for m in staff_memberships(person) if m.pk == added.pk).valid_to == added.valid_to
    assert f"staff:{added.pk}" not in [c.key for c in capacities(person)]
    added.delete()
    assert [m.pk for m in staff_memberships(person)] == [m.pk for m in first]
