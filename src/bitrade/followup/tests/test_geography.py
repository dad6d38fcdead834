"""The regions, police areas and populations the follow-up groups and divides by are read once per version of the
routing configuration, and a change to any of them (which bumps that version) is seen at once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from bitrade.followup import geography, metrics, reports, rules
from bitrade.organisation import actor
from bitrade.organisation.models import Municipality, PoliceArea, PoliceRegion

pytestmark = pytest.mark.django_db


def _geo_queries(ctx) -> int:
    tables = ("organisation_policeregion", "organisation_policearea", "organisation_municipality")
    return sum(any(t in q["sql"] for t in tables) for q in ctx.captured_queries)


def test_kept_per_configuration_version_and_a_change_is_seen_at_once(demo):
    assert actor.membership_version is not None  # installed by the web shell
    geography.clear()
    first = geography.current()
    with CaptureQueriesContext(connection) as ctx:
        assert geography.current() is first
        labels = reports.Labels()
        assert labels.regions and labels.police_areas
    assert _geo_queries(ctx) == 0
    # A municipality's population changes: the populations are summed from the new figures.
    m = Municipality.objects.filter(population__isnull=False).order_by("pk").first()
    m.population += 1234
    m.save()
    region_id = m.police_area.region_id
    want = Municipality.objects.filter(police_area__region_id=region_id).aggregate(s=Sum("population"))["s"]
    assert metrics.population(rules.REGION, {})[str(region_id)] == want
    assert metrics.population(rules.NATION, {"region_id": region_id}) == {"": want}
    area = m.police_area_id
    want_area = Municipality.objects.filter(police_area_id=area).aggregate(s=Sum("population"))["s"]
    assert metrics.population(rules.POLICE_AREA, {"police_area_id": area})[str(area)] == want_area
    # A region and a police area are renamed: the labels and the form's choices show the new names.
    region = PoliceRegion.objects.get(pk=region_id)
    region.name = "Region Omdöpt"
    region.save()
    pa = PoliceArea.objects.filter(region_id=region_id).order_by("pk").first()
    pa.name = "Området Omdöpt"
    pa.save()
    labels = reports.Labels()
    assert labels.regions[str(region_id)] == "Region Omdöpt"
    assert labels.police_areas[str(pa.pk)][0] == "Området Omdöpt"
    assert geography.current() is not first


def test_without_a_version_everything_is_read_on_every_call(demo, monkeypatch):
    monkeypatch.setattr(actor, "membership_version", None)
    geography.clear()
    geography.current()
    with CaptureQueriesContext(connection) as ctx:
        geography.current()
    assert _geo_queries(ctx) == 3


def test_unit_and_organisation_names_kept_per_version_a_rename_seen_at_once(demo):
    from bitrade.organisation.models import RequestingOrganisation, Unit

    geography.clear()
    org = RequestingOrganisation.objects.order_by("pk").first()
    unit = Unit.objects.order_by("pk").first()
    labels = reports.Labels()
    assert labels.organisations([str(org.pk), "x", "999999"]) == {str(org.pk): org.name}
    assert labels.units([unit.pk]) == {str(unit.pk): unit.name}
    with CaptureQueriesContext(connection) as ctx:
        assert labels.organisations([str(org.pk)]) == {str(org.pk): org.name}
        assert labels.units([str(unit.pk)]) == {str(unit.pk): unit.name}
    assert not [q for q in ctx.captured_queries if "requestingorganisation" in q["sql"] or '"organisation_unit"' in q["sql"]]
    # Renamed through the model (as the administration does): the version moves, the new name is shown.
    org.name = "Socialnämnden Omdöpt"
    org.save()
    unit.name = "Gruppen Omdöpt"
    unit.save()
    assert labels.organisations([org.pk]) == {str(org.pk): "Socialnämnden Omdöpt"}
    assert labels.units([unit.pk]) == {str(unit.pk): "Gruppen Omdöpt"}
    # Added without a version change (a bulk load): read from the database, not left out.
    added = RequestingOrganisation.objects.bulk_create([RequestingOrganisation(
        name="Nytillkommen nämnd", kind=org.kind, municipality=org.municipality)])[0]
    assert labels.organisations([org.pk, added.pk]) == {str(org.pk): "Socialnämnden Omdöpt",
                                                       str(added.pk): "Nytillkommen nämnd"}


def test_thresholds_are_kept_per_version_and_a_change_is_seen(django_assert_num_queries):
    from bitrade.common import memo
    from bitrade.followup import selectors
    from bitrade.followup.models import ThresholdSetting
    from bitrade.routing.selectors import configuration_version

    before = selectors.stored_thresholds()
    with memo.request_scope():
        configuration_version()  # a request reads the version once anyway
        with django_assert_num_queries(0):
            assert selectors.stored_thresholds() == before
    setting = ThresholdSetting.objects.create(key="open_days", value=5)
    assert selectors.stored_thresholds() == {**before, "open_days": 5}
    setting.value = 9
    setting.save()
    assert selectors.stored_thresholds()["open_days"] == 9
    setting.delete()
    assert selectors.stored_thresholds() == before
