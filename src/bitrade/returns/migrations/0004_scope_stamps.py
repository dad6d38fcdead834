"""Inbox change stamps for return enforcement (see ``bitrade.cases.stamps``): the return case's fields
(person, category, priority, lapse date, impediments) are shown in the case's row."""

from django.db import migrations

from bitrade.cases import stamps


class Migration(migrations.Migration):

    dependencies = [
        ('returns', '0003_returnfact'),
        ('cases', '0005_scope_stamps'),
    ]

    operations = [
        stamps.run_triggers("returns_returncase", "returns_returncase", ("case_id",), stamps.case_keys("r.case_id")),
    ]
