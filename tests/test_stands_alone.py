"""The repository stands alone: nothing it ships reads from or points to a place beside it.

A fresh clone in an empty folder must run the suite and the demo with the legal sources it carries
(src/bitrade/legal/sources/). Code, tests and docs must not name paths outside the repository, nor cite
the observations of outside documents by short identifiers that only those documents define; the
inspection report is cited by its chapter and section instead.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from fnmatch import fnmatch
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCANNED = ("src", "tests", "docs", "bench", "scripts", ".ci", "README.md", "Makefile", "conftest.py",
           "pyproject.toml")
SKIPPED_DIRS = {".git", ".venv", "var", "__pycache__", "node_modules", "build", "dist", ".pytest_cache",
                ".hypothesis", ".ruff_cache", "results"}
SOURCES = REPO / "src" / "bitrade" / "legal" / "sources"
SOURCE_FILES = {
    "000_tillsynsrapport-handrackning-vardlagarna.txt": "polismyndighetens-hantering-av-handrackningsarenden-enligt-vardlagarna",
    "001_polislag-1984-387.txt": "sfs-1984-387",
    "002_statskontoret-2022-1-atervandande.txt": "statskontoret-2022-1",
    "003_polisforordning-1984-730-upphavd.txt": "sfs-1984-730",
    "004_pmfs-kontaktforbud-elektronisk-overvakning.txt": "pmfs-verkstallighet-av-kontaktforbud-med",
}

# Built from parts so that this file does not contain what it forbids.
_UP, _SH = "..", "shared"
FORBIDDEN = [
    f"{_UP}/{_SH}",
    f"{_SH}/" + "seeds",
    f"{_SH}/" + "domain",
    f"{_SH}/" + "design",
    "handrackning-" + "process.md",
    "legal-" + "rules.md",
]
# An observation, assessment, recommendation or statistic cited by a short identifier: a capital F, B, R
# or S and one or two digits standing alone (examples in test_the_identifier_pattern).  Not matched: stycke
# anchors and markers ("#S3", "[S2]", id="S3"), addresses such as P16S2, diagnosis codes such as F20.0.
FINDING_ID = re.compile(r"(?<![\w#\[\"'/])[" + "BFRS" + r"]\d{1,2}(?![\w\]\"'])(?!\.\d)")
# Texts that are not ours and are not scanned for identifiers: the legal sources as published (their
# own markers, e.g. the ordinance's stycke markers and a department code) and minified vendor code.
NOT_SCANNED_FOR_IDS = ("src/bitrade/legal/sources/*.txt", "*.min.js", "*.min.css")


def _tracked_files() -> list[str]:
    """The files git tracks (or would: new, not ignored) under the scanned paths, relative and
    '/'-separated; a walk of the tree without git."""
    if shutil.which("git") and (REPO / ".git").exists():
        command = ["git", "-C", str(REPO), "ls-files", "-z", "--cached", "--others", "--exclude-standard"]
        out = subprocess.run([*command, "--", *SCANNED], capture_output=True, check=False)
        if out.returncode == 0:
            return [p for p in out.stdout.decode("utf-8").split("\0") if p]
    files: list[str] = []
    for name in SCANNED:
        top = REPO / name
        if top.is_file():
            files.append(name)
            continue
        for root, dirs, names in os.walk(top):
            dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS and not d.endswith(".egg-info")]
            files.extend(Path(root, n).relative_to(REPO).as_posix() for n in names)
    return files


def _texts() -> list[tuple[str, str]]:
    texts = []
    for rel in _tracked_files():
        path = REPO / rel
        if not path.is_file():  # deleted in the working tree but still tracked
            continue
        try:
            texts.append((rel, path.read_text(encoding="utf-8")))
        except UnicodeDecodeError:  # images, fonts, fixtures in binary formats
            continue
    return texts


@pytest.fixture(scope="module")
def texts() -> list[tuple[str, str]]:
    found = _texts()
    names = {rel for rel, _ in found}
    # The scan must actually see the repository, or it proves nothing.
    assert {"README.md", "Makefile", "pyproject.toml", "src/bitrade/config/settings.py",
            "tests/test_stands_alone.py"} <= names
    return found


def test_no_path_outside_the_repository(texts):
    hits = [f"{rel}:{n}: {line.strip()}" for rel, text in texts for n, line in enumerate(text.splitlines(), 1)
            if any(f in line for f in FORBIDDEN)]
    assert not hits, "References outside the repository:\n" + "\n".join(hits)


def test_no_finding_identifiers_from_outside_documents(texts):
    hits = [f"{rel}:{n}: {line.strip()[:160]}" for rel, text in texts
            if not any(fnmatch(rel, pattern) for pattern in NOT_SCANNED_FOR_IDS)
            for n, line in enumerate(text.splitlines(), 1) if FINDING_ID.search(line)]
    assert not hits, "Identifiers defined in outside documents (write what they say, or cite the section):\n" \
        + "\n".join(hits)


@pytest.mark.parametrize("line, found", [
    ("the assignment alert (finding F" + "9)", True),
    ("see B" + "3 and F" + "15", True),
    ("* S" + "2/S" + "3: about 32,350 cases", True),
    ("recommendation R" + "4 of chapter 7", True),
    ('href="/rattskallor/lagrum/LPT/47/#S3"', False),
    ("[S2]Närmare bestämmelser", False),
    ('assert \'id="S3"\' in body', False),
    ('{"diagnosis_details": "F20.0"}', False),
    ("/P16/#P16S2 and P10S1N6", False),
    ("# noqa: F401, B008", False),
])
def test_the_identifier_pattern(line, found):
    assert bool(FINDING_ID.search(line)) is found


def test_the_default_legal_sources_ship_inside_the_package():
    """With no BITRADE_SEEDS_DIR in the environment, the import reads the package's own folder, which
    holds the five source documents and their provenance note, and the package data ships them."""
    import bitrade

    env = {k: v for k, v in os.environ.items() if k != "BITRADE_SEEDS_DIR"}
    env["DJANGO_SETTINGS_MODULE"] = "bitrade.config.test_settings"
    code = "import django; django.setup(); from django.conf import settings; print(settings.BITRADE_SEEDS_DIR)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120,
                         check=True)
    default = Path(out.stdout.strip().splitlines()[-1]).resolve()
    package = Path(bitrade.__file__).resolve().parent
    assert default == package / "legal" / "sources"
    assert sorted(p.name for p in default.glob("*.txt")) == sorted(SOURCE_FILES)
    readme = (default / "README.md").read_text(encoding="utf-8")
    for name in SOURCE_FILES:
        assert f"`{name}`" in readme  # every document has its provenance line

    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["bitrade"]
    for name in [*SOURCE_FILES, "README.md"]:
        assert any(fnmatch(f"legal/sources/{name}", p) for p in patterns), name


@pytest.mark.django_db
def test_the_import_finds_all_five_documents_by_default(settings):
    """``bitrade legal import`` without a directory reads the setting, whose default the test above
    proves to be the package's own folder; set to that folder here whatever the environment says."""
    import bitrade
    from bitrade.legal.models import Document
    from bitrade.legal.services import import_corpus
    from bitrade.organisation.actor import SYSTEM_ACTOR

    settings.BITRADE_SEEDS_DIR = Path(bitrade.__file__).resolve().parent / "legal" / "sources"
    result = import_corpus(SYSTEM_ACTOR)  # no directory: the setting
    assert Path(result.directory) == settings.BITRADE_SEEDS_DIR
    outcomes = {o.name: o for o in result.outcomes}
    assert set(outcomes) == set(SOURCE_FILES)
    assert {o.action for o in outcomes.values()} <= {"created", "unchanged", "new_version"}
    assert {name: o.key for name, o in outcomes.items()} == SOURCE_FILES
    assert all(o.units > 0 for o in outcomes.values())
    assert set(Document.objects.values_list("key", flat=True)) >= set(SOURCE_FILES.values())
