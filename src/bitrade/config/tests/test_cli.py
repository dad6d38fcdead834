"""The `bitrade` command line: help text and the JSON contracts of review and route."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

EXAMPLES = Path(__file__).resolve().parents[4] / "docs" / "examples"


def test_help_lists_the_project_commands():
    out = subprocess.run([sys.executable, "-m", "bitrade.config.cli", "--help"], capture_output=True, text=True,
                         check=True).stdout
    for word in ("demo", "worker", "review FILE.json", "route FILE.json", "audit verify"):
        assert word in out


@pytest.mark.django_db
def test_review_prints_the_contract(capsys, demo):
    call_command("review", str(EXAMPLES / "request-lpt.json"))
    d = json.loads(capsys.readouterr().out)
    assert d["outcome"] == "admissible"
    assert d["legal_basis"] == {"key": "LPT-47-2-3", "law": "LPT", "sfs": "1991:1128", "section": "47",
                                "paragraph": 2, "point": 3, "citation": "47 § andra stycket 3 LPT"}
    assert {c["code"] for c in d["checks"]} >= {"requesting_party_identified", "legal_basis_valid",
                                                "requester_competent", "measures_described",
                                                "conditions_stated", "documents_attached"}
    assert all(set(c) >= {"code", "ok", "message", "citation"} for c in d["checks"])
    assert d["competent_deciders"] == ["rlc_commander", "station_commander", "level2_manager"]
    assert d["kriminalvarden_transport"] is False


@pytest.mark.django_db
def test_review_of_an_incomplete_lvu_citation(capsys, demo):
    call_command("review", str(EXAMPLES / "request-lvu-incomplete.json"))
    d = json.loads(capsys.readouterr().out)
    assert d["outcome"] == "needs_completion"
    assert any(q["check_code"] == "legal_basis_valid" for q in d["questions"])


@pytest.mark.django_db
def test_route_on_midsommarafton_and_an_ordinary_wednesday(capsys, demo, tmp_path):
    body = json.loads((EXAMPLES / "request-lpt.json").read_text())
    body["urgency"] = "planned"
    f = tmp_path / "r.json"
    f.write_text(json.dumps(body))
    call_command("route", str(f), "--at", "2026-06-19T14:00:00+02:00")
    d = json.loads(capsys.readouterr().out)
    assert (d["region"], d["police_area"], d["unit"], d["unit_kind"]) == (
        "syd", "syd-malmo", "Stationsbefäl Malmö", "station_commander_desk")
    assert any("midsommarafton" in r for r in d["reasons"])
    call_command("route", str(f), "--at", "2026-06-17T14:00:00+02:00")
    d = json.loads(capsys.readouterr().out)
    assert d["unit"] == "Handräckningsgrupp Malmö" and d["rule"]


@pytest.mark.django_db
def test_route_refuses_unknown_municipality(demo, tmp_path):
    body = json.loads((EXAMPLES / "request-lpt.json").read_text())
    body["location"]["municipality_code"] = "9999"
    f = tmp_path / "r.json"
    f.write_text(json.dumps(body))
    with pytest.raises(CommandError, match="Okänd kommunkod"):
        call_command("route", str(f), "--at", "2026-06-17T14:00:00+02:00")
