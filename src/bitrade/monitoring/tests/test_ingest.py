"""The bulk path of POST /api/v1/em/alarms/batch: exactly once on the supplier's alarm id, in order per device,
immediate alarms first and visible to the RLC console, bad items rejected one by one with nothing stored."""

from __future__ import annotations

import json
import random
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from bitrade.audit.models import AuditEvent
from bitrade.deadlines.models import Deadline
from bitrade.monitoring import rules, services
from bitrade.monitoring.models import Alarm, ContactBan, Device

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Europe/Stockholm")
BATCH = "/api/v1/em/alarms/batch"
NIGHT = datetime(2030, 6, 1, 23, 0, tzinfo=TZ)  # a Saturday night: BOPS is closed


@pytest.fixture
def setup(em_system):
    system, key, secret = em_system
    ban = ContactBan.objects.select_related("case").get(case__state=rules.ACTIVE)
    for name in ("D-1", "D-2", "D-3"):
        Device.objects.create(system=system, device_id=name, contact_ban=ban)
    return system, key, secret, ban


def _post(client, key, secret, body, path=BATCH):
    raw = json.dumps(body).encode()
    return client.post(path, data=raw, content_type="application/json", HTTP_X_API_KEY=key,
                       HTTP_X_BITRADE_SIGNATURE=services.sign(secret, raw))


def _alarm(n, *, device="D-1", seq=None, kind="battery_low", at=NIGHT):
    return {"alarm_id": f"B-{n}", "device_id": device, "sequence": n if seq is None else seq, "type": kind,
            "raised_at": at.isoformat()}


def _backlog(count, seed=7):
    rng = random.Random(seed)
    alarms = [_alarm(n, device=f"D-{1 + n % 3}", kind=rng.choice(["battery_low", "device_offline", "zone_entry"]))
              for n in range(count)]
    rng.shuffle(alarms)
    return alarms


def test_a_replayed_batch_is_stored_exactly_once(client, setup):
    system, key, secret, ban = setup
    batch = {"alarms": _backlog(60)}
    first = _post(client, key, secret, batch).json()
    assert (first["accepted"], first["duplicates"], first["rejected"]) == (60, 0, 0)
    stored = Alarm.objects.count()
    deadlines = Deadline.objects.filter(object_type="monitoring.alarm").count()
    positions = dict(Device.objects.values_list("device_id", "last_sequence"))
    assert deadlines == Alarm.objects.filter(handled_by="rlc").count() > 0  # 20 § for every RLC alarm
    again = _post(client, key, secret, batch).json()
    assert (again["accepted"], again["duplicates"]) == (0, 60)
    assert [r["status"] for r in again["results"]] == ["duplicate"] * 60
    assert Alarm.objects.count() == stored
    assert Deadline.objects.filter(object_type="monitoring.alarm").count() == deadlines
    assert dict(Device.objects.values_list("device_id", "last_sequence")) == positions
    # the same id twice in one batch is stored once
    twice = _post(client, key, secret, {"alarms": [_alarm(500), _alarm(500)]}).json()
    assert [r["status"] for r in twice["results"]] == ["accepted", "duplicate"]


def test_results_answer_each_item_in_the_order_sent(client, setup):
    system, key, secret, ban = setup
    batch = _backlog(30)
    results = _post(client, key, secret, {"alarms": batch}).json()["results"]
    assert [r["alarm_id"] for r in results] == [a["alarm_id"] for a in batch]


def test_order_per_device(client, setup):
    system, key, secret, ban = setup
    batch = {"alarms": _backlog(45)}  # shuffled: each device's numbers arrive out of order
    _post(client, key, secret, batch)
    assert not Alarm.objects.filter(late=True).exists()
    assert Device.objects.get(device_id="D-1").last_sequence == max(n for n in range(45) if n % 3 == 0)
    # device D-2 stands at 44: 100 moves it on, 40 is old (late) and does not move it back
    late = _post(client, key, secret, {"alarms": [_alarm(1000, device="D-2", seq=100),
                                                  _alarm(1001, device="D-2", seq=40)]}).json()["results"]
    assert [r["late"] for r in late] == [False, True]
    assert Device.objects.get(device_id="D-2").last_sequence == 100
    assert Alarm.objects.get(supplier_alarm_id="B-1001").late


def test_an_immediate_alarm_in_a_backlog_is_stored_first_and_on_the_rlc_console(client, setup, login_client):
    system, key, secret, ban = setup
    rlc = login_client("rlc.syd")
    start = 0
    backlog = [_alarm(n, device="D-1") for n in range(1, 200)]
    backlog.insert(150, _alarm(9999, device="D-2", seq=1, kind="tamper", at=timezone.now()))
    body = _post(client, key, secret, {"alarms": backlog}).json()
    assert body["accepted"] == 200
    alarm = Alarm.objects.get(supplier_alarm_id="B-9999")
    assert (alarm.handled_by, alarm.unit_id, alarm.state, alarm.category) == ("rlc", ban.rlc_id, "raised", "immediate")
    # committed before the backlog (its own transaction first): a lower id than every not-immediate alarm
    assert alarm.pk < min(Alarm.objects.filter(handled_by="bops").values_list("pk", flat=True))
    page = rlc.get("/larmkonsol/").content.decode()
    assert 'data-testid="alarm-B-9999"' in page
    stream = b"".join(rlc.get(f"/larmkonsol/strom/?after={start}&seconds=0.3").streaming_content).decode()
    assert f"id: {alarm.pk}" in stream and '"immediate": true' in stream
    assert Deadline.objects.filter(object_type="monitoring.alarm", object_id=str(alarm.pk)).exists()


def test_bad_items_are_rejected_one_by_one_and_nothing_of_them_is_stored(client, setup):
    system, key, secret, ban = setup
    deadlines = Deadline.objects.count()
    batch = {"alarms": [
        _alarm(1, kind="tamper", at=timezone.now()),
        {**_alarm(2), "raised_at": "igår"},
        _alarm(3, device="OKAND"),
        {k: v for k, v in _alarm(4).items() if k != "sequence"},
        {**_alarm(5), "sequence": -1},
        _alarm(6),
    ]}
    response = _post(client, key, secret, batch)
    assert response.status_code == 202
    body = response.json()
    assert (body["accepted"], body["rejected"]) == (2, 4)
    results = body["results"]
    assert [r["status"] for r in results] == ["accepted", "rejected", "rejected", "rejected", "rejected", "accepted"]
    assert [r["field"] for r in results[1:5]] == ["alarms.1.raised_at", "alarms.2.device_id", "alarms.3.sequence",
                                                 "alarms.4.sequence"]
    assert all(r["code"] == 422 and r["detail"] for r in results[1:5])
    assert results[2]["detail"] == "Enheten är inte kopplad till något ärende om kontaktförbud."
    assert not any("Input should" in r["detail"] or "Field required" in r["detail"] for r in results[1:5])
    assert set(Alarm.objects.values_list("supplier_alarm_id", flat=True)) == {"B-1", "B-6"}
    assert not Device.objects.filter(device_id="OKAND").exists()
    assert Deadline.objects.count() == deadlines + 1  # the tamper alarm's 20 § deadline only
    assert Device.objects.get(device_id="D-1").last_sequence == 6
    # on record: the stored ids (one event per transaction) and the refused items
    stored = [e.new["alarm_ids"] for e in AuditEvent.objects.filter(action="em.alarms_stored")]
    assert sorted(i for ids in stored for i in ids) == ["B-1", "B-6"]
    assert AuditEvent.objects.filter(action="em.alarms_received", result="refused").count() == 1


def test_a_race_on_the_same_alarm_id_is_answered_duplicate(setup, monkeypatch):
    """Another request stored the id after the duplicate query: the unique constraint decides, the rest of the
    batch is still stored."""
    system, key, secret, ban = setup
    services.ingest(system, services.AlarmIn.model_validate(_alarm(1)))
    monkeypatch.setattr(services, "_seen", lambda system, ids: set())
    results = services.ingest_batch(system, [_alarm(1), _alarm(2), _alarm(3)])
    assert [r["status"] for r in results] == ["duplicate", "accepted", "accepted"]
    assert Alarm.objects.filter(supplier_alarm_id="B-1").count() == 1 and Alarm.objects.count() == 3


def test_a_single_alarm_for_an_unknown_device_is_a_422_with_the_field(client, setup):
    system, key, secret, ban = setup
    response = _post(client, key, secret, _alarm(1, device="OKAND"), path="/api/v1/em/alarms")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "device_id"
    assert not Alarm.objects.exists() and not Device.objects.filter(device_id="OKAND").exists()
