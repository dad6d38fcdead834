"""PostgreSQL: statistics of kind and state together. Kinds share state names in very different numbers (tens
of thousands of return cases wait in "received" while a few handräckning cases do), and without the pair's
statistics the planner guesses "this kind in these states" from the states alone: it read 28,000 rows through
the state index for the 900 open handräckning cases, where the (kind, state) index reads just those."""

from django.db import migrations

STATISTICS = "case_kind_state_stats"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE STATISTICS IF NOT EXISTS {STATISTICS} (mcv) ON kind, state FROM cases_case",
                              params=None)
        schema_editor.execute("ANALYZE cases_case", params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {STATISTICS}", params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0008_reference_function'),
    ]

    operations = [
        migrations.RunPython(forward, backward, elidable=False),
    ]
