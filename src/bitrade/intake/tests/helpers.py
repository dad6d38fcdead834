"""Request bodies for tests."""

from __future__ import annotations

import base64
import copy

# A one-page PDF that parses as a PDF (uploads are checked for structure, not only the first bytes).
PDF = b'%PDF-1.3\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<\n/Producer (pypdf)\n>>\nendobj\n2 0 obj\n<<\n/Type /Pages\n/Count 1\n/Kids [ 4 0 R ]\n>>\nendobj\n3 0 obj\n<<\n/Type /Catalog\n/Pages 2 0 R\n>>\nendobj\n4 0 obj\n<<\n/Type /Page\n/Resources <<\n>>\n/MediaBox [ 0.0 0.0 595 842 ]\n/Parent 2 0 R\n>>\nendobj\nxref\n0 5\n0000000000 65535 f \n0000000015 00000 n \n0000000054 00000 n \n0000000113 00000 n \n0000000162 00000 n \ntrailer\n<<\n/Size 5\n/Root 3 0 R\n/Info 1 0 R\n>>\nstartxref\n256\n%%EOF\n'

LPT_RETURN = {
    "requester": {"name": "Eva Sandberg", "role": "chief_physician", "phone": "040-33 10 00",
                  "email": "eva@skane.example"},
    "legal_basis": "47 § andra stycket 3 LPT",
    "person": {"identity_number": "19900101-0017", "name": "Patient Exempelsson"},
    "location": {"address": "Exempelgatan 1", "municipality_code": "1280"},
    "destination": "Vuxenpsykiatri Malmö",
    "measures": "Eftersöka och återföra patienten som avvikit till avdelningen.",
    "police_powers_reason": "Patienten har tidigare gjort våldsamt motstånd; tvång väntas behövas.",
    "urgency": "planned",
}

LVU_CARE = {
    "requester": {"name": "Lina Persson", "role": "social_services_official", "phone": "040-34 10 00"},
    "legal_basis": "43 § första stycket 2 LVU",
    "person": {"name": "Ung Exempelsson", "birth_date": "2000-03-04"},
    "location": {"address": "Exempelvägen 2", "municipality_code": "1280"},
    "measures": "Verkställa beslut om vård genom att hämta den unge till HVB-hemmet.",
    "police_powers_reason": "Den unge har hotat personal och rymt två gånger; motstånd väntas.",
    "urgency": "planned",
    "attachments": [{"kind": "care_decision", "filename": "beslut.pdf",
                     "content_base64": base64.b64encode(PDF).decode()}],
}


def body(base: dict, **changes) -> dict:
    out = copy.deepcopy(base)
    for path, value in changes.items():
        target = out
        keys = path.split("__")
        for k in keys[:-1]:
            target = target[k]
        if value is None:
            target.pop(keys[-1], None)
        else:
            target[keys[-1]] = value
    return out
