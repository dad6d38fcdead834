"""A deterministic simulator of a monitoring system: devices on active cases raise alarms (zone entry,
tamper, strap, battery, signal loss, device offline) that are signed and posted to the real alarm API —
in-process through Django's test client, or over HTTP to ``--url``. The same seed gives the same alarms
(the same supplier ids, so a repeated run is answered ``duplicate``)."""

from __future__ import annotations

import json
import random
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta

from django.utils import timezone

from . import rules
from .schemas import AlarmIn

TYPES = ("zone_entry", "tamper", "strap", "battery_low", "signal_loss", "device_offline")
WEIGHTS = (0.25, 0.05, 0.05, 0.35, 0.15, 0.15)
SYSTEM_NAME = "Simulator"
RETRIES = 30  # over HTTP: seconds to wait for a server that does not answer


def plan(devices: list[str], *, alarms_per_hour: float, hours: float, seed: int, start: datetime) -> list[AlarmIn]:
    """The alarms to post: a Poisson stream per device, types by weight, sequence numbers per device."""
    rng = random.Random(seed)
    out: list[AlarmIn] = []
    if not devices or alarms_per_hour <= 0:
        return out
    rate = alarms_per_hour / 3600.0  # per second, over all devices
    t, n = 0.0, 0
    sequence = dict.fromkeys(devices, 0)
    while True:
        t += rng.expovariate(rate)
        if t > hours * 3600:
            break
        device = rng.choice(devices)
        kind = rng.choices(TYPES, WEIGHTS)[0]
        sequence[device] += 1
        n += 1
        out.append(AlarmIn(alarm_id=f"sim-{seed}-{n}", device_id=device, sequence=sequence[device], type=kind,
                           raised_at=start + timedelta(seconds=t), details={"simulated": True}))
    return out


def _poster(url: str, key: str, secret: str):
    from .services import sign

    if url:
        def post(path: str, body: bytes) -> int:
            request = urllib.request.Request(url.rstrip("/") + path, data=body, method="POST", headers={
                "Content-Type": "application/json", "X-API-Key": key, "X-Bitrade-Signature": sign(secret, body)})
            for attempt in range(RETRIES):
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the operator's own server
                        return response.status
                except urllib.error.HTTPError as exc:  # an answer (4xx/5xx) is counted, not fatal
                    return exc.code
                except (urllib.error.URLError, OSError):  # the server is not up (yet, or any more): wait
                    if attempt == RETRIES - 1:
                        return 0
                    time.sleep(1.0)
            return 0
        return post
    from django.test import Client

    client = Client()

    def post_local(path: str, body: bytes) -> int:
        return client.post(path, data=body, content_type="application/json", HTTP_X_API_KEY=key,
                           HTTP_X_BITRADE_SIGNATURE=sign(secret, body)).status_code
    return post_local


def simulator_system():
    """The simulator's monitoring system with a fresh key (the old one stops working)."""
    from .models import MonitoringSystem
    from .services import _hash, create_system

    system = MonitoringSystem.objects.filter(name=SYSTEM_NAME).first()
    if system is None:
        return create_system(SYSTEM_NAME)
    import secrets

    key = f"em_{system.key_prefix}_{secrets.token_urlsafe(24)}"
    system.key_hash = _hash(key)
    system.active = True
    system.save(update_fields=["key_hash", "active"])
    return system, key, system.secret


def simulate(*, cases: int, alarms_per_hour: float, seed: int, hours: float = 1.0, url: str = "", speed: float = 0.0,
             out=None, start: datetime | None = None) -> dict:
    from .models import ContactBan, Device

    system, key, secret = simulator_system()
    bans = list(ContactBan.objects.filter(case__state=rules.ACTIVE).order_by("case__reference_number")[:cases])
    devices = []
    for i, ban in enumerate(bans, 1):
        device, _ = Device.objects.update_or_create(system=system, device_id=f"SIM-{seed}-{i}",
                                                    defaults={"contact_ban": ban})
        devices.append(device.device_id)
    from .services import clear_caches

    clear_caches()
    start = start or timezone.now()
    alarms = plan(devices, alarms_per_hour=alarms_per_hour, hours=hours, seed=seed, start=start)
    post = _poster(url, key, secret)
    statuses: dict[int, int] = {}
    began = time.monotonic()
    for alarm in alarms:
        if speed > 0:
            wait = (alarm.raised_at - start).total_seconds() / speed - (time.monotonic() - began)
            if wait > 0:
                time.sleep(wait)
        body = json.dumps(alarm.model_dump(mode="json")).encode()
        status = post("/api/v1/em/alarms", body)
        statuses[status] = statuses.get(status, 0) + 1
    return {"cases": len(bans), "devices": len(devices), "alarms": len(alarms),
            "statuses": {str(k): v for k, v in sorted(statuses.items())}}
