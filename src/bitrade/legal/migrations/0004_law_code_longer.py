"""Room for a regulation's number as its law code ("PMFS 2020:1").

SQLite does not enforce a varchar's length, and rebuilding ``legal_searchentry`` there would drop the
triggers of its full-text table, so only PostgreSQL's columns are altered; the model state changes on both.
"""

from django.db import migrations, models

TABLES = ("legal_document", "legal_quotation", "legal_searchentry")


def widen(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f'ALTER TABLE "{table}" ALTER COLUMN "law_code" TYPE varchar(16)')


class Migration(migrations.Migration):

    dependencies = [
        ("legal", "0003_index_title"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(widen, migrations.RunPython.noop)],
            state_operations=[
                migrations.AlterField(
                    model_name="document",
                    name="law_code",
                    field=models.CharField(blank=True, max_length=16, verbose_name="lagförkortning"),
                ),
                migrations.AlterField(
                    model_name="quotation",
                    name="law_code",
                    field=models.CharField(max_length=16),
                ),
                migrations.AlterField(
                    model_name="searchentry",
                    name="law_code",
                    field=models.CharField(blank=True, max_length=16),
                ),
            ],
        ),
    ]
