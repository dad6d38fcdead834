"""bitrade return assess FILE.json --at TIME."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from .conftest import EXAMPLE


def run(*args) -> dict:
    out = StringIO()
    call_command("return", "assess", *args, stdout=out)
    return json.loads(out.getvalue())


def test_assess_prints_the_documented_json():
    got = run(str(EXAMPLE), "--at", "2025-03-10T09:00+01:00")
    assert {"police_category", "category_reasons", "final_on", "voluntary_departure_deadline", "lapses_on",
            "enforceable_now", "inactive_reasons", "priority_group", "missing", "against_agreement",
            "citations"} <= set(got)
    assert got["police_category"] == 1 and got["lapses_on"] == "2029-03-03"
    assert got["enforceable_now"] is False  # within the voluntary-departure period (to 2025-03-17)
    assert run(str(EXAMPLE), "--at", "2025-03-18")["enforceable_now"] is True


def test_assess_names_what_is_missing(tmp_path):
    body = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    body["destination"] = {"country": "ER", "stance": "voluntary_only"}
    del body["prior_dialogue"]
    path = tmp_path / "h.json"
    path.write_text(json.dumps(body), encoding="utf-8")
    got = run(str(path), "--at", "2025-06-01")
    assert [m["field"] for m in got["missing"]] == ["prior_dialogue"]
    assert got["against_agreement"] is True and got["police_category"] == 3


def test_assess_refuses_a_malformed_body(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"mv_case_id": "x", "mv_category": 9}', encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("return", "assess", str(path), stdout=StringIO())


@pytest.mark.django_db
def test_generate_verb(demo):
    out = StringIO()
    call_command("return", "generate", "--years", "2018-2019", "--scale", "0.01", stdout=out)
    assert json.loads(out.getvalue())["cases"] > 0
    with pytest.raises(CommandError):
        call_command("return", "generate", "--years", "2030", stdout=StringIO())
