"""Inbox change stamps for handräckning (see ``bitrade.cases.stamps``): a case offered by a pending
transfer is in the receiving unit's inbox; the request's fields (legal basis, person, confirmation due)
are shown in the case's row."""

from django.db import migrations

from bitrade.cases import stamps

OFFERED_TO = ("SELECT 'u:' || t.to_unit_id AS k FROM assistance_transfer t JOIN {rows} r ON t.case_id = {case} "
              "WHERE t.status = 'pending'")


class Migration(migrations.Migration):

    dependencies = [
        ('assistance', '0002_transfer'),
        ('cases', '0005_scope_stamps'),
        ('intake', '0005_staged_upload'),
    ]

    operations = [
        # A change of an offered case reaches the inbox of the unit it is offered to.
        stamps.run_triggers("assistance_case", "cases_case", ("id",), [OFFERED_TO.replace("{case}", "r.id")]),
        # An offer made, answered or withdrawn.
        stamps.run_triggers("assistance_transfer", "assistance_transfer", ("to_unit_id",),
                            ["SELECT 'u:' || r.to_unit_id AS k FROM {rows} r"]),
        # The request's fields in the case's row.
        stamps.run_triggers("intake_assistancerequest", "intake_assistancerequest", ("case_id",),
                            [*stamps.case_keys("r.case_id"), OFFERED_TO.replace("{case}", "r.case_id")]),
    ]
