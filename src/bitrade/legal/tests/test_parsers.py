"""The parsers on each seed format, and on small made-up texts (pure: no database)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from bitrade.legal.parsers import ParseError, detect_format, parse_document, parse_regulation, parse_sfs
from bitrade.legal.parsers.common import join_hyphenated_lines, join_inline_hyphens, section_address, slugify


def _seed(prefix: str) -> str:
    from django.conf import settings

    directory = Path(settings.BITRADE_SEEDS_DIR)
    return next(directory.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def police_act():
    return parse_document(_seed("001"))


@pytest.fixture(scope="module")
def ordinance():
    return parse_document(_seed("003"))


@pytest.fixture(scope="module")
def regulation():
    return parse_document(_seed("004"))


@pytest.fixture(scope="module")
def report():
    return parse_document(_seed("000"))


@pytest.fixture(scope="module")
def statskontoret():
    return parse_document(_seed("002"))


def test_formats_are_recognised_from_the_text():
    assert [detect_format(_seed(p)) for p in ("000", "001", "002", "003", "004")] == [
        "report", "sfs", "report", "ordinance", "regulation"]
    with pytest.raises(ParseError, match="Okänt format"):
        parse_document("Ett brev utan paragrafer.\n\nMed vänlig hälsning")


# --------------------------------------------------------------------------- the Police Act (SFS)

def test_police_act_metadata(police_act):
    assert police_act.key == "sfs-1984-387"
    assert police_act.title == "Polislag (1984:387)"
    assert police_act.law_code == "PL" and police_act.sfs == "1984:387"
    assert police_act.issued_on == date(1984, 6, 7)
    assert police_act.amended_to == "2024:809"
    assert police_act.status == "partly_expiring"
    assert "28 a § upphör att gälla 2029-04-30" in police_act.status_note


def test_police_act_counts(police_act):
    kinds = Counter(u.kind for u in police_act.units)
    assert kinds == {"section": 57, "transitional": 3}
    assert Counter(u.status for u in police_act.units) == {"in_force": 57, "repealed": 2, "expiring": 1}
    assert sum(u.point_count for u in police_act.units) == 63


@pytest.mark.parametrize(("address", "section", "stycken", "points"), [
    ("P1", "1", 2, 0), ("P2", "2", 1, 5), ("P2a", "2 a", 1, 0), ("P10", "10", 3, 7), ("P16", "16", 3, 0),
    ("P17", "17", 1, 0), ("P27", "27", 4, 6), ("P29", "29", 5, 0), ("P29a", "29 a", 2, 0),
])
def test_police_act_addresses(police_act, address, section, stycken, points):
    unit = police_act.unit(address)
    assert unit is not None and unit.section == section
    assert len(unit.stycken) == stycken
    assert unit.point_count == points


def test_police_act_text_and_headings(police_act):
    p17 = police_act.unit("P17")
    assert p17.text.endswith("Den som är under femton år får dock inte tas i förvar.")
    assert p17.heading == "Tillfälliga omhändertaganden, avlägsnanden m.m."
    assert police_act.unit("P1").heading == "Allmänna bestämmelser – Polisverksamhetens ändamål"
    ten = police_act.unit("P10")
    assert ten.stycken[0].points[5].number == 6
    assert ten.stycken[0].points[5].text.startswith("polismannen annars med laga stöd ska bereda sig tillträde")
    # the andra stycke of 16 § holds the six-hour limit for someone under eighteen
    assert "sex timmar" in police_act.unit("P16").stycken[1].text
    # 29 a § lists the häkteslagen provisions as dash items
    dashes = police_act.unit("P29a").stycken[0].points
    assert [p.number for p in dashes] == [None, None, None] and dashes[0].text.startswith("4 kap. 4 §")


def test_police_act_amendment_tags(police_act):
    assert police_act.unit("P1").amended_by == "2014:588"
    assert police_act.unit("P17").amended_by == "1998:27"
    assert police_act.unit("P29a").amended_by == "2017:137"
    assert "Lag (" not in police_act.unit("P1").text
    assert "Lag (" not in police_act.unit("P2").stycken[0].points[-1].text


def test_police_act_repeal_and_expiry_markers(police_act):
    repealed = police_act.unit("P5a")
    assert repealed.status == "repealed" and repealed.amended_by == "2014:588"
    renumbered = police_act.unit("P7a")
    assert renumbered.status == "repealed" and "Ny beteckning 5 §" in renumbered.status_note
    expiring = police_act.unit("P28a")
    assert expiring.status == "expiring" and expiring.expires_on == date(2029, 4, 30)
    assert "(2024:224)" in expiring.status_note
    assert not expiring.text.startswith("/")
    assert expiring.text.startswith("Polismyndigheten får besluta")


def test_police_act_transitional_provisions(police_act):
    transitional = [u for u in police_act.units if u.kind == "transitional"]
    assert [u.address for u in transitional] == ["L1984-387", "L1991-665", "L2023-425"]
    assert transitional[-1].stycken[0].points[0].text == "Denna lag träder i kraft den 1 januari 2024."


def test_sfs_parser_on_a_made_up_statute():
    text = """Lag (2030:1) om prov

SFS nr: 2030:1
Utfärdad: 2030-01-02

Inledning

1 §   Första stycket.

Andra stycket med punkter
   1. ett,
   2. två. Lag (2031:5).

1 a §   /Upphör att gälla U:2035-01-01 genom lag (2031:6)./ Tillfällig regel.

2 §   Har upphävts genom lag (2031:7).
"""
    doc = parse_sfs(text)
    assert doc.key == "sfs-2030-1" and doc.law_code == "" and doc.issued_on == date(2030, 1, 2)
    first, temporary, gone = doc.units
    assert first.address == "P1" and first.heading == "Inledning" and first.amended_by == "2031:5"
    assert [p.text for p in first.stycken[1].points] == ["ett,", "två."]
    assert temporary.address == "P1a" and temporary.status == "expiring" and temporary.expires_on == date(2035, 1, 1)
    assert gone.status == "repealed"
    assert doc.status == "partly_expiring"


# --------------------------------------------------------------------------- the repealed ordinance

def test_ordinance_is_repealed_as_a_whole(ordinance):
    assert ordinance.key == "sfs-1984-730" and ordinance.law_code == "PF"
    assert ordinance.status == "repealed" and ordinance.repealed_by == "1998:1558"
    assert ordinance.issued_on == date(1984, 8, 23) and ordinance.in_force_from == date(1984, 10, 1)
    assert ordinance.amended_to == "1998:1036"
    assert {u.status for u in ordinance.units} == {"repealed"}


def test_ordinance_counts_and_chapters(ordinance):
    assert Counter(u.kind for u in ordinance.units) == {"section": 104, "transitional": 46}
    chapters = Counter(u.chapter for u in ordinance.units if u.kind == "section")
    assert chapters == {"1": 4, "2": 34, "3": 13, "4": 7, "5": 15, "6": 5, "7": 21, "8": 1, "9": 4}
    addresses = [u.address for u in ordinance.units]
    assert len(addresses) == len(set(addresses))


def test_ordinance_stycke_markers_and_the_broken_stycke(ordinance):
    first = ordinance.unit("K1P1")
    assert len(first.stycken) == 3 and first.amended_by == "1997:1053"
    competence = ordinance.unit("K2P16")
    assert competence.heading.endswith("Ärendenas handläggning")
    # "[S2]6 kap.2, 3, 5 och 9 §§ … utlänningslagen (1989:529)," continues point 7; the source's
    # points "1.–3." after it are points 8–10, and the real andra stycke is the source's [S3]
    points = competence.stycken[0].points
    assert [p.number for p in points] == list(range(1, 11))
    assert [p.source_label for p in points[7:]] == ["1", "2", "3"]
    assert "utlänningslagen (1989:529)" in points[6].text
    assert len(competence.stycken) == 3
    assert competence.stycken[1].lead.startswith("Utan hinder av bestämmelserna i första stycket")


def test_ordinance_repealed_sections_and_lost_chapter_heading(ordinance):
    gone = ordinance.unit("K2P17")
    assert gone.status_note == "Upphävd genom förordning (1987:913)"
    assert ordinance.unit("K7P1") is not None  # "[K7]" although the "7 kap." heading is missing
    assert ordinance.unit("K7P12").stycken[0].points[2].source_label == "1"


def test_ordinance_amending_acts(ordinance):
    act = ordinance.unit("L1998-72")
    assert act.kind == "transitional"
    assert any(s.lead == "Omfattning: ändr. 7 kap 3, 6, 10 a, 15 §§, 8 kap 2 §" for s in act.stycken)
    assert ordinance.unit("L1998-1558").status_note == "Förordningen upphävdes genom SFS 1998:1558"


def test_inline_hyphens_are_joined_but_suspended_compounds_kept():
    assert join_inline_hyphens("polismyndig- heten och polis-myndighet") == "polismyndigheten och polismyndighet"
    assert join_inline_hyphens("fri- och rättigheter, it-system, LVM-hem") == "fri- och rättigheter, it-system, LVM-hem"


# --------------------------------------------------------------------------- the Police regulations

def test_regulation_metadata(regulation):
    assert regulation.kind == "regulation"
    assert regulation.title == ("Polismyndighetens föreskrifter och allmänna råd om verkställighet av kontaktförbud "
                                "med elektronisk övervakning")
    assert regulation.issued_on == date(2020, 2, 7) and regulation.in_force_from == date(2020, 3, 1)


def test_regulation_counts(regulation):
    assert Counter(u.kind for u in regulation.units) == {"preamble": 1, "section": 26, "transitional": 1}
    assert [u.section for u in regulation.units if u.kind == "section"] == [str(n) for n in range(1, 27)]


def test_regulation_advice_is_kept_apart(regulation):
    with_advice = {u.section: len(u.advice) for u in regulation.units if u.advice}
    assert with_advice == {"3": 1, "9": 1, "10": 2, "11": 1, "25": 1}
    ten = regulation.unit("P10")
    assert ten.advice[1] == "Montering av elektronisk fotboja bör normalt ske inom två dagar från det att beslutet fattats."
    assert "bör normalt" not in ten.text
    assert ten.text.startswith("Polismyndigheten ska i samband med att utredningen redovisas")


def test_regulation_hyphenated_line_breaks_are_joined(regulation):
    assert "kontaktförbudet" in regulation.unit("P2").text
    assert "för-" not in regulation.unit("P5").text
    assert "tekniken fungerar" in regulation.unit("P12").text
    assert "brottsoffer- och personsäkerhetsgrupp" in regulation.unit("P3").text.lower()
    assert "förordningen (1988:691)" in regulation.unit("ingress").text


def test_regulation_headings_and_dash_items(regulation):
    assert regulation.unit("P1").heading == "Tillämpningsområde"
    assert regulation.unit("P3").heading == "Organisation och ansvarsområde"
    assert regulation.unit("P11").heading == "Kontaktperson och klargörandesamtal – Kontaktperson"
    items = regulation.unit("P3").stycken[0].points
    assert len(items) == 5 and items[0].text == "vara handläggande enhet vid beslut om kontaktförbud med elektronisk övervakning,"


def test_regulation_entry_into_force_is_its_own_unit(regulation):
    unit = regulation.unit("ikrafttradande")
    assert unit.kind == "transitional"
    assert "PMFS 2016:3" in unit.text
    assert "Dessa föreskrifter" not in regulation.unit("P26").text


def test_regulation_parser_rejects_other_text():
    with pytest.raises(ParseError):
        parse_regulation("Polislag (1984:387)\n\n1 §   Text.")


# --------------------------------------------------------------------------- the reports

def test_supervision_report_sections(report):
    assert report.kind == "report"
    assert report.title == "Polismyndighetens hantering av handräckningsärenden enligt vårdlagarna"
    assert report.publisher == "Polismyndigheten" and report.identifier == "Polismyndigheten, tillsynsrapport"
    numbered = [u.section for u in report.units if u.section]
    assert numbered[:6] == ["1", "1.1", "1.2", "1.3", "2", "2.1"]
    assert numbered[-1] == "7" and len(numbered) == 27
    assert report.units[0].title == "Sammanfattning"
    assert report.unit("avsnitt-2.3").title == "Samverkansöverenskommelsen med Kriminalvården"


def test_supervision_report_quotes_the_care_laws_with_their_points(report):
    section = report.unit("avsnitt-2.2")
    by_lead = {s.lead.split(" ska ")[0]: s for s in section.stycken}
    assert len(by_lead["Enligt 47 § andra stycket LPT"].points) == 7
    assert len(by_lead["Enligt 45 § LVM"].points) == 4
    lvu = next(s for s in section.stycken if s.lead.startswith("Av 43 § LVU"))
    assert [p.number for p in lvu.points] == [1, 2, 3]  # across a page break and two footnotes


def test_supervision_report_footnotes_and_page_furniture(report):
    notes = report.unit("avsnitt-1.1").notes
    assert "7 JO 1981/82 s. 183." in notes and "8 JO 2014/15 s. 122." in notes
    text = "\n".join(u.text for u in report.units)
    assert "https://lagen.nu" not in text and "Informationsklass" not in text
    assert "RÄTTSLIG REGLERING" not in text


def test_statskontoret_report_follows_its_table_of_contents(statskontoret):
    assert statskontoret.key == "statskontoret-2022-1"
    assert statskontoret.identifier == "Statskontoret 2022:1"
    assert statskontoret.issued_on == date(2021, 12, 22)
    chapters = [u.section for u in statskontoret.units if u.section and "." not in u.section]
    assert chapters == [str(n) for n in range(1, 9)]
    assert len(statskontoret.units) == 165
    assert statskontoret.unit("avsnitt-2.2").title == "En omfattande verksamhet som tre myndigheter ansvarar för"
    assert statskontoret.unit("avsnitt-2.2.2").title == (
        "Migrationsverket har huvudansvaret med fokus på självmant återvändande")
    # a footnote that carries the next chapter's number is not a heading
    assert statskontoret.unit("avsnitt-2").title == "Styrning och uppföljning av återvändandeverksamheten"


# --------------------------------------------------------------------------- helpers

def test_addresses_and_slugs():
    assert section_address("29 a") == "P29a"
    assert section_address("16", "2") == "K2P16"
    assert slugify("Polismyndighetens föreskrifter om kontaktförbud") == "polismyndighetens-foreskrifter-om-kontaktforbud"


def test_hyphenated_lines():
    assert join_hyphenated_lines(["kontaktför-", "budet gäller"]) == ["kontaktförbudet gäller"]
    assert join_hyphenated_lines(["brottsoffer- ", "och person"]) == ["brottsoffer- och person"]
    assert join_hyphenated_lines(["relevanta JO-", "beslut"]) == ["relevanta JO-beslut"]
    assert join_hyphenated_lines(["all-", "", "männa råd"]) == ["allmänna råd"]
