"""The organisation in the database: structure, validation, capacities, API keys."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bitrade.audit.models import AuditEvent
from bitrade.common import actor as a
from bitrade.organisation.models import (
    ApiKey,
    County,
    Municipality,
    PoliceArea,
    PoliceRegion,
    RequestingOrganisation,
    Unit,
)
from bitrade.organisation.services import authenticate_api_key, issue_api_key, revoke_api_key

pytestmark = pytest.mark.django_db


def test_structure_has_all_regions_and_municipalities(demo):
    assert PoliceRegion.objects.count() == 7
    assert Municipality.objects.count() == 290
    assert County.objects.count() == 21


@pytest.mark.parametrize("kommunkod, region", [
    ("1280", "syd"), ("0880", "syd"), ("0180", "stockholm"), ("0980", "stockholm"), ("2584", "nord"),
    ("2281", "nord"), ("0380", "mitt"), ("2180", "mitt"), ("0580", "ost"), ("0680", "ost"), ("1480", "vast"),
    ("1380", "vast"), ("1880", "bergslagen"), ("2080", "bergslagen"),
])
def test_municipality_maps_to_police_area_and_region(demo, kommunkod, region):
    m = Municipality.objects.select_related("police_area__region", "county__region").get(code=kommunkod)
    assert m.police_area.region.code == region
    assert m.county.region.code == region


def test_every_police_area_has_a_station_commander_desk(demo):
    for area in PoliceArea.objects.all():
        assert Unit.objects.filter(police_area=area, kind="station_commander_desk").exists(), area


def test_unknown_kommunkod_is_refused_with_a_message(demo):
    m = Municipality(code="12A4", name="X", county=County.objects.first(), police_area=PoliceArea.objects.first())
    with pytest.raises(ValidationError) as err:
        m.full_clean()
    assert "fyra siffror" in str(err.value)


def test_municipality_in_police_area_of_another_region_is_refused(demo):
    m = Municipality(code="9998", name="X", county=County.objects.get(code="12"),
                     police_area=PoliceArea.objects.filter(region__code="nord").first())
    with pytest.raises(ValidationError) as err:
        m.full_clean()
    assert "polisregion" in str(err.value)


def test_unit_without_region_is_refused(demo):
    with pytest.raises(ValidationError) as err:
        Unit(name="Utan region", kind="rlc").full_clean()
    assert "region" in str(err.value)


def test_unit_police_area_must_be_in_its_region(demo):
    u = Unit(name="Fel", kind="station_commander_desk", region=PoliceRegion.objects.get(code="syd"),
             police_area=PoliceArea.objects.filter(region__code="nord").first())
    with pytest.raises(ValidationError) as err:
        u.full_clean()
    assert "inte i enhetens region" in str(err.value)


def test_capacities_per_persona(demo, actor_of):
    assert actor_of("sb.malmo").kind == a.POLICE
    assert "station_commander" in actor_of("sb.malmo").functions
    assert actor_of("overlakare.malmo").kind == a.REQUESTER
    assert actor_of("overlakare.malmo").role == "chief_physician"
    assert actor_of("nte.syd").kind == a.KRIMINALVARDEN
    assert actor_of("analytiker").kind == a.ANALYST
    assert actor_of("admin").kind == a.ADMINISTRATOR


def test_api_key_is_stored_hashed_shown_once_and_revocable(demo, actor_of):
    org = RequestingOrganisation.objects.get(name="Socialnämnden Stockholms stad")
    key, plaintext = issue_api_key(actor_of("admin"), org, "verksamhetssystem")
    stored = ApiKey.objects.get(pk=key.pk)
    assert plaintext not in (stored.key_hash, stored.prefix)
    assert plaintext.split("_", 2)[2] not in stored.key_hash
    assert authenticate_api_key(plaintext).pk == key.pk
    assert authenticate_api_key(plaintext + "x") is None
    assert authenticate_api_key("btr_nope_nope") is None
    revoke_api_key(actor_of("admin"), stored, "test")
    assert authenticate_api_key(plaintext) is None
    assert AuditEvent.objects.filter(action="api_key.issued", object_id=str(key.pk)).exists()
    assert AuditEvent.objects.filter(action="api_key.revoked", object_id=str(key.pk)).exists()


def test_only_administrators_issue_keys(demo, actor_of):
    org = RequestingOrganisation.objects.get(name="Socialnämnden Stockholms stad")
    with pytest.raises(PermissionDenied):
        issue_api_key(actor_of("sb.malmo"), org, "nej")
