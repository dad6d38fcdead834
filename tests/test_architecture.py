"""The import contracts in pyproject.toml ([tool.importlinter]) hold, and they do fail on a violation.

Layers point down only (shell, follow-up, the kinds, the kernel, the base, common); the case kernel
imports none of its kinds; rules modules import no Django; views and API modules reach the database
only through services and selectors."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def lint_imports(src: Path) -> subprocess.CompletedProcess:
    code = "from importlinter.cli import lint_imports_command; lint_imports_command()"
    env = {"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    return subprocess.run([sys.executable, "-c", code, str(ROOT / "pyproject.toml"), "--no-cache"],
                          cwd=src.parent, env=env, capture_output=True, text=True, timeout=120)


def test_the_import_contracts_hold():
    result = lint_imports(ROOT / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout
    for contract in ("Layers", "The case kernel imports none of its kinds", "Rules modules import no Django",
                     "Views and API modules reach the database only through services and selectors"):
        assert f"{contract}" in result.stdout


def _copy_tree(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    shutil.copytree(ROOT / "src" / "bitrade", src / "bitrade",
                    ignore=shutil.ignore_patterns("__pycache__", "sources", "*.mo", "static"))
    return src


def test_a_kernel_that_imports_a_kind_is_refused(tmp_path):
    src = _copy_tree(tmp_path)
    services = src / "bitrade" / "cases" / "services.py"
    services.write_text(services.read_text() + "\nfrom bitrade.assistance import rules as _kind_rules  # noqa\n")
    result = lint_imports(src)
    assert result.returncode != 0
    assert "The case kernel imports none of its kinds BROKEN" in result.stdout
    assert "bitrade.cases.services -> bitrade.assistance.rules" in result.stdout


def test_a_rules_module_that_imports_django_is_refused(tmp_path):
    src = _copy_tree(tmp_path)
    rules = src / "bitrade" / "routing" / "rules.py"
    rules.write_text(rules.read_text() + "\nfrom django.utils import timezone as _tz  # noqa\n")
    result = lint_imports(src)
    assert "Rules modules import no Django BROKEN" in result.stdout


def test_a_lower_layer_that_imports_a_higher_one_is_refused(tmp_path):
    src = _copy_tree(tmp_path)
    audit = src / "bitrade" / "audit" / "services.py"
    audit.write_text(audit.read_text() + "\nfrom bitrade.organisation import models as _org  # noqa\n")
    result = lint_imports(src)
    assert "BROKEN" in result.stdout
    assert "bitrade.audit.services -> bitrade.organisation.models" in result.stdout


def test_a_view_that_writes_a_model_is_refused(tmp_path):
    src = _copy_tree(tmp_path)
    views = src / "bitrade" / "cases" / "views.py"
    views.write_text(views.read_text() + "\nfrom bitrade.cases.models import Case as _Case  # noqa\n")
    result = lint_imports(src)
    assert "Views and API modules reach the database only through services and selectors BROKEN" in result.stdout
