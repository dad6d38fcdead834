"""The shell: login, logout, capacity switch, each persona's start page and the audit view."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from bitrade.cases import views as case_views
from bitrade.common import actor as a
from bitrade.common import conditional
from bitrade.intake import selectors as intake_selectors
from bitrade.organisation import selectors as org_selectors
from bitrade.organisation.actor import capacities
from bitrade.organisation.auth import SESSION_CAPACITY, actor_required, request_capacities


class SwedishAuthenticationForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("Fel användarnamn eller lösenord. Kontrollera uppgifterna och försök igen."),
        "inactive": _("Kontot är inaktiverat. Kontakta din administratör."),
    }


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    authentication_form = SwedishAuthenticationForm
    redirect_authenticated_user = True


@require_POST
def capacity_switch(request):
    if not request.user.is_authenticated:
        return redirect("web:login")
    key = request.POST.get("capacity", "")
    if key not in {c.key for c in capacities(request.user)}:
        return HttpResponseBadRequest("Okänd roll.")
    request.session[SESSION_CAPACITY] = key
    messages.info(request, _("Du har bytt roll."))
    return redirect("web:home")


def page_assets() -> tuple[str, ...]:
    """The page's static files by their hashed names: a new deployment never revalidates an old page."""
    return tuple(static(f"web/{name}") for name in ("app.css", "app.js", "forms.js", "htmx.min.js", "poll.js"))


_units: dict[tuple, org_selectors.UnitSummary] = {}


def unit_summary(actor, stamp: object = None) -> org_selectors.UnitSummary:
    """The actor's unit and its office hours, kept per process and routing configuration version (every change
    of a unit, its office hours, police area or region bumps the version, ``routing.signals``) and ``stamp``
    (the inbox's ``g`` stamp, which the database bumps on any write of a unit, even one that bypasses the
    signals): the start page then reads one version row (shared with the rest of the request) instead of the
    unit and its hours."""
    from bitrade.routing.selectors import configuration_version

    key = (actor.unit_id, f"{configuration_version()}:{stamp}")
    hit = _units.get(key)
    if hit is None:
        hit = org_selectors.unit_summary(actor)
        if len(_units) > 1024 or any(k[1] != key[1] for k in list(_units)[:1]):
            _units.clear()  # another version (or too many units): start again
        _units[key] = hit
    return hit


def police_start(request, actor):
    """The police start page: the unit, whether it is open, and the inbox. Conditional: a browser that
    revalidates the page (reload, back) gets 304 when nothing on it changed — the inbox's change stamps,
    the unit and its opening status, the menu of capacities, the page's CSRF token and language — before
    any case is read (no read is logged); a page with a message waiting is always served."""
    inbox = case_views.InboxState(actor)
    unit = unit_summary(actor, inbox.found.get("g"))
    status = unit.open_status(timezone.now())
    menu = [(c.key, str(c.label)) for c in request_capacities(request)]
    etag = conditional.weak_etag("start", conditional.actor_scope(actor), conditional.page_scope(request), inbox.etag,
                                 actor.label, request.get_full_path(), unit.name, unit.kind, unit.region_name,
                                 unit.police_area_name, status.open, status.label, menu, *page_assets())
    flash = len(messages.get_messages(request)) > 0  # a page with a message is shown once, never kept
    if not flash and (unchanged := conditional.not_modified(request, etag, conditional.REVALIDATE)):
        return unchanged
    response = render(request, "web/start_police.html", {
        "unit": unit, "open_status": status, **case_views.inbox_page_context(actor, inbox)})
    return response if flash else conditional.tag(response, etag, conditional.REVALIDATE)


@actor_required()
def home(request, actor):
    if actor.kind == a.POLICE:
        return police_start(request, actor)
    if actor.kind == a.REQUESTER:
        status = request.GET.get("status", "")
        status = status if status in intake_selectors.REQUESTER_STATUSES else ""
        query = request.GET.get("q", "")[:100]
        return render(request, "web/start_requester.html", {
            "organisation": org_selectors.organisation_for(actor),
            "cases": intake_selectors.requester_rows(actor, status=status, query=query),
            "statuses": intake_selectors.REQUESTER_STATUSES, "status": status, "query": query,
        })
    if actor.kind == a.KRIMINALVARDEN:
        from bitrade.transport.views import nte_orders

        return nte_orders(request)
    if actor.kind in (a.ANALYST, a.PROCESS_OWNER):
        return redirect("followup:dashboard")
    return render(request, "web/start_administrator.html", {"counts": org_selectors.admin_counts(actor)})


def permission_denied(request, exception=None):
    return render(request, "403.html", {"exception": exception}, status=403)


def not_found(request, exception=None):
    response = render(request, "404.html", status=404)
    response.house_page = True
    return response


def server_error(request):
    return render(request, "500.html", status=500)
