"""Navigation per persona. Each entry: (label, url name)."""

from __future__ import annotations

from bitrade.organisation import actor as a

NAVIGATION: dict[str, list[tuple[str, str]]] = {
    a.POLICE: [("Inkorg", "web:home")],
    a.REQUESTER: [("Mina begäranden", "web:home"), ("Ny begäran om handräckning", "intake:new")],
    a.KRIMINALVARDEN: [("Transportuppdrag", "web:home")],
    a.ANALYST: [("Uppföljning", "web:home")],
    a.PROCESS_OWNER: [("Uppföljning", "web:home")],
    a.ADMINISTRATOR: [("Administration", "web:home"), ("Granskningslogg", "web:audit"),
                      ("Organisation (admin)", "admin:index")],
}
