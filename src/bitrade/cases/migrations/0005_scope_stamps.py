"""Change stamps per part of an inbox scope, bumped by triggers (see ``bitrade.cases.stamps``)."""

from django.db import migrations, models

from bitrade.cases import stamps


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0004_routing_trace'),
        ('organisation', '0004_noa_unit_kind'),
    ]

    operations = [
        migrations.CreateModel(
            name='ScopeStamp',
            fields=[
                ('scope', models.CharField(max_length=64, primary_key=True, serialize=False)),
                ('version', models.BigIntegerField(default=0)),
                ('changed_at', models.DateTimeField(null=True)),
            ],
        ),
        # A case in, out of or changed in a unit's or a region's part (old and new unit, region, kind).
        stamps.run_triggers("cases_case", "cases_case", ("id", "unit_id", "region_id", "kind"), [
            "SELECT 'u:' || r.unit_id AS k FROM {rows} r",
            "SELECT 'r:' || r.region_id || ':' || r.kind AS k FROM {rows} r",
        ]),
        # Every inbox row shows its handling unit's name.
        stamps.run_triggers("organisation_unit", "organisation_unit", ("id",), ["SELECT 'g' AS k FROM {rows} r"],
                            events=("UPDATE",)),
    ]
