"""Production settings: HTTPS redirect, HSTS, secure cookies, the proxy header, a strict
Content-Security-Policy, `check --deploy` clean; and no template relies on inline script or style."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

import bitrade

PACKAGE = Path(bitrade.__file__).resolve().parent

PROBE = r"""
import json, django
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.test import Client
import io
out = io.StringIO()
call_command("check", deploy=True, fail_level="WARNING", stdout=out, stderr=out)
c = Client()
plain = c.get("/logga-in/")
tls = c.get("/logga-in/", HTTP_X_FORWARDED_PROTO="https", secure=False)
print(json.dumps({
    "check": out.getvalue(),
    "plain_status": plain.status_code, "plain_location": plain.get("Location", ""),
    "status": tls.status_code, "headers": dict(tls.items()),
    "cookies": {k: {"secure": bool(v["secure"]), "httponly": bool(v["httponly"]), "samesite": v["samesite"]}
                for k, v in tls.cookies.items()},
    "debug": settings.DEBUG,
}))
"""


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    var = tmp_path_factory.mktemp("prod-var")
    env = {**os.environ, "BITRADE_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(60),
           "BITRADE_VAR_DIR": str(var), "BITRADE_ALLOWED_HOSTS": "testserver,bitrade.example",
           "DJANGO_SETTINGS_MODULE": "bitrade.config.settings", "DATABASE_URL": f"sqlite:///{var / 'db.sqlite3'}",
           "PYTHONPATH": os.pathsep.join([str(PACKAGE.parent), os.environ.get("PYTHONPATH", "")])}
    env.pop("BITRADE_DEBUG", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests; production refuses it
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_check_deploy_is_clean_in_production(production):
    assert "no issues" in production["check"], production["check"]
    assert production["debug"] is False


def test_plain_http_is_redirected_to_https(production):
    assert production["plain_status"] == 301
    assert production["plain_location"].startswith("https://")


def test_production_response_carries_the_security_headers(production):
    assert production["status"] == 200
    h = {k.lower(): v for k, v in production["headers"].items()}
    assert h["strict-transport-security"].startswith("max-age=31536000") and "includeSubDomains" in \
        h["strict-transport-security"]
    csp = h["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert h["x-content-type-options"] == "nosniff"
    assert h["x-frame-options"] == "DENY"
    assert h["referrer-policy"] == "same-origin"
    assert h["cross-origin-opener-policy"] == "same-origin"
    csrf = production["cookies"]["csrftoken"]
    assert csrf["secure"] and csrf["samesite"] == "Lax"


def test_every_page_has_a_policy_in_every_environment(client):
    r = client.get("/logga-in/")
    assert "script-src 'self'" in r["Content-Security-Policy"]


TEMPLATES = sorted(PACKAGE.glob("*/templates/**/*.html"))
# Styles in a PDF template are rendered by WeasyPrint on the server, never sent to a browser.
SERVER_ONLY = {"protocol_pdf.html"}


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_template_has_inline_script_handlers_or_styles(path):
    text = path.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", text), \
        "inline <script>"
    assert not re.search(r"\son[a-z]+\s*=", text), "inline event handler"
    assert "javascript:" not in text.lower()
    if path.name not in SERVER_ONLY:
        assert not re.search(r"\sstyle\s*=|<style", text), "inline style"


def test_the_templates_were_found():
    assert len(TEMPLATES) > 20
