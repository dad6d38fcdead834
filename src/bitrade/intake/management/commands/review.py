"""bitrade review FILE.json — the formal review of a request body (as for the API), JSON on stdout."""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from pydantic import ValidationError

from bitrade.common.errors import swedish_validation_errors
from bitrade.intake import rules
from bitrade.intake.schemas import RequestIn
from bitrade.legal.catalogue import default_catalogue
from bitrade.legal.citations import CitationSyntaxError

# The organisation kind a requester role usually belongs to, when the file does not say.
DEFAULT_KIND = {
    "physician": "psychiatric_clinic", "chief_physician": "psychiatric_clinic",
    "head_of_operations": "health_region", "board_chair": "social_services", "board_member": "social_services",
    "appointed_official": "social_services", "social_services_official": "social_services",
    "court_official": "court", "sis_officer": "sis", "socialstyrelsen_officer": "socialstyrelsen",
    "migration_officer": "migration_agency", "prosecutor": "prosecution",
}


class Command(BaseCommand):
    help = ("Formal review of a request body (the API's JSON). Prints outcome, legal_basis, checks, "
            "competent_deciders and kriminalvarden_transport as JSON. The organisation kind is taken from "
            "'organisation_kind' and 'organisation_name' in the file (the API takes both from the API key).")

    def add_arguments(self, parser):
        parser.add_argument("file", help="request body as JSON ('-' for standard input)")
        parser.add_argument("--on", help="review date (YYYY-MM-DD), default today")

    def handle(self, *args, **options):
        path = options["file"]
        try:
            raw = json.load(sys.stdin if path == "-" else Path(path).open(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise CommandError(f"Kan inte läsa {path}: {exc}") from exc
        org_kind = raw.pop("organisation_kind", None) if isinstance(raw, dict) else None
        org_name = raw.pop("organisation_name", "") if isinstance(raw, dict) else ""
        try:
            data = RequestIn.model_validate(raw)
        except ValidationError as exc:
            self.stdout.write(json.dumps({"outcome": "invalid", "errors": swedish_validation_errors(exc.errors())},
                                         ensure_ascii=False, indent=2))
            raise CommandError("ogiltig begäran", returncode=2) from exc
        on = timezone.datetime.fromisoformat(options["on"]).date() if options["on"] else timezone.localdate()
        facts = rules.RequestFacts(
            organisation_kind=org_kind or DEFAULT_KIND.get(data.requester.role.value, ""),
            organisation_name=org_name, requester_name=data.requester.name, requester_role=data.requester.role.value,
            legal_basis_text=data.legal_basis, measures=data.measures, police_powers_reason=data.police_powers_reason,
            person_avoids_examination=data.person_avoids_examination,
            attachment_kinds=tuple(a.kind.value for a in data.attachments),
            person_identity_number=data.person.identity_number, person_name=data.person.name,
            person_birth_date=data.person.birth_date, location_municipality_code=data.location.municipality_code,
        )
        try:
            result = rules.review(facts, default_catalogue(), on)
        except CitationSyntaxError as exc:
            self.stdout.write(json.dumps({"outcome": "inadmissible", "legal_basis": None, "checks": [
                {"code": "legal_basis_valid", "ok": False, "message": str(exc), "citation": None}],
                "competent_deciders": [], "kriminalvarden_transport": False}, ensure_ascii=False, indent=2))
            return
        self.stdout.write(json.dumps(rules.review_to_dict(result), ensure_ascii=False, indent=2))
