"""Importing the corpus: counts, idempotence, versions, audit, bad input."""

from __future__ import annotations

import shutil

import pytest

from bitrade.audit.models import AuditEvent
from bitrade.common.actor import SYSTEM_ACTOR
from bitrade.legal.catalogue import default_catalogue
from bitrade.legal.models import Document, DocumentVersion, LegalNote, Quotation, SearchEntry, Term, Unit
from bitrade.legal.services import LegalImportError, import_corpus

pytestmark = pytest.mark.django_db


def test_the_seeds_are_imported(corpus):
    documents = {d.key: d for d in Document.objects.all()}
    assert set(documents) == {
        "sfs-1984-387", "sfs-1984-730", "statskontoret-2022-1", "pmfs-verkstallighet-av-kontaktforbud-med",
        "polismyndighetens-hantering-av-handrackningsarenden-enligt-vardlagarna",
    }
    assert documents["sfs-1984-387"].status == "partly_expiring"
    assert documents["sfs-1984-730"].status == "repealed"
    assert documents["sfs-1984-387"].current_version.unit_count == 60
    assert Unit.objects.filter(version=documents["sfs-1984-730"].current_version).count() == 150
    assert LegalNote.objects.filter(kind="jo_decision").count() == 4
    # 19 care-law points and Migrationsverket's two requests under 9–12 kap. UtlL
    assert SearchEntry.objects.filter(kind="guide").count() == len(default_catalogue()) == 21
    assert Term.objects.filter(word="handräckningsärenden").values_list("parts", flat=True).get() == "handräckning ärenden"
    # the supervision report's quotations of the four care laws
    assert set(Quotation.objects.values_list("law_code", "section")) >= {("LPT", "47"), ("LVM", "45"),
                                                                          ("LRV", "27"), ("LVU", "43")}


def test_reimport_is_a_no_op(corpus):
    events = AuditEvent.objects.count()
    entries = list(SearchEntry.objects.order_by("id").values_list("id", flat=True)[:5])
    result = import_corpus(SYSTEM_ACTOR, corpus)
    assert {o.action for o in result.outcomes} == {"unchanged"}
    assert not result.changed and not result.index_rebuilt
    assert AuditEvent.objects.count() == events
    assert list(SearchEntry.objects.order_by("id").values_list("id", flat=True)[:5]) == entries
    assert DocumentVersion.objects.filter(document__key="sfs-1984-387").count() == 1


def test_a_changed_text_becomes_a_new_version(corpus, tmp_path):
    for f in corpus.glob("00[14]_*.txt"):
        shutil.copy(f, tmp_path / f.name)
    police_act = next(tmp_path.glob("001_*.txt"))
    text = police_act.read_text(encoding="utf-8")
    police_act.write_text(text.replace("Den som är under femton år får dock inte tas i förvar.",
                                       "Den som är under sexton år får dock inte tas i förvar."), encoding="utf-8")
    (tmp_path / "README.md").write_text("not a source")
    (tmp_path / "notes.txt").write_text("Bara en anteckning utan paragrafer.", encoding="utf-8")
    result = import_corpus(SYSTEM_ACTOR, tmp_path)
    actions = {o.name: o.action for o in result.outcomes}
    assert actions[police_act.name] == "new_version"
    assert actions["notes.txt"] == "skipped" and "README.md" not in actions
    assert next(o for o in result.outcomes if o.name == "notes.txt").message.startswith("Okänt format")
    assert {a for n, a in actions.items() if n.startswith("004")} == {"unchanged"}
    document = Document.objects.get(key="sfs-1984-387")
    assert document.current_version.number == 2
    assert list(document.versions.values_list("number", flat=True)) == [2, 1]
    old, new = (Unit.objects.get(version__document=document, version__number=n, address="P17") for n in (1, 2))
    assert "femton" in old.text and "sexton" in new.text
    assert result.index_rebuilt
    assert "sexton" in SearchEntry.objects.get(unit=new).body
    assert not SearchEntry.objects.filter(unit=old).exists()
    event = AuditEvent.objects.filter(action="legal.imported", object_id=str(document.pk)).latest("seq")
    assert event.new["version"] == 2 and event.old["version"] == 1
    # importing the same changed text again is a no-op
    again = import_corpus(SYSTEM_ACTOR, tmp_path)
    assert not again.changed and document.versions.count() == 2


def test_a_missing_directory_is_a_clear_error(tmp_path):
    with pytest.raises(LegalImportError, match="finns inte"):
        import_corpus(SYSTEM_ACTOR, tmp_path / "saknas")


def test_an_admin_edit_of_a_seeded_decision_survives_reimport(corpus):
    note = LegalNote.objects.get(key="jo-2014-15-s-122")
    note.title = "Egen rubrik"
    note.save()
    import_corpus(SYSTEM_ACTOR, corpus)
    assert LegalNote.objects.get(key="jo-2014-15-s-122").title == "Egen rubrik"


def test_import_if_available_skips_a_missing_directory(tmp_path, caplog):
    from bitrade.legal.services import import_if_available

    assert import_if_available(SYSTEM_ACTOR, tmp_path / "saknas") is None
    assert "not imported" in caplog.text


def test_the_full_text_index_follows_the_entries(corpus):
    from django.db import connection

    entries = SearchEntry.objects.count()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'legal_searchentry'")
            assert {r[0] for r in cursor.fetchall()} == {"legal_searchentry_ai", "legal_searchentry_ad",
                                                         "legal_searchentry_au"}
            cursor.execute("SELECT COUNT(*) FROM legal_search_fts WHERE legal_search_fts MATCH %s", ['"polis"'])
        else:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'legal_searchentry_tsv_gin'")
            assert "gin" in cursor.fetchone()[0].lower()
            cursor.execute("SELECT COUNT(*) FROM legal_searchentry WHERE tsv @@ to_tsquery('swedish', 'polis')")
        assert 0 < cursor.fetchone()[0] <= entries
