"""Inbox change stamps for contact bans (see ``bitrade.cases.stamps``): the case is also in the inbox of
the RLC that takes its alarms and of its two contact persons; the ban's fields are shown in the row."""

from django.db import migrations

from bitrade.cases import stamps

WIDENED = ("rlc_id", "contact_person_protected_id", "contact_person_prohibited_id")


class Migration(migrations.Migration):

    dependencies = [
        ('monitoring', '0002_alarm_types'),
        ('cases', '0005_scope_stamps'),
    ]

    operations = [
        # A change of the case reaches the RLC's and the contact persons' inboxes.
        stamps.run_triggers("monitoring_case", "cases_case", ("id",), [
            f"SELECT '{p}:' || b.{col} AS k FROM monitoring_contactban b JOIN {{rows}} r ON b.case_id = r.id"
            for p, col in zip("upp", WIDENED, strict=True)]),
        # The ban itself: who sees it (old and new) and what its row shows.
        stamps.run_triggers("monitoring_contactban", "monitoring_contactban", ("case_id", *WIDENED), [
            *stamps.case_keys("r.case_id"),
            *(f"SELECT '{p}:' || r.{col} AS k FROM {{rows}} r" for p, col in zip("upp", WIDENED, strict=True))]),
    ]
