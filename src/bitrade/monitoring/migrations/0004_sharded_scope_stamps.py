"""Contact bans' stamp triggers created again with the slots of ``bitrade.cases.stamps`` (PostgreSQL: a
writer bumps its transaction's slot of a key, so writers of one unit do not queue on one row)."""

from django.db import migrations

from bitrade.cases import stamps

WIDENED = ("rlc_id", "contact_person_protected_id", "contact_person_prohibited_id")


class Migration(migrations.Migration):

    dependencies = [
        ('monitoring', '0003_scope_stamps'),
        ('cases', '0007_sharded_scope_stamps'),
    ]

    operations = [
        stamps.replace_triggers("monitoring_case", "cases_case", ("id",), [
            f"SELECT '{p}:' || b.{col} AS k FROM monitoring_contactban b JOIN {{rows}} r ON b.case_id = r.id"
            for p, col in zip("upp", WIDENED, strict=True)]),
        stamps.replace_triggers("monitoring_contactban", "monitoring_contactban", ("case_id", *WIDENED), [
            *stamps.case_keys("r.case_id"),
            *(f"SELECT '{p}:' || r.{col} AS k FROM {{rows}} r" for p, col in zip("upp", WIDENED, strict=True))]),
    ]
