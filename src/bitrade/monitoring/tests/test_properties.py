"""Property: no sequence of actions reaches "mounted" while a binding guard fails without a 26 § exception."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from bitrade.monitoring import rules as r
from bitrade.monitoring.rules import guards as g

from .factories import application, at, ready_to_mount

# Fact changes that may happen at any point: each undoes or breaks something a mount guard needs.
BREAKS = {
    "no_contact_person": dict(contact_person_prohibited=""),
    "no_pm438_3": dict(pm438_3_sent_at=None),
    "no_talk_f": dict(talk_prohibited_at=None),
    "late_talk_s": dict(talk_protected_at=at(30)),
    "unapproved": dict(equipment_model="X-1"),
    "untested": dict(equipment_tested_at=None),
    "no_reserve": dict(reserve_available=False),
    "one_fitter": dict(mounted_by=(r.Person("Kim KP-S", True),)),
    "unsuitable": dict(mounted_by=(r.Person("Kim KP-S", True), r.Person("Okänd", False))),
    "at_home": dict(mount_place="home"),
    "residence": dict(residence_other_area=True),
    "wrong_maker": dict(decided_by_type="police"),
}
CHECKS = [c.code for c in g.mount_guards(ready_to_mount(), at(4)) if c.binding]
exceptions = st.builds(
    r.Exception26, check=st.sampled_from(CHECKS), section=st.sampled_from(["5", "10", "11", "12", "13", "17", "18"]),
    decided_by=st.sampled_from(["", "Chef BOPS"]), decided_at=st.sampled_from([None, at(2), at(40)]),
    reasons=st.sampled_from(["", "Förbudspersonen ligger på sjukhus."]),
)
steps = st.one_of(
    st.tuples(st.just("action"), st.sampled_from(sorted(r.TRANSITIONS))),
    st.tuples(st.just("break"), st.sampled_from(sorted(BREAKS))),
    st.tuples(st.just("exception"), exceptions),
)


def _covered(check: r.Check, exceptions, moment) -> bool:
    """Written apart from the rules: a valid exception of the same rule and paragraf, decided in time."""
    for e in exceptions:
        if (e.check == check.code and e.decided_by and e.decided_at is not None and e.decided_at <= moment
                and len(e.reasons.strip()) >= 10 and check.citation.startswith(f"{e.section} §")):
            return True
    return False


@settings(max_examples=300, deadline=None)
@given(start=st.sampled_from(["application", "ready"]), sequence=st.lists(steps, max_size=25))
def test_no_sequence_mounts_past_a_failing_binding_guard(start, sequence):
    facts = application() if start == "application" else ready_to_mount()
    state = r.REQUEST_RECEIVED if start == "application" else r.PREPARING_START
    moment = at(4)
    for kind, value in sequence:
        if kind == "break":
            facts = replace(facts, **BREAKS[value])
        elif kind == "exception":
            facts = replace(facts, exceptions=(*facts.exceptions, value))
        else:
            result = r.guard(value, state, facts, moment)
            if not result.allowed:
                continue
            state = r.target(value, state)
            if state == r.MOUNTED:
                for check in g.mount_guards(facts, moment):
                    assert check.ok or not check.binding or _covered(check, facts.exceptions, moment), check
                facts = replace(facts, mount_at=moment)
    assert state in r.STATE_LABELS
