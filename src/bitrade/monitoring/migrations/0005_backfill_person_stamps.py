"""A stamp row for every contact person of a contact ban made before the stamp triggers (0003): the inbox
reads a person's own rows only when ``p:<person>`` has a stamp, so without one such a person was served
their unit's rows and did not see the ban until it next changed. Bans made since have the row already."""

from django.db import migrations
from django.utils import timezone


def backfill(apps, schema_editor):
    ContactBan = apps.get_model("monitoring", "ContactBan")
    ScopeStamp = apps.get_model("cases", "ScopeStamp")
    people = set()
    for protected, prohibited in ContactBan.objects.values_list("contact_person_protected_id",
                                                                 "contact_person_prohibited_id"):
        people.update(p for p in (protected, prohibited) if p is not None)
    now = timezone.now()
    for person in sorted(people):
        ScopeStamp.objects.get_or_create(scope=f"p:{person}", defaults={"version": 1, "changed_at": now})


class Migration(migrations.Migration):

    dependencies = [
        ('monitoring', '0004_sharded_scope_stamps'),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
