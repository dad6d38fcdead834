"""The change stamps in slots on PostgreSQL (see ``bitrade.cases.stamps``): the kernel's triggers created
again, each writer bumping its transaction's slot of a key instead of the one row every writer of a unit or
region queued on. The rows already there stay (the bare key counts in the sum), so no stamp goes back.
The kinds' stamp migrations that follow this one do the same for their triggers."""

from django.db import migrations

from bitrade.cases import stamps


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0006_kind_state_index'),
    ]

    operations = [
        stamps.replace_triggers("cases_case", "cases_case", ("id", "unit_id", "region_id", "kind"), [
            "SELECT 'u:' || r.unit_id AS k FROM {rows} r",
            "SELECT 'r:' || r.region_id || ':' || r.kind AS k FROM {rows} r",
        ]),
        stamps.replace_triggers("organisation_unit", "organisation_unit", ("id",), ["SELECT 'g' AS k FROM {rows} r"],
                                events=("UPDATE",)),
    ]
