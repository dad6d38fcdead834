"""The classification table's starting rows (a platform choice, not law: the regulation names only the two
categories; the types and their procedures are the RLC's åtgärdskalender and BOPS's rutinbeskrivning)."""

from django.db import migrations


def seed(apps, schema_editor):
    from bitrade.monitoring.rules import DEFAULT_TABLE

    AlarmTypeRule = apps.get_model("monitoring", "AlarmTypeRule")
    if not AlarmTypeRule.objects.exists():
        AlarmTypeRule.objects.bulk_create([
            AlarmTypeRule(alarm_type=r.alarm_type, category=r.category, procedure=r.procedure,
                          valid_from=r.valid_from, valid_to=r.valid_to) for r in DEFAULT_TABLE])


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
