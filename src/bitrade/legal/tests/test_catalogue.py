"""The legal-basis catalogue and resolution of written legal bases (pure; no database)."""

from __future__ import annotations

import ast
import copy
import json
from datetime import date
from pathlib import Path

import pytest

from bitrade.legal.catalogue import (
    DEFAULT_PATH,
    Catalogue,
    CatalogueError,
    catalogue_from_dict,
    load_catalogue,
    resolve,
    resolve_key,
)
from bitrade.legal.citations import Citation, parse_citation

TODAY = date(2025, 6, 1)


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture()
def raw() -> dict:
    return json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))


# Every point of the four handräckning provisions: (key, canonical citation)
EXPECTED_POINTS = [
    *[(f"LPT-47-2-{p}", f"47 § andra stycket {p} LPT") for p in range(1, 8)],
    *[(f"LRV-27-LPT-47-2-{p}", f"27 § LRV jfr 47 § andra stycket {p} LPT") for p in range(3, 7)],
    ("LRV-27-LRV-7-1", "27 § LRV jfr 7 § första stycket LRV"),
    *[(f"LVM-45-1-{p}", f"45 § första stycket {p} LVM") for p in range(1, 5)],
    *[(f"LVU-43-1-{p}", f"43 § första stycket {p} LVU") for p in range(1, 4)],
]


@pytest.mark.parametrize(("key", "citation"), EXPECTED_POINTS, ids=[c for _, c in EXPECTED_POINTS])
def test_every_point_is_present(catalogue, key, citation):
    entry = catalogue.get(key)
    assert entry is not None
    assert entry.citation == citation
    assert entry.is_valid_on(TODAY)
    assert entry.title and entry.explanation
    assert entry.requesters and entry.competent_deciders
    assert "police_powers_or_exceptional_reasons" in entry.conditions  # all four laws since 2017


# Migrationsverket's requests (9–12 kap. UtlL), told apart by the measure: see test_catalogue_migration.py.
MV_KEYS = ["UtlL-forvar-omhandertagande", "UtlL-forvar-transport"]


def test_no_other_entries(catalogue):
    assert sorted(e.key for e in catalogue) == sorted([k for k, _ in EXPECTED_POINTS] + MV_KEYS)


def test_citations_are_computed_not_stored(raw):
    for entry in raw["entries"]:
        assert "citation" not in entry


@pytest.mark.parametrize(("key", "citation"), EXPECTED_POINTS, ids=[c for _, c in EXPECTED_POINTS])
def test_each_entry_resolves_from_its_own_citation(catalogue, key, citation):
    resolution = resolve(citation, catalogue, TODAY)
    assert resolution.status == "exact"
    assert resolution.entry.key == key
    assert catalogue.find(*_coordinates(catalogue.get(key))) == catalogue.get(key)


def _coordinates(entry):
    return entry.law, entry.section, entry.paragraph, entry.point, entry.applied


LPT_KEYS = [f"LPT-47-2-{p}" for p in range(1, 8)]


def test_candidates_for_incomplete_citations(catalogue):
    assert [e.key for e in catalogue.candidates(parse_citation("47 § LPT"))] == LPT_KEYS
    assert [e.key for e in catalogue.candidates(parse_citation("47 § andra stycket LPT"))] == LPT_KEYS
    assert [e.key for e in catalogue.candidates(parse_citation("43 § LVU"))] == [f"LVU-43-1-{p}" for p in (1, 2, 3)]
    assert len(catalogue.candidates(parse_citation("27 § LRV"))) == 5
    assert [e.key for e in catalogue.candidates(parse_citation("47 § 3 LPT"))] == ["LPT-47-2-3"]
    assert catalogue.candidates(parse_citation("10 § PL")) == ()


def test_kriminalvarden_transport_points(catalogue):
    """KV transports: 47 § andra stycket 6 LPT (and its LRV mirror), 45 § LVM for someone deprived of
    liberty, 43 § LVU for someone cared for in a special home."""
    with_kv = sorted(e.key for e in catalogue if e.kriminalvarden_transport)
    assert with_kv == sorted([
        "LPT-47-2-6", "LRV-27-LPT-47-2-6", "LVM-45-1-2", "LVM-45-1-3", "LVM-45-1-4", "LVU-43-1-3",
    ])


def test_competent_deciders_per_law(catalogue):
    for entry in catalogue:
        if entry.law in ("LPT", "LRV"):
            assert entry.competent_deciders == ("rlc_commander", "station_commander", "level2_manager")
        elif entry.law == "UtlL":  # "ansvarigt befäl" (Statskontoret 2022:1)
            assert entry.competent_deciders == ("duty_officer", "station_commander")
        else:
            assert entry.competent_deciders == ("duty_officer", "station_commander", "level2_manager")


CASE_CODES = {
    **{f"LPT-47-2-{p}": "615" for p in range(1, 7)}, "LPT-47-2-7": "618",
    **{f"LRV-27-LPT-47-2-{p}": "615" for p in range(3, 7)}, "LRV-27-LRV-7-1": "615",
    "LVM-45-1-1": "614", "LVM-45-1-2": "614", "LVM-45-1-3": "618", "LVM-45-1-4": "618",
    "LVU-43-1-1": "618", "LVU-43-1-2": "618", "LVU-43-1-3": "618",
    # Migrationsverket is "annan myndighet" in 618's wording.
    "UtlL-forvar-omhandertagande": "618", "UtlL-forvar-transport": "618",
}


def test_case_code_mapping(catalogue):
    """The inspection report (section Dokumentation): 614 for assistance at a förrättning after an LVM
    decision, 615 when a physician asks, 618 when e.g. a municipality or SiS asks — so an LVU request from
    the social services (a municipality) is 618, not 614."""
    assert {e.key: e.case_code for e in catalogue} == CASE_CODES
    assert {k: catalogue.case_code(k, TODAY) for k in CASE_CODES} == CASE_CODES


def test_case_codes_are_dated_data(raw):
    """PÄR is being replaced: a mapping ends, and a later one (another register) takes over by date."""
    raw["case_code_mappings"][0]["valid_to"] = "2026-06-30"
    raw["case_codes"]["9001"] = "Nytt ärendeslag"
    raw["case_code_mappings"].append({"system": "Nytt system", "valid_from": "2026-07-01", "valid_to": None,
                                      "source": "test", "codes": {"LVU-43-1-2": "9001"}})
    catalogue = catalogue_from_dict(raw)
    assert catalogue.case_code("LVU-43-1-2", date(2026, 6, 30)) == "618"
    assert catalogue.case_code("LVU-43-1-2", date(2026, 7, 1)) == "9001"
    assert catalogue.case_code("LVM-45-1-2", date(2026, 7, 1)) is None
    assert catalogue.case_codes["444"] == "Personefterlysning och avlysning"


def test_lpt_point_1_also_requires_the_person_to_avoid_examination(catalogue):
    """47 § andra stycket 1 LPT: police only when the person keeps away or refuses."""
    assert catalogue.get("LPT-47-2-1").conditions == (
        "police_powers_or_exceptional_reasons", "person_avoids_examination",
    )
    others = [e for e in catalogue if e.key != "LPT-47-2-1"]
    assert all("person_avoids_examination" not in e.conditions for e in others)


def test_requesters_per_statute(catalogue):
    """The requester named in each point (47 § LPT, 45 § LVM, 43 § LVU, 27 § LRV)."""
    assert catalogue.get("LPT-47-2-1").allows("physician", "health_region")
    assert not catalogue.get("LPT-47-2-3").allows("physician", "psychiatric_clinic")
    assert catalogue.get("LPT-47-2-3").allows("chief_physician", "psychiatric_clinic")
    assert catalogue.get("LPT-47-2-7").allows("socialstyrelsen_officer", "socialstyrelsen")
    assert catalogue.get("LVM-45-1-1").allows("court_official", "court")
    assert not catalogue.get("LVM-45-1-2").allows("court_official", "court")
    assert not catalogue.get("LVM-45-1-1").allows("court_official", "social_services")
    assert catalogue.get("LVM-45-1-3").allows("head_of_operations", "health_region")
    assert catalogue.get("LVM-45-1-4").allows("sis_officer", "sis_home")
    assert catalogue.get("LVU-43-1-1").allows("board_chair", "social_services")
    assert catalogue.get("LVU-43-1-2").allows("appointed_official", "social_services")
    assert catalogue.get("LVU-43-1-3").allows("sis_officer", "sis")
    assert all(e.requester_roles == ("chief_physician",) for e in catalogue if e.law == "LRV")


def test_required_documents(catalogue):
    """47 § andra stycket 2 LPT presupposes a vårdintyg; 47 § andra stycket 1 LPT has none."""
    point_2 = catalogue.get("LPT-47-2-2")
    assert [(d.any_of, d.required) for d in point_2.documents] == [(("care_certificate",), True)]
    assert catalogue.get("LPT-47-2-1").documents == ()
    assert all(not d.required for d in catalogue.get("LPT-47-2-3").documents)
    lvu_2 = catalogue.get("LVU-43-1-2").documents[0]
    assert lvu_2.required and lvu_2.satisfied_by(["custody_decision"])


# --------------------------------------------------------------------------- resolve

EXACT = [
    ("47 § andra stycket 3 LPT", "LPT-47-2-3"),
    ("LPT 47 § 2 st. p. 3", "LPT-47-2-3"),
    ("47 § 3 LPT", "LPT-47-2-3"),  # the points of 47 § LPT stand in andra stycket only
    ("45 § 1 p. LVM", "LVM-45-1-1"),
    ("45 § första stycket 4 LVM", "LVM-45-1-4"),
    ("43 § första stycket 1 LVU", "LVU-43-1-1"),
    ("43 § 3 lagen (1990:52) med särskilda bestämmelser om vård av unga", "LVU-43-1-3"),
    ("27 § LRV jfr 47 § 2 st. p. 4 LPT", "LRV-27-LPT-47-2-4"),
    ("27 § LRV jfr 47 § 6 LPT", "LRV-27-LPT-47-2-6"),
    ("47 § andra stycket 3 LPT jfr 27 § LRV", "LRV-27-LPT-47-2-3"),
    ("27 § LRV jfr 7 § LRV", "LRV-27-LRV-7-1"),
    ("45 § 2 LVM jfr 10 § PL", "LVM-45-1-2"),
]


@pytest.mark.parametrize(("text", "key"), EXACT, ids=[e[0] for e in EXACT])
def test_resolve_exact(catalogue, text, key):
    resolution = resolve(text, catalogue, TODAY)
    assert resolution.status == "exact"
    assert resolution.entry.key == key
    assert resolution.question is None and resolution.reason is None


INCOMPLETE = [
    ("47 § LPT", LPT_KEYS),
    ("47 § andra stycket LPT", LPT_KEYS),
    ("lagen (1991:1128) om psykiatrisk tvångsvård 47 §", LPT_KEYS),
    ("45 § LVM", [f"LVM-45-1-{p}" for p in range(1, 5)]),
    ("43 § första stycket LVU", [f"LVU-43-1-{p}" for p in range(1, 4)]),
    ("27 § LRV", [*[f"LRV-27-LPT-47-2-{p}" for p in range(3, 7)], "LRV-27-LRV-7-1"]),
    ("27 § p. 3 LRV", [*[f"LRV-27-LPT-47-2-{p}" for p in range(3, 7)], "LRV-27-LRV-7-1"]),
    ("27 § LRV jfr 47 § LPT", [f"LRV-27-LPT-47-2-{p}" for p in range(3, 7)]),
    ("handräckning enligt LVU", [f"LVU-43-1-{p}" for p in range(1, 4)]),
]


@pytest.mark.parametrize(("text", "keys"), INCOMPLETE, ids=[i[0] for i in INCOMPLETE])
def test_resolve_incomplete_lists_candidates(catalogue, text, keys):
    resolution = resolve(text, catalogue, TODAY)
    assert resolution.status == "incomplete"
    assert [e.key for e in resolution.candidates] == keys
    for entry in resolution.candidates:
        assert entry.citation in resolution.question
    assert resolution.question.startswith(resolution.preface)
    assert "Ange vilken av följande grunder" in resolution.question


@pytest.mark.parametrize("text", ["", "   ", "enligt lag", "se bifogat beslut"])
def test_resolve_missing_or_unreadable_asks_for_the_legal_basis(catalogue, text):
    resolution = resolve(text, catalogue, TODAY)
    assert resolution.status == "incomplete"
    assert resolution.candidates == ()
    assert "47 § andra stycket 1 LPT" in resolution.question  # examples in canonical form


IMPOSSIBLE = [
    ("47 § 2 st p. 9 LPT", "47 § andra stycket LPT har punkterna 1–7"),
    ("45 § 5 LVM", "45 § första stycket LVM har punkterna 1–4"),
    ("43 § första stycket 4 LVU", "43 § första stycket LVU har punkterna 1–3"),
    ("47 § första stycket LPT", "eget tillfälliga omhändertagande"),
    ("47 § tredje stycket LPT", "anger villkoren för en begäran"),
    ("45 § andra stycket 1 LVM", "anger villkoren för en begäran"),
    ("43 § andra stycket LVU", "anger villkoren för en begäran"),
    ("47 § fjärde stycket 1 LPT", "är inte en grund för handräckning"),
    ("46 § LPT", "46 § LPT är inte en bestämmelse om handräckning"),
    ("10 § första stycket 6 PL", "är inte en grund för handräckning enligt vårdlagarna"),
    ("29 a § polislagen", "är inte en grund för handräckning enligt vårdlagarna"),
    ("9 § LKF", "lagen (1988:688) om kontaktförbud"),
    ("5 § PF", "Förordningen är upphävd"),
    ("3 § lagen (2001:453)", "Lagen (2001:453) hanteras inte"),
    ("27 § LRV jfr 47 § andra stycket 1 LPT", "omfattas inte av hjälpen enligt 27 § LRV"),
    ("27 § LRV jfr 47 § andra stycket 9 LPT", "omfattas inte av hjälpen enligt 27 § LRV"),
]


@pytest.mark.parametrize(("text", "reason"), IMPOSSIBLE, ids=[i[0] for i in IMPOSSIBLE])
def test_resolve_impossible_gives_a_reason(catalogue, text, reason):
    resolution = resolve(text, catalogue, TODAY)
    assert resolution.status == "impossible"
    assert resolution.entry is None and resolution.candidates == ()
    assert reason in resolution.reason


def test_resolve_key(catalogue):
    assert resolve_key("LVU-43-1-2", catalogue, TODAY).entry.key == "LVU-43-1-2"
    unknown = resolve_key("LVU-43-1-9", catalogue, TODAY)
    assert unknown.status == "impossible" and "Okänd rättslig grund" in unknown.reason


# --------------------------------------------------------------------------- validity dates

def test_nothing_is_valid_before_the_2017_wording(catalogue):
    """The current wording (with Kriminalvården and the condition) is in force from 2017-04-01."""
    assert len(catalogue.valid_on(date(2017, 3, 31))) == 0
    assert len(catalogue.valid_on(date(2017, 4, 1))) == len(catalogue) - len(MV_KEYS)
    # Migrationsverket's entries: from a day by which the sources show both the proposition's rule and
    # the agreement (RPC 153/2019) in force.
    assert len(catalogue.valid_on(date(2020, 1, 1))) == len(catalogue)
    resolution = resolve("47 § andra stycket 3 LPT", catalogue, date(2016, 1, 1))
    assert resolution.status == "impossible"


def test_entry_with_valid_to_in_the_past_is_not_valid(raw, tmp_path: Path):
    for entry in raw["entries"]:
        if entry["key"] == "LVM-45-1-3":
            entry["valid_to"] = "2020-12-31"
    path = tmp_path / "legal_bases.json"
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    catalogue = load_catalogue(path)
    entry = catalogue.get("LVM-45-1-3")
    assert entry.is_valid_on(date(2020, 12, 31))
    assert not entry.is_valid_on(TODAY)
    assert entry not in catalogue.valid_on(TODAY).entries
    assert entry in catalogue.valid_on(date(2019, 1, 1)).entries
    resolution = resolve("45 § 3 LVM", catalogue, TODAY)
    assert resolution.status == "impossible"
    assert "gäller inte den 2025-06-01" in resolution.reason
    incomplete = resolve("45 § LVM", catalogue, TODAY)
    assert [e.key for e in incomplete.candidates] == ["LVM-45-1-1", "LVM-45-1-2", "LVM-45-1-4"]


def test_future_entry_is_not_yet_valid(raw):
    for entry in raw["entries"]:
        if entry["key"] == "LPT-47-2-7":
            entry["valid_from"] = "2030-01-01"
    catalogue = catalogue_from_dict(raw)
    assert not catalogue.get("LPT-47-2-7").is_valid_on(TODAY)
    assert resolve("47 § 2 st. 7 LPT", catalogue, TODAY).status == "impossible"


def test_a_new_wording_replaces_an_old_one_by_dates(raw):
    """A change in the law is a data change: the old version gets valid_to, the new one valid_from."""
    old = next(e for e in raw["entries"] if e["key"] == "LVU-43-1-2")
    old["valid_to"] = "2025-12-31"
    new = copy.deepcopy(old)
    new.update(key="LVU-43-1-2-2026", valid_from="2026-01-01", valid_to=None, title="Ny lydelse")
    raw["entries"].append(new)
    catalogue = catalogue_from_dict(raw)
    assert resolve("43 § 2 LVU", catalogue, date(2025, 12, 31)).entry.key == "LVU-43-1-2"
    assert resolve("43 § 2 LVU", catalogue, date(2026, 1, 1)).entry.key == "LVU-43-1-2-2026"


def test_adding_a_point_is_a_data_change(raw):
    extra = copy.deepcopy(next(e for e in raw["entries"] if e["key"] == "LVU-43-1-3"))
    extra.update(key="LVU-43-1-4", point=4, title="Ny punkt")
    raw["entries"].append(extra)
    raw["case_code_mappings"][0]["codes"]["LVU-43-1-4"] = "618"
    catalogue = catalogue_from_dict(raw)
    assert resolve("43 § 4 LVU", catalogue, TODAY).entry.key == "LVU-43-1-4"
    assert resolve("43 § 5 LVU", catalogue, TODAY).reason.endswith("har punkterna 1–4.")


@pytest.mark.parametrize(("path", "value", "message"), [
    (("requesters", 0, "roles"), ["wizard"], "unknown roles"),
    (("requesters", 0, "organisation_kinds"), ["guild"], "unknown organisation_kinds"),
    (("competent_deciders",), ["officer"], "unknown deciders"),
    (("conditions",), ["something"], "unknown condition"),
    (("case_code",), "999", "unknown case code"),
    (("paragraph",), 3, "stand in stycke 2"),
    (("valid_to",), "2000-01-01", "valid_to before valid_from"),
])
def test_inconsistent_data_is_rejected(raw, path, value, message):
    target = raw["entries"][0]
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    with pytest.raises(CatalogueError, match=message):
        catalogue_from_dict(raw)


def test_malformed_data_is_rejected(raw):
    del raw["entries"][0]["title"]
    with pytest.raises(CatalogueError, match="malformed"):
        catalogue_from_dict(raw)


def test_duplicate_keys_and_overlapping_versions_are_rejected(raw):
    raw["entries"].append(copy.deepcopy(raw["entries"][0]))
    with pytest.raises(CatalogueError, match="duplicate key"):
        catalogue_from_dict(raw)
    raw["entries"][-1]["key"] = "LPT-47-2-1-copy"
    with pytest.raises(CatalogueError, match="overlapping validity"):
        catalogue_from_dict(raw)


# --------------------------------------------------------------------------- purity

LEGAL_DIR = Path(__file__).resolve().parents[1]
ALLOWED_TOP_LEVEL = {"__future__", "collections", "dataclasses", "datetime", "functools", "json", "pathlib",
                     "re", "types", "typing", "unicodedata", "lark", "personnummer", "bitrade"}


@pytest.mark.parametrize("module", [
    LEGAL_DIR / "citations.py",
    LEGAL_DIR / "catalogue.py",
    LEGAL_DIR.parent / "intake" / "rules.py",
    LEGAL_DIR.parent / "intake" / "rules_identity.py",
], ids=lambda p: p.name)
def test_rules_are_pure(module):
    """House rule: legal rules use the standard library, lark and personnummer only, never Django."""
    tree = ast.parse(module.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            imported.add(node.module)
    tops = {name.split(".")[0] for name in imported}
    assert tops <= ALLOWED_TOP_LEVEL, tops - ALLOWED_TOP_LEVEL
    assert not any(name.startswith("bitrade") and not name.startswith("bitrade.legal") for name in imported)


def test_entry_citation_object(catalogue):
    entry = catalogue.get("LRV-27-LPT-47-2-3")
    assert entry.as_citation == Citation.of("LRV", "27", applied=Citation.of("LPT", "47", 2, 3))
    assert entry.sfs == "1991:1129"
