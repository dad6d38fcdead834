"""Handräckning's stamp triggers created again with the slots of ``bitrade.cases.stamps`` (PostgreSQL: a
writer bumps its transaction's slot of a key, so writers of one unit do not queue on one row)."""

from django.db import migrations

from bitrade.cases import stamps


OFFERED_TO = ("SELECT 'u:' || t.to_unit_id AS k FROM assistance_transfer t JOIN {rows} r ON t.case_id = {case} "
              "WHERE t.status = 'pending'")


class Migration(migrations.Migration):

    dependencies = [
        ('assistance', '0003_scope_stamps'),
        ('cases', '0007_sharded_scope_stamps'),
    ]

    operations = [
        stamps.replace_triggers("assistance_case", "cases_case", ("id",), [OFFERED_TO.replace("{case}", "r.id")]),
        stamps.replace_triggers("assistance_transfer", "assistance_transfer", ("to_unit_id",),
                                ["SELECT 'u:' || r.to_unit_id AS k FROM {rows} r"]),
        stamps.replace_triggers("intake_assistancerequest", "intake_assistancerequest", ("case_id",),
                                [*stamps.case_keys("r.case_id"), OFFERED_TO.replace("{case}", "r.case_id")]),
    ]
