"""Every guard of the contact-ban case, one function per rule of the regulation.

Each function returns ``Check``s; a binding one cites a föreskrift ("ska"), a non-binding one the
allmänt råd of that paragraf. Only a 26 § exception lets a step past a failed binding check.
"""

from __future__ import annotations

from datetime import datetime

from .base import Check
from .facts import APPLICATION_FORM, DECISION_MAKERS, POLICE_PREMISES, RLC_FORM, CaseFacts


def _done(at: datetime | None) -> bool:
    return at is not None


# --------------------------------------------------------------------------- the application

def decision_maker(facts: CaseFacts) -> Check:
    """only a prosecutor or a court decides a contact ban with electronic monitoring."""
    ok = facts.decided_by_type in DECISION_MAKERS
    return Check("decision_maker", ok, True,
                 "Beslutet är fattat av åklagare eller domstol." if ok else
                 "Beslut om kontaktförbud med elektronisk övervakning fattas av åklagare eller domstol, "
                 "inte av Polismyndigheten.", "1 § PMFS 2020:1")


def application_form(facts: CaseFacts) -> Check:
    """the application is drawn up on form PM 438.2."""
    ok = facts.application_form == APPLICATION_FORM
    return Check("application_form", ok, True,
                 "Ansökan är upprättad på blankett PM 438.2." if ok else
                 "Ansökan ska upprättas på blankett PM 438.2.", "6 § PMFS 2020:1")


def other_measures(facts: CaseFacts) -> Check:
    """the need for other protective measures is assessed (contact person with BOPS)."""
    ok = not facts.eo_requested or (_done(facts.other_measures_assessed_at) and facts.other_measures_bops_consulted)
    return Check("other_measures", ok, True,
                 "Behovet av andra skyddsåtgärder är bedömt i samråd med BOPS." if ok else
                 "Kontaktpersonen ska i samråd med BOPS bedöma behovet av andra skyddsåtgärder innan ansökan "
                 "skickas.", "7 § PMFS 2020:1")


def ban_area(facts: CaseFacts) -> Check:
    """the ban area is both marked on a map and described in text."""
    ok = not facts.eo_requested or (facts.area_count > 0 and len(facts.area_text.strip()) >= 10)
    return Check("ban_area", ok, True,
                 "Förbudsområdet är markerat på karta och beskrivet i text." if ok else
                 "Förbudsområdet ska både markeras på kartan och beskrivas i text.", "8 § PMFS 2020:1")


def send_guards(facts: CaseFacts) -> list[Check]:
    return [application_form(facts), other_measures(facts), ban_area(facts)]


# --------------------------------------------------------------------------- the investigation

def directives_done(facts: CaseFacts) -> Check:
    """the measures of the prosecutor's directives are carried out."""
    open_ = [d.measure for d in facts.directives if d.done_at is None]
    return Check("directives_done", not open_, True,
                 "Direktivens utredningsåtgärder är genomförda." if not open_ else
                 "Utredningsåtgärderna i åklagarens direktiv ska vidtas omgående: " + ", ".join(open_) + ".",
                 "9 § första stycket PMFS 2020:1")


def oral_before_written(facts: CaseFacts) -> Check:
    """presented orally first, then sent in writing."""
    ok = (_done(facts.oral_presented_at) and _done(facts.written_sent_at)
          and facts.oral_presented_at <= facts.written_sent_at)
    return Check("oral_before_written", ok, True,
                 "Utredningen är föredragen muntligen och därefter skickad skriftligen." if ok else
                 "Utredningen ska först föredras muntligen för åklagaren och därefter skickas skriftligen.",
                 "9 § andra stycket PMFS 2020:1")


def investigation_checklist(facts: CaseFacts) -> Check:
    """the allmänt råd checklist of the investigation (four items, and counsel before interview)."""
    missing = []
    if not _done(facts.protected_asked_about_area_at):
        missing.append("skyddspersonen har inte tillfrågats om förbudsområdets utformning")
    if not _done(facts.informed_right_to_counsel_at):
        missing.append("förbudspersonen har inte informerats om rätten till offentligt biträde")
    elif _done(facts.prohibited_interviewed_at) and facts.prohibited_interviewed_at < facts.informed_right_to_counsel_at:
        missing.append("förbudspersonen hördes innan hen informerades om rätten till offentligt biträde")
    if not _done(facts.prohibited_asked_reason_at):
        missing.append("förbudspersonen har inte tillfrågats om särskilda skäl att vistas i området")
    if not _done(facts.obstacles_investigated_at):
        missing.append("hinder mot elektronisk övervakning har inte utretts")
    return Check("investigation_checklist", not missing, False,
                 "Utredningen visar det som det allmänna rådet anger." if not missing else
                 "Allmänt råd: " + "; ".join(missing) + ".", "9 § PMFS 2020:1")


def mount_proposal(facts: CaseFacts) -> Check:
    """the time and place for mounting are proposed together with the report."""
    ok = _done(facts.proposed_mount_at) and bool(facts.proposed_mount_place.strip())
    return Check("mount_proposal", ok, True,
                 "Tid och plats för montering är föreslagna." if ok else
                 "Utredningen ska redovisas med förslag på tid och plats för montering.", "10 § PMFS 2020:1")


def equipment_prepared(facts: CaseFacts) -> Check:
    """BOPS prepares the equipment when the investigation opens."""
    ok = _done(facts.equipment_prepared_at)
    return Check("equipment_prepared", ok, True,
                 "Utrustningen är förberedd." if ok else
                 "BOPS ska förbereda nödvändig utrustning när åklagaren inleder utredning.",
                 "14 § första stycket PMFS 2020:1")


def report_guards(facts: CaseFacts) -> list[Check]:
    return [directives_done(facts), oral_before_written(facts), mount_proposal(facts), equipment_prepared(facts),
            investigation_checklist(facts)]


def decision_guards(facts: CaseFacts) -> list[Check]:
    return [decision_maker(facts)]


# --------------------------------------------------------------------------- preparing the start

def mount_place(facts: CaseFacts) -> Check:
    """mounting at police premises unless special reasons are recorded."""
    ok = facts.mount_place == POLICE_PREMISES or len(facts.mount_special_reasons.strip()) >= 10
    return Check("mount_place", ok, True,
                 "Monteringen sker i polisens lokaler eller med antecknade särskilda skäl." if ok else
                 "Montering ska ske i Polismyndighetens lokaler om det inte finns särskilda skäl; ange skälen.",
                 "10 § PMFS 2020:1")


def mount_within_two_days(facts: CaseFacts, mount_at: datetime | None) -> Check:
    """Allmänt råd: mounting should normally happen within two days of the decision."""
    from .timing import MOUNT_WITHIN

    ok = facts.decided_at is None or mount_at is None or mount_at <= facts.decided_at + MOUNT_WITHIN
    return Check("mount_within_two_days", ok, False,
                 "Monteringen sker inom två dagar från beslutet." if ok else
                 "Allmänt råd: montering bör normalt ske inom två dagar från beslutet; ange skälet till dröjsmålet.",
                 "10 § PMFS 2020:1")


def contact_persons(facts: CaseFacts) -> Check:
    """at the decision, BOPS appoints two contact persons (for each party)."""
    ok = bool(facts.contact_person_protected.strip() and facts.contact_person_prohibited.strip())
    return Check("contact_persons", ok, True,
                 "Kontaktpersoner för skyddspersonen och förbudspersonen är utsedda." if ok else
                 "BOPS ska utse en kontaktperson för skyddspersonen och en för förbudspersonen.", "11 § PMFS 2020:1")


def talk_prohibited(facts: CaseFacts, mount_at: datetime | None) -> Check:
    """the clarification talk with the prohibited person at the latest at mounting."""
    ok = _done(facts.talk_prohibited_at) and (mount_at is None or facts.talk_prohibited_at <= mount_at)
    return Check("talk_prohibited", ok, True,
                 "Klargörandesamtal med förbudspersonen är hållet." if ok else
                 "Klargörandesamtalet med förbudspersonen ska hållas senast när fotbojan monteras.",
                 "12 § PMFS 2020:1")


def talk_protected(facts: CaseFacts, mount_at: datetime | None) -> Check:
    """the clarification talk with the protected person at the latest at mounting."""
    ok = _done(facts.talk_protected_at) and (mount_at is None or facts.talk_protected_at <= mount_at)
    return Check("talk_protected", ok, True,
                 "Klargörandesamtal med skyddspersonen är hållet." if ok else
                 "Klargörandesamtalet med skyddspersonen ska hållas senast när fotbojan monteras.",
                 "13 § PMFS 2020:1")


def approved_equipment(facts: CaseFacts) -> Check:
    """only equipment approved by the Police Authority."""
    ok = bool(facts.equipment_model) and facts.equipment_model in facts.approved_models
    return Check("approved_equipment", ok, True,
                 "Utrustningen är av en godkänd modell." if ok else
                 "Endast utrustning och system som Polismyndigheten har godkänt får användas.",
                 "14 § andra stycket PMFS 2020:1")


def pm438_3_sent(facts: CaseFacts) -> Check:
    """form PM 438.3 is sent to the RLC at the decision, listing the contact persons."""
    listed = {p.strip() for p in facts.pm438_3_contact_persons if p.strip()}
    needed = {p.strip() for p in (facts.contact_person_protected, facts.contact_person_prohibited) if p.strip()}
    ok = _done(facts.pm438_3_sent_at) and bool(listed) and needed <= listed
    return Check("pm438_3_sent", ok, True,
                 f"Blankett {RLC_FORM} med kontaktpersonerna är skickad till regionledningscentralen." if ok else
                 f"Blankett {RLC_FORM} med kontaktpersonerna ska skickas till berörd regionledningscentral.",
                 "15 § PMFS 2020:1")


def equipment_tested(facts: CaseFacts, mount_at: datetime | None) -> Check:
    """the equipment is tested before mounting."""
    ok = _done(facts.equipment_tested_at) and (mount_at is None or facts.equipment_tested_at <= mount_at)
    return Check("equipment_tested", ok, True,
                 "Utrustningen är testad före monteringen." if ok else
                 "Kontaktpersonen till förbudspersonen ska se till att utrustningen testas före montering.",
                 "17 § PMFS 2020:1")


def reserve_equipment(facts: CaseFacts) -> Check:
    """reserve equipment is available during the ban period."""
    ok = facts.reserve_available
    return Check("reserve_equipment", ok, True,
                 "Reservutrustning finns tillgänglig." if ok else
                 "Reservutrustning ska finnas tillgänglig under hela förbudstiden.", "17 § PMFS 2020:1")


def fitting_team(people, code: str = "fitting_team", citation: str = "18 § första stycket PMFS 2020:1",
                 what: str = "monteringen") -> Check:
    """at least two persons assessed suitable."""
    suitable = [p for p in people if p.suitable and p.name.strip()]
    ok = len({p.name.strip() for p in suitable}) >= 2
    return Check(code, ok, True,
                 f"Minst två lämpliga personer deltar vid {what}." if ok else
                 f"Vid {what} ska minst två personer som har bedömts lämpliga närvara.", citation)


def residence_area_informed(facts: CaseFacts) -> Check:
    """if the prohibited person lives in another police area, that area is informed."""
    ok = not facts.residence_other_area or _done(facts.residence_area_informed_at)
    return Check("residence_area_informed", ok, True,
                 "Polisområdet där förbudspersonen bor är informerat (eller berörs inte)." if ok else
                 "Polisområdet där förbudspersonen bor ska informeras om ärendet.", "5 § PMFS 2020:1")


def mount_guards(facts: CaseFacts, mount_at: datetime | None = None) -> list[Check]:
    """The guards on mounting (preparing the start → mounted), in the order the form shows them."""
    mount_at = mount_at or facts.mount_at
    return [
        contact_persons(facts), pm438_3_sent(facts), residence_area_informed(facts),
        talk_prohibited(facts, mount_at), talk_protected(facts, mount_at), approved_equipment(facts),
        equipment_tested(facts, mount_at), reserve_equipment(facts), fitting_team(facts.mounted_by),
        mount_place(facts), mount_within_two_days(facts, mount_at),
    ]


def start_documented(facts: CaseFacts) -> Check:
    """the start is documented: time, place and who mounted."""
    ok = _done(facts.mount_at) and bool(facts.mount_place) and len(facts.mounted_by) >= 2
    return Check("start_documented", ok, True,
                 "Monteringen är dokumenterad med tid, plats och vem som monterade." if ok else
                 "Av dokumentationen ska tid och plats för monteringen framgå samt vem som utförde den.",
                 "18 § andra stycket PMFS 2020:1")


def activation_guards(facts: CaseFacts) -> list[Check]:
    both = _done(facts.itsys_activated_at) and _done(facts.lc_activated_at)
    return [start_documented(facts), Check(
        "activated_both", both, True,
        "Övervakningen är aktiverad i både övervakningssystemet och ledningssystemet." if both else
        "Övervakningen ska aktiveras både av BOPS i övervakningssystemet och av regionledningscentralen i "
        "ledningssystemet.", "3 § PMFS 2020:1")]


def obstacle_consulted(facts: CaseFacts) -> Check:
    """an obstacle to starting on time → the prosecutor is consulted promptly."""
    ok = facts.obstacle_at is None or _done(facts.prosecutor_consulted_at)
    return Check("obstacle_consulted", ok, True,
                 "Åklagaren är konsulterad om hindret." if ok else
                 "Vid praktiska hinder mot att inleda övervakningen ska åklagaren skyndsamt kontaktas för samråd.",
                 "18 § tredje stycket PMFS 2020:1")


# --------------------------------------------------------------------------- the end

def rlc_notified_of_end(facts: CaseFacts) -> Check:
    """the contact person of the prohibited person notifies the RLC immediately of a decision to end."""
    ok = facts.end_decision_at is None or _done(facts.rlc_notified_of_end_at)
    return Check("rlc_notified_of_end", ok, True,
                 "Regionledningscentralen är underrättad om beslutet att avsluta." if ok else
                 "Kontaktpersonen till förbudspersonen ska omedelbart underrätta regionledningscentralen om "
                 "beslutet att avsluta övervakningen.", "24 § PMFS 2020:1")


def closing_talks(facts: CaseFacts) -> Check:
    """closing talks with both parties and a needs assessment."""
    ok = all(_done(x) for x in (facts.closing_talk_protected_at, facts.closing_talk_prohibited_at,
                                facts.needs_assessed_at))
    return Check("closing_talks", ok, True,
                 "Avslutningssamtal och behovsbedömning är gjorda." if ok else
                 "Avslutningssamtal ska hållas med skyddspersonen och förbudspersonen, och behovet av andra "
                 "skyddsåtgärder ska bedömas.", "23 § PMFS 2020:1")


def deactivated_both(facts: CaseFacts) -> Check:
    ok = _done(facts.itsys_deactivated_at) and _done(facts.lc_deactivated_at)
    return Check("deactivated_both", ok, True,
                 "Övervakningen är avaktiverad i båda systemen." if ok else
                 "Övervakningen ska avaktiveras av BOPS i övervakningssystemet och av regionledningscentralen i "
                 "ledningssystemet.", "4 § PMFS 2020:1")


def dismounted(facts: CaseFacts) -> list[Check]:
    """at least two suitable persons dismount the anklet and uninstall the equipment."""
    done = _done(facts.dismount_at) and _done(facts.uninstalled_at)
    return [
        Check("dismounted", done, True,
              "Fotbojan är demonterad och utrustningen avinstallerad." if done else
              "Fotbojan ska demonteras och utrustningen avinstalleras så snart som möjligt.", "25 § PMFS 2020:1"),
        fitting_team(facts.dismounted_by, "dismount_team", "25 § PMFS 2020:1", "demonteringen"),
    ]


def summons_in_time(facts: CaseFacts) -> Check:
    """Allmänt råd: the summons to dismounting at least two weeks before the planned end."""
    from .timing import SUMMONS_BEFORE

    due = facts.eo_end_at - SUMMONS_BEFORE if facts.eo_end_at else None
    ok = due is None or (facts.summons_sent_at is not None and facts.summons_sent_at <= due)
    return Check("summons_in_time", ok, False,
                 "Kallelsen till demontering skickades minst två veckor före slutet." if ok else
                 "Allmänt råd: kallelse till demontering bör skickas senast två veckor innan övervakningen "
                 "upphör.", "25 § PMFS 2020:1")


def close_guards(facts: CaseFacts) -> list[Check]:
    return [rlc_notified_of_end(facts), closing_talks(facts), deactivated_both(facts), *dismounted(facts),
            summons_in_time(facts)]
