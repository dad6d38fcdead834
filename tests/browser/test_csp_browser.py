"""The pages work under the strict Content-Security-Policy: htmx swaps, no policy violation reported."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


def test_htmx_works_and_nothing_is_blocked(page, login):
    page.add_init_script(RECORD_VIOLATIONS)
    login("overlakare.malmo")
    page.get_by_role("link", name="Ny begäran om handräckning").first.click()
    assert "script-src 'self'" in page.request.get("/begaran/ny/").headers["content-security-policy"]
    page.get_by_label("Vilket lagrum grundar begäran?").select_option("LPT-47-2-3")
    expect(page.get_by_test_id("basis-explanation")).to_contain_text("47 § andra stycket 3 LPT")
    assert page.evaluate("() => window.__cspViolations") == []
    page.get_by_role("button", name="Logga ut").click()
    login("sb.malmo")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Inkorg")
    assert page.evaluate("() => window.__cspViolations") == []
