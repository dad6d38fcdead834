"""Custody grounds as data: the legal grounds for deprivation of liberty met in handräckning work."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from types import MappingProxyType
from typing import Any, Literal

from .base import _cite

#: SFS number of lagen (1976:511) om omhändertagande av berusade personer m.m. (LOB).  LOB is not in
#: ``legal.citations.LAWS``; ``format_citation`` writes it as "lagen (1976:511)".
LOB_SFS = "1976:511"


# ---------------------------------------------------------------------------------------------
# Custody grounds (data)
# ---------------------------------------------------------------------------------------------

GroundKind = Literal["custody", "removal"]
GroundFamily = Literal["assistance", "care_law", "police_act", "external"]


@dataclass(frozen=True)
class CustodyGround:
    """A legal ground for deprivation of liberty.

    ``law``/``section``/``paragraph``/``point`` are the ground's coordinates and ``citation`` its
    canonical text.  ``hard_limit`` is the statutory maximum (None when the law sets no hours) and
    ``limit_ref`` the provision that sets it.  ``police_act_custody`` is True for custody "enligt denna
    lag" (PL), to which 15 § första stycket första meningen and 17 § PL apply by their wording.
    ``verify`` marks content taken from outside the seed texts that must be checked against SFS.
    """

    code: str
    title: str
    law: str
    section: str
    paragraph: int | None = None
    point: int | None = None
    kind: GroundKind = "custody"
    family: GroundFamily = "police_act"
    hard_limit: timedelta | None = None
    limit_ref: tuple[str, str, int | None, int | None] | None = None
    police_act_custody: bool = False
    interview_required: bool = False  # 16 § första stycket PL
    notify_authority: Literal["never", "if_continued", "always"] = "never"  # 15 § andra stycket PL
    authority_decision_required: bool = False  # 15 § tredje stycket PL
    handover: Literal["", "guardian_or_social_services", "hospital", "minor_to_adult", "care_facility"] = ""
    verify: bool = False
    note: str = ""

    @property
    def citation(self) -> str:
        return _cite(self.law, self.section, self.paragraph, self.point)

    @property
    def limit_citation(self) -> str | None:
        return _cite(*self.limit_ref) if self.limit_ref else None

    @property
    def is_custody(self) -> bool:
        return self.kind == "custody"


def _ground(*args: Any, **kwargs: Any) -> CustodyGround:
    return CustodyGround(*args, **kwargs)


_GROUND_LIST: tuple[CustodyGround, ...] = (
    _ground(
        "handrackning_lpt",
        "Handräckning enligt LPT: personen hålls för transport till vårdinrättningen",
        "LPT", "47", 2, family="assistance", handover="care_facility",
        note="Lagen anger ingen tidsgräns i timmar; frihetsberövandet ska vara så kort som möjligt.",
    ),
    _ground(
        "handrackning_lrv",
        "Handräckning enligt LRV: personen hålls för transport till vårdinrättningen",
        "LRV", "27", family="assistance", handover="care_facility",
        note="Lagen anger ingen tidsgräns i timmar; frihetsberövandet ska vara så kort som möjligt.",
    ),
    _ground(
        "handrackning_lvm",
        "Handräckning enligt LVM: personen hålls för transport till LVM-hem eller sjukhus",
        "LVM", "45", 1, family="assistance", handover="care_facility",
        note="Lagen anger ingen tidsgräns i timmar; frihetsberövandet ska vara så kort som möjligt.",
    ),
    _ground(
        "handrackning_lvu",
        "Handräckning enligt LVU: den unge hålls för transport till vårdplatsen",
        "LVU", "43", 1, family="assistance", handover="care_facility",
        note="Lagen anger ingen tidsgräns i timmar; frihetsberövandet ska vara så kort som möjligt.",
    ),
    _ground(
        "lpt_temporary_custody",
        "Tillfälligt omhändertagande enligt LPT i avvaktan på att vården tar över",
        "LPT", "47", 1, family="care_law", verify=True,
        note=(
            "Befogenheten tillkommer Polismyndigheten; en polismans omhändertagande i avvaktan på "
            f"myndighetens beslut sker enligt {_cite('PL', '11')}. Lagen anger ingen tidsgräns i timmar."
        ),
    ),
    _ground(
        "pl_11",
        "Omhändertagande i avvaktan på myndighetens beslut enligt en särskild föreskrift",
        "PL", "11", police_act_custody=True, interview_required=True,
        notify_authority="if_continued", authority_decision_required=True,
        note=f"Ingen tidsgräns i timmar; myndigheten ska besluta snarast möjligt ({_cite('PL', '15', 3)}).",
    ),
    _ground(
        "pl_12",
        "Omhändertagande av den som kan antas vara under 18 år och är i överhängande och allvarlig risk",
        "PL", "12", police_act_custody=True, notify_authority="always",
        handover="guardian_or_social_services",
        note="Ingen tidsgräns i timmar; den unge ska skyndsamt överlämnas till vårdnadshavare eller socialnämnd.",
    ),
    _ground(
        "pl_12a",
        f"Omhändertagande i avvaktan på socialnämndens beslut enligt {_cite('LVM', '13')} (överlämnas till sjukhus)",
        "PL", "12 a", police_act_custody=True, handover="hospital",
        note="Ingen tidsgräns i timmar; personen ska skyndsamt överlämnas till sjukhus.",
    ),
    _ground(
        "pl_13_2",
        "Tillfälligt omhändertagande för att upprätthålla ordningen",
        "PL", "13", 2, hard_limit=timedelta(hours=6), limit_ref=("PL", "16", 2, None),
        police_act_custody=True, interview_required=True, handover="minor_to_adult",
        note="Friges snarast möjligt efter förhöret; ingen får hållas kvar längre än sex timmar.",
    ),
    _ground(
        "pl_13c_2",
        "Utvidgat avlägsnande av deltagare i en folksamling",
        "PL", "13 c", 2, kind="removal", hard_limit=timedelta(hours=2), limit_ref=("PL", "13 c", 2, None),
        note="Rörelsefriheten får inte inskränkas längre tid än två timmar. Ett avlägsnande är inte ett omhändertagande.",
    ),
    _ground(
        "pl_14",
        "Omhändertagande för identifiering",
        "PL", "14", hard_limit=timedelta(hours=6), limit_ref=("PL", "16", 3, None), police_act_custody=True,
        note="Friges omedelbart när personen har identifierats; högst sex timmar, tolv om det är av synnerlig vikt.",
    ),
    _ground(
        "lob",
        "Omhändertagande av berusad person enligt LOB",
        LOB_SFS, "1", family="external", hard_limit=timedelta(hours=8), limit_ref=(LOB_SFS, "7", None, None),
        verify=True,
        note="Uppgiften om åtta timmar kommer inte från källtexterna; kontrollera mot SFS (LOB har egna regler).",
    ),
)

#: The catalogue of grounds, by code.  Data: a new ground is a new entry here.
GROUNDS: Mapping[str, CustodyGround] = MappingProxyType({g.code: g for g in _GROUND_LIST})
ASSISTANCE_GROUNDS = frozenset(code for code, g in GROUNDS.items() if g.family == "assistance")


def get_ground(ground: str | CustodyGround) -> CustodyGround:
    if isinstance(ground, CustodyGround):
        return ground
    try:
        return GROUNDS[ground]
    except KeyError:
        raise ValueError(f"Okänd grund för frihetsberövande: {ground!r}") from None
