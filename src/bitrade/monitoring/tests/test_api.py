"""The alarm API (key + HMAC, 202, idempotent, ordered per device, batch), the console and its live
stream, the command line and the simulator."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from bitrade.monitoring import rules, services
from bitrade.monitoring.models import Alarm, ContactBan, Device

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Europe/Stockholm")


@pytest.fixture
def setup(em_system):
    system, key, secret = em_system
    ban = ContactBan.objects.select_related("case").get(case__state=rules.ACTIVE)
    Device.objects.create(system=system, device_id="D-1", contact_ban=ban)
    return system, key, secret, ban


def _post(client, key, secret, body: dict, path="/api/v1/em/alarms", signature=None):
    raw = json.dumps(body).encode()
    return client.post(path, data=raw, content_type="application/json", HTTP_X_API_KEY=key,
                       HTTP_X_BITRADE_SIGNATURE=signature or services.sign(secret, raw))


def _alarm(n, kind="zone_entry", seq=None, at=None, device="D-1"):
    return {"alarm_id": f"A-{n}", "device_id": device, "sequence": n if seq is None else seq, "type": kind,
            "raised_at": (at or timezone.now()).isoformat()}


def test_an_immediate_alarm_goes_to_the_rlc_at_once(client, setup):
    system, key, secret, ban = setup
    response = _post(client, key, secret, _alarm(1))
    assert response.status_code == 202 and response.json()["status"] == "accepted"
    alarm = Alarm.objects.get(supplier_alarm_id="A-1")
    assert (alarm.unit_id, alarm.handled_by, alarm.category, alarm.state) == (ban.rlc_id, "rlc", "immediate", "raised")
    assert _post(client, key, secret, _alarm(1)).json()["status"] == "duplicate"
    assert Alarm.objects.filter(supplier_alarm_id="A-1").count() == 1


def test_a_not_immediate_alarm_waits_for_bops_working_hours(client, setup):
    system, key, secret, ban = setup
    saturday_night = datetime(2030, 6, 1, 23, 0, tzinfo=TZ)
    assert _post(client, key, secret, _alarm(2, "battery_low", at=saturday_night)).status_code == 202
    alarm = Alarm.objects.get(supplier_alarm_id="A-2")
    assert alarm.handled_by == "bops" and alarm.unit_id == ban.case.unit_id and alarm.state == "bops_queued"
    assert alarm.handle_from == datetime(2030, 6, 3, 8, 0, tzinfo=TZ)  # Monday 08.00


def test_signature_and_key_are_required(client, setup):
    system, key, secret, ban = setup
    assert _post(client, key, secret, _alarm(3), signature="sha256=00").status_code == 401
    assert _post(client, "em_nope_x", secret, _alarm(3)).status_code == 401
    assert not Alarm.objects.filter(supplier_alarm_id="A-3").exists()


def test_bad_input_is_a_4xx_with_the_field(client, setup):
    system, key, secret, ban = setup
    response = _post(client, key, secret, {**_alarm(4), "raised_at": "igår"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "raised_at"
    response = _post(client, key, secret, _alarm(5, device="OKAND"))
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "device_id"


def test_order_per_device_and_batch_replay(client, setup):
    system, key, secret, ban = setup
    batch = {"alarms": [_alarm(12, seq=2), _alarm(11, seq=1), _alarm(13, seq=3, device="OKAND")]}
    response = _post(client, key, secret, batch, path="/api/v1/em/alarms/batch")
    assert response.status_code == 202
    assert (response.json()["accepted"], response.json()["rejected"]) == (2, 1)
    assert not Alarm.objects.filter(late=True).exists()  # replayed in device order
    _post(client, key, secret, _alarm(14, seq=1))  # an old sequence number arrives late
    assert Alarm.objects.get(supplier_alarm_id="A-14").late


def test_rlc_console_handles_an_alarm_and_informs_the_contact_persons(client, setup, login_client):
    system, key, secret, ban = setup
    _post(client, key, secret, _alarm(20))
    alarm = Alarm.objects.get(supplier_alarm_id="A-20")
    rlc = login_client("rlc.syd")
    page = rlc.get("/larmkonsol/").content.decode()
    assert 'data-testid="alarm-A-20"' in page and "em-immediate" in page and "console.js" in page
    assert "<script>" not in page  # no inline script (a CSP may forbid it)
    stream = rlc.get("/larmkonsol/strom/?after=0&seconds=0.6")
    body = b"".join(stream.streaming_content).decode()
    assert f"id: {alarm.pk}" in body and '"immediate": true' in body
    assert rlc.post(f"/larmkonsol/larm/{alarm.pk}/kvittera/").status_code == 302
    # the RLC handling the alarm now sees the protected person's whereabouts
    page = rlc.get(f"/arenden/{ban.case.public_id}/").content.decode()
    assert 'data-testid="protected-address"' in page
    for person in ("Kim Sjö", "Alex Berg"):
        rlc.post(f"/larmkonsol/larm/{alarm.pk}/informerad/", {"contact_person": person})
    rlc.post(f"/larmkonsol/larm/{alarm.pk}/avsluta/", {"measures": "Patrull till skyddspersonen.", "outcome": "Gripen"})
    alarm.refresh_from_db()
    assert alarm.state == "closed" and alarm.informed.count() == 2
    from bitrade.deadlines import services as deadlines

    deadlines.sweep(timezone.now() + timedelta(hours=2))
    assert not ban.case.events.filter(action="em_inform_overdue").exists()


def test_contact_persons_not_informed_escalates(client, setup):
    system, key, secret, ban = setup
    _post(client, key, secret, _alarm(30))
    from bitrade.deadlines import services as deadlines

    deadlines.sweep(timezone.now() + timedelta(hours=2))
    assert ban.case.events.filter(action="em_inform_overdue", citation="20 § PMFS 2020:1").exists()


def test_bops_reclassifies_a_queued_alarm(client, setup, login_client):
    system, key, secret, ban = setup
    _post(client, key, secret, _alarm(40, "battery_low", at=datetime(2030, 6, 1, 23, 0, tzinfo=TZ)))
    alarm = Alarm.objects.get(supplier_alarm_id="A-40")
    bops = login_client("bops.syd")
    assert 'data-testid="alarm-A-40"' in bops.get("/larmkonsol/").content.decode()
    bops.post(f"/larmkonsol/larm/{alarm.pk}/omklassa/")
    alarm.refresh_from_db()
    assert (alarm.handled_by, alarm.unit_id, alarm.state, alarm.category) == ("rlc", ban.rlc_id, "raised", "immediate")


def test_other_units_have_no_console(login_client, em_demo):
    assert login_client("sb.malmo").get("/larmkonsol/").status_code == 403


def test_em_check_command(tmp_path, em_demo):
    from .factories import ready_to_mount

    facts = {"application_form": "PM 438.2", "decided_by_type": "prosecutor", "decision": "granted",
             "decided_at": "2025-03-06T09:00:00+01:00", "eo_start_at": "2025-03-07T09:00:00+01:00",
             "equipment_model": "EM-100", "mounted_by": [{"name": "A B", "suitable": True}]}
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(facts))
    out = io.StringIO()
    call_command("em", "check", str(path), "--at", "2025-03-07T08:00:00+01:00", stdout=out)
    report = json.loads(out.getvalue())
    assert report["state"] == "preparing_start" and report["mount_allowed"] is False
    codes = {c["code"]: c for c in report["checks"]}
    assert codes["approved_equipment"]["ok"] and not codes["fitting_team"]["ok"]  # EM-100 approved in the DB
    assert {d["code"] for d in report["deadlines"]} >= {"ready_to_start", "talk_protected"}
    assert ready_to_mount()  # the same facts as the rule tests use are valid input


def test_em_route_alarm_command(tmp_path, em_demo):
    path = tmp_path / "alarm.json"
    path.write_text(json.dumps({**_alarm(1, "device_offline", at=datetime(2030, 6, 1, 23, 0, tzinfo=TZ)),
                                "police_area": "syd-malmo"}))
    out = io.StringIO()
    call_command("em", "route-alarm", str(path), "--at", "2030-06-01T23:00:00+02:00", stdout=out)
    route = json.loads(out.getvalue())
    assert route == {"category": "not_immediate", "handled_by": "bops", "unit": "BOPS-gruppen Syd",
                     "handle_from": "2030-06-03T08:00:00+02:00", "inform_contact_persons": False,
                     "procedure": "Rutinbeskrivning: enhet ej ansluten", "citation": "3 § PMFS 2020:1 och 21 § PMFS 2020:1"}


def test_simulator_is_deterministic_and_posts_to_the_api(em_demo):
    start = datetime(2030, 6, 3, 10, 0, tzinfo=TZ)
    from bitrade.monitoring.simulator import plan, simulate

    a = plan(["D-1", "D-2"], alarms_per_hour=120, hours=1, seed=7, start=start)
    assert a == plan(["D-1", "D-2"], alarms_per_hour=120, hours=1, seed=7, start=start) and len(a) > 50
    summary = simulate(cases=1, alarms_per_hour=60, seed=3, hours=0.5, start=start)
    assert summary["statuses"] == {"202": summary["alarms"]} and summary["alarms"] > 0
    assert Alarm.objects.count() == summary["alarms"]
    again = simulate(cases=1, alarms_per_hour=60, seed=3, hours=0.5, start=start)
    assert Alarm.objects.count() == summary["alarms"] and again["alarms"] == summary["alarms"]


def test_the_stream_is_not_compressed_so_events_leave_at_once(client, setup, login_client):
    """A browser asks for gzip; compressing the stream would hold every event until the response ends."""
    system, key, secret, ban = setup
    _post(client, key, secret, _alarm(50))
    rlc = login_client("rlc.syd")
    stream = rlc.get("/larmkonsol/strom/?after=0&seconds=0.6", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert stream.status_code == 200 and not stream.has_header("Content-Encoding")
    body = b"".join(stream.streaming_content)  # read to its end: a stream left half-read is closed later
    first = next(c for c in body.split(b"\n\n") if b"event: alarm" in c)
    assert b'"immediate": true' in first
    assert rlc.get("/larmkonsol/strom/?seconds=x&after=0", HTTP_ACCEPT_ENCODING="gzip").status_code == 200


def test_case_page_forms_take_an_area_as_geojson_text_and_people_one_per_line(setup, login_client):
    """The case page posts a GeoJSON area and the people at mounting as text, as a person types them."""
    from django.http import QueryDict

    from bitrade.cases.views import form_input
    from bitrade.monitoring.actions import EndIn, MountIn
    from bitrade.monitoring.demo import MALMO_AREA

    system, key, secret, ban = setup
    bops = login_client("bops.syd")
    response = bops.post(f"/arenden/{ban.case.public_id}/forbudsomrade/", {
        "name": "Arbetsplatsen", "polygon": json.dumps(MALMO_AREA),
        "description": "Skyddspersonens arbetsplats och parkeringen bakom huset."})
    assert response.status_code in (200, 302)
    assert ban.areas.filter(name="Arbetsplatsen", polygon=MALMO_AREA).exists()
    posted = QueryDict(mutable=True)
    posted.update({"mounted_by": "Kim Sjö\r\nAlex Berg\r\n", "mount_place": "police_premises"})
    mount = MountIn.model_validate(form_input(MountIn, posted))
    assert [p.name for p in mount.mounted_by] == ["Kim Sjö", "Alex Berg"]
    posted = QueryDict(mutable=True)
    posted.update({"dismounted_by": "Kim Sjö\nAlex Berg"})
    assert len(EndIn.model_validate(form_input(EndIn, posted)).dismounted_by) == 2


def test_the_case_page_shows_alarms_and_coded_choices_in_plain_swedish(client, setup, login_client):
    system, key, secret, ban = setup
    _post(client, key, secret, _alarm(60))
    page = login_client("bops.syd").get(f"/arenden/{ban.case.public_id}/").content.decode()
    assert "Förbudspersonen har gått in i förbudsområdet – Kräver omedelbart ingripande – Nytt" in page
    assert "zone_entry" not in page and "– immediate –" not in page
    preparing = ContactBan.objects.get(case__state=rules.PREPARING_START).case
    page = login_client("bops.syd").get(f"/arenden/{preparing.public_id}/").content.decode()
    assert "police_premises =" not in page and "prosecutor =" not in page
    assert '<option value="police_premises">Polisens lokaler</option>' in page


def test_a_stream_closed_early_leaves_the_connection_alone(setup):
    """A stream closed before its end (the client left, or the generator collected later, perhaps while the
    same connection runs another query) must not run SQL from its clean-up: that deadlocked a test run."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bitrade.monitoring import views

    events = views._events(unit_id=0, after=0, seconds=0.4)
    assert next(events).startswith("retry:")
    assert next(events) == ": ping\n\n"  # the stream is under way (on PostgreSQL: listening)
    with CaptureQueriesContext(connection) as done:
        events.close()
    assert done.captured_queries == []
