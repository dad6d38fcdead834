"""Police powers on record with their protocol (force, restraints, entry, body search), and the follow-up
measures of what the police did: force used, police not needed, transfers, overrides, hour and weekday,
time from request to execution per unit."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from bitrade.assistance import rules
from bitrade.assistance import services as cases
from bitrade.cases.services import CaseError
from bitrade.custody import services as custody
from bitrade.custody.rules import powers
from bitrade.intake import services as intake
from bitrade.intake.schemas import RequestIn
from bitrade.intake.tests.helpers import LPT_RETURN
from bitrade.organisation.models import Person, Unit

T0 = datetime(2026, 6, 17, 10, 0, tzinfo=ZoneInfo("Europe/Stockholm"))  # a Wednesday


@pytest.mark.parametrize("kw, missing", [
    (dict(kind=powers.FORCE), {"power_by_whom", "power_necessity", "power_duration", "power_injuries"}),
    (dict(kind=powers.FORCE, by_whom="Elin Holm", necessity="Personen slog mot polisen; grepp behövdes.",
          duration_minutes=2, injuries="inga"), set()),
    (dict(kind=powers.ENTRY, by_whom="Elin Holm", necessity="Personen öppnade inte; vårdintyg finns."),
     {"entry_decision"}),
    (dict(kind=powers.ENTRY, by_whom="Elin Holm", necessity="Personen öppnade inte; vårdintyg finns.", urgent=True,
          at=T0.replace(hour=23)), {"entry_night"}),
    (dict(kind=powers.ENTRY, by_whom="Elin Holm", necessity="Personen öppnade inte; vårdintyg finns.",
          prior_decision="Vb Sara Nyström 09.40"), set()),
    (dict(kind=powers.BODY_SEARCH, by_whom="Elin Holm", necessity="Säkerhetsvisitation före transport."), set()),
])
def test_power_rules(kw, missing):
    facts = powers.PowerFacts(**{"at": T0, "by_whom": "", "necessity": "", **kw})
    assert {c.code for c in powers.check_power_use(facts) if not c.ok} == missing


def test_each_power_has_its_protocol_section():
    assert powers.protocol_citation(powers.RESTRAINTS) == "28 § PL"
    assert {powers.protocol_citation(k) for k in (powers.FORCE, powers.ENTRY, powers.BODY_SEARCH)} == {"27 § PL"}
    assert powers.power_citation(powers.RESTRAINTS) == "10 a § PL"


def _client(username):
    c = Client()
    c.force_login(Person.objects.get(username=username))
    return c


@pytest.mark.django_db
def test_powers_through_the_api_and_the_follow_up_measures(demo, actor_of):
    from bitrade.followup import facts, metrics
    from bitrade.followup import rules as fu_rules

    gc = actor_of("gc.malmo")
    case = intake.submit_request(actor_of("soc.malmo"), RequestIn.model_validate(LPT_RETURN),
                                 idempotency_key=str(uuid.uuid4()), now=T0).request.case
    # The social services may not ask under LPT: granted as an explicit override.
    case = cases.decide(gc, case, rules.GRANT, override_checks=["requester_competent"],
                        override_reason="Chefsöverläkaren bekräftade begäran per telefon.", now=T0)
    case = cases.assign(gc, case, resource="Bil 2110", now=T0)
    r = _client("gc.malmo").post(
        f"/api/v1/cases/{case.public_id}/actions/record_power",
        {"kind": "force", "at": "2026-06-17T10:40:00+02:00", "by_whom": "Elin Holm, Johan Ek",
         "necessity": "Personen gjorde motstånd vid bilen; grepp behövdes.", "duration_minutes": 3,
         "injuries": "inga", "sign": True},
        content_type="application/json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    assert r.status_code == 200, r.content
    use = case.power_uses.get()
    assert use.protocol_citation == "27 § PL" and use.signed_at is not None
    with pytest.raises(CaseError):
        custody.record_power_use(gc, case, kind="restraints", by_whom="Elin Holm", necessity="x")
    case = cases.record_outcome(gc, case, outcome=rules.OUTCOME_EXECUTED, police_not_needed=False,
                                now=T0 + timedelta(hours=2))
    # A second case: transferred, and the police proved not to be needed.
    other = intake.submit_request(actor_of("overlakare.malmo"), RequestIn.model_validate(LPT_RETURN),
                                  idempotency_key=str(uuid.uuid4()), now=T0).request.case
    cases.transfer(gc, other, to_unit_id=Unit.objects.get(name="Stationsbefäl Malmö").pk,
                   reason="Gruppen är upptagen hela eftermiddagen.", now=T0)
    other.refresh_from_db()
    sb = actor_of("sb.malmo")
    other = cases.assign(sb, cases.decide(sb, other, rules.GRANT, now=T0), resource="Bil 1", now=T0)
    cases.record_outcome(sb, other, outcome=rules.OUTCOME_EXECUTED, police_not_needed=True,
                         now=T0 + timedelta(hours=1))

    facts.refresh(full=True)
    ctx = metrics.Context(fu_rules.parse_period("2026-06"), {}, "month", T0 + timedelta(days=1), {})
    res = metrics.count(ctx, ["force_used", "police_not_needed", "transferred", "overrides", "received_by_hour"],
                        ["law", "hour", "weekday"])
    totals = {m: sum(v.get(m, 0) for v in res.values()) for m in
              ("force_used", "police_not_needed", "transferred", "overrides", "received_by_hour")}
    assert totals == {"force_used": 1, "police_not_needed": 1, "transferred": 1, "overrides": 1,
                      "received_by_hour": 2}
    assert all(tuple(map(str, key[1:])) == ("10", "3") for key, v in res.items() if v.get("received_by_hour"))  # 10 o'clock, Wednesday
    stats = metrics.durations(ctx, ["lt_received_execution"], ["unit"])
    assert {key[1] for key in stats} == {str(gc.unit_id), str(sb.unit_id)} or len(stats) == 2
