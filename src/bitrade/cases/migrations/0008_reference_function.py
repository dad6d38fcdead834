"""PostgreSQL: reference numbers drawn by one database function (see ``bitrade.cases.references``), which
creates the region's and year's sequence on its first use -- one round trip per draw, no savepoint."""

from django.db import migrations

from bitrade.cases import references


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(references.PG_FUNCTION, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {references.PG_FUNCTION_NAME}(text, integer, integer, integer)",
                              params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0007_sharded_scope_stamps'),
    ]

    operations = [
        migrations.RunPython(forward, backward, elidable=False),
    ]
