"""Full-text indexes for legal_searchentry, one per database engine.

SQLite: an FTS5 table over the stems that the application computes (Snowball,
Swedish), kept in step with legal_searchentry by triggers (external content).

PostgreSQL: a generated tsvector column with the ``swedish`` configuration on
the title (weight A) and the text (weight B), plus the application's roots and
compound parts with the ``simple`` configuration (weight C), and a GIN index.
"""

from django.db import migrations

SQLITE_FORWARD = [
    """CREATE VIRTUAL TABLE legal_search_fts USING fts5(
        title_stems, body_stems, extra,
        content='legal_searchentry', content_rowid='id',
        tokenize='unicode61 remove_diacritics 0'
    )""",
    """CREATE TRIGGER legal_searchentry_ai AFTER INSERT ON legal_searchentry BEGIN
        INSERT INTO legal_search_fts(rowid, title_stems, body_stems, extra)
        VALUES (new.id, new.title_stems, new.body_stems, new.extra);
    END""",
    """CREATE TRIGGER legal_searchentry_ad AFTER DELETE ON legal_searchentry BEGIN
        INSERT INTO legal_search_fts(legal_search_fts, rowid, title_stems, body_stems, extra)
        VALUES ('delete', old.id, old.title_stems, old.body_stems, old.extra);
    END""",
    """CREATE TRIGGER legal_searchentry_au AFTER UPDATE ON legal_searchentry BEGIN
        INSERT INTO legal_search_fts(legal_search_fts, rowid, title_stems, body_stems, extra)
        VALUES ('delete', old.id, old.title_stems, old.body_stems, old.extra);
        INSERT INTO legal_search_fts(rowid, title_stems, body_stems, extra)
        VALUES (new.id, new.title_stems, new.body_stems, new.extra);
    END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS legal_searchentry_au",
    "DROP TRIGGER IF EXISTS legal_searchentry_ad",
    "DROP TRIGGER IF EXISTS legal_searchentry_ai",
    "DROP TABLE IF EXISTS legal_search_fts",
]

POSTGRES_FORWARD = [
    """ALTER TABLE legal_searchentry ADD COLUMN tsv tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('swedish', coalesce(title, '')), 'A')
        || setweight(to_tsvector('swedish', coalesce(body, '')), 'B')
        || setweight(to_tsvector('simple', coalesce(extra, '')), 'C')
    ) STORED""",
    "CREATE INDEX legal_searchentry_tsv_gin ON legal_searchentry USING GIN (tsv)",
    "ALTER INDEX legal_searchentry_tsv_gin SET (fastupdate = off)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS legal_searchentry_tsv_gin",
    "ALTER TABLE legal_searchentry DROP COLUMN IF EXISTS tsv",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor, [])
        with schema_editor.connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("legal", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
    ]
