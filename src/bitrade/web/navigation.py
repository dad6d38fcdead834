"""Navigation per persona. Each entry: (label, url name)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from bitrade.common import actor as a

NAVIGATION: dict[str, list[tuple[str, str]]] = {
    a.POLICE: [(_("Inkorg"), "web:home"), (_("Uppföljning"), "followup:dashboard"),
               (_("Avvikelser"), "followup:deviations"), (_("Rättskällor"), "legal:search")],
    a.REQUESTER: [(_("Mina begäranden"), "web:home"), (_("Ny begäran om handräckning"), "intake:new"),
                  (_("Statistik"), "followup:dashboard"), (_("Jämförelse i landet"), "followup:comparison"),
                  (_("Rättskällor"), "legal:search")],
    a.KRIMINALVARDEN: [(_("Transportuppdrag"), "web:home"), (_("Återvändande i siffror"), "followup:returns"),
                       (_("Rättskällor"), "legal:search")],
    a.ANALYST: [(_("Uppföljning"), "followup:dashboard"), (_("Återvändande"), "followup:returns"),
                (_("Avvikelser"), "followup:deviations"),
                (_("Så räknas måtten"), "followup:definitions"), (_("Rättskällor"), "legal:search")],
    a.PROCESS_OWNER: [(_("Uppföljning"), "followup:dashboard"), (_("Återvändande"), "followup:returns"),
                      (_("Avvikelser"), "followup:deviations"),
                      (_("Så räknas måtten"), "followup:definitions"), (_("Rättskällor"), "legal:search")],
    a.ADMINISTRATOR: [(_("Administration"), "web:home"), (_("Styrregler"), "web:routing_rules"),
                      (_("API-nycklar"), "web:api_keys"), (_("Granskningslogg"), "web:audit"),
                      (_("Organisation (admin)"), "admin:index"), (_("Rättskällor"), "legal:search")],
}

#: Extra entries for a police unit of this kind (the alarm console of the RLC and BOPS, NOA's overview).
UNIT_NAVIGATION: dict[str, list[tuple[str, str]]] = {
    "rlc": [(_("Larmkonsol"), "monitoring:console")],
    "bops": [(_("Larmkonsol"), "monitoring:console")],
    "noa": [(_("Nationell översikt"), "monitoring:overview"), (_("Återvändande i siffror"), "followup:returns")],
    "border_police": [(_("Återvändande i siffror"), "followup:returns")],
}
