"""Return enforcement's stamp triggers created again with the slots of ``bitrade.cases.stamps``
(PostgreSQL: a writer bumps its transaction's slot of a key, so writers of one unit do not queue on one row)."""

from django.db import migrations

from bitrade.cases import stamps


class Migration(migrations.Migration):

    dependencies = [
        ('returns', '0004_scope_stamps'),
        ('cases', '0007_sharded_scope_stamps'),
    ]

    operations = [
        stamps.replace_triggers("returns_returncase", "returns_returncase", ("case_id",),
                                stamps.case_keys("r.case_id")),
    ]
