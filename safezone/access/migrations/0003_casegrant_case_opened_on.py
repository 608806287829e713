"""Case-team rows keep their case's opening date, so that case lists order a team's cases without
looking each case up."""

from django.db import migrations, models

# The date never changes once a case exists (it is part of the case's reference): copied once.
FILL = """
UPDATE {table} SET case_opened_on = (
    SELECT cases_case.opened_on FROM cases_case WHERE cases_case.id = {table}.case_id
) WHERE case_opened_on IS NULL
"""


def _orphans_dated_by_grant(apps, schema_editor):
    history = apps.get_model("access", "HistoricalCaseGrant")
    for row in history.objects.filter(case_opened_on__isnull=True).only("pk", "granted_at").iterator():
        history.objects.filter(pk=row.pk).update(case_opened_on=row.granted_at.date())


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0002_initial"),
        ("cases", "0009_scope_indexes_in_list_order"),
    ]

    operations = [
        migrations.AddField(
            model_name="casegrant",
            name="case_opened_on",
            field=models.DateField(null=True, verbose_name="case opened"),
        ),
        migrations.AddField(
            model_name="historicalcasegrant",
            name="case_opened_on",
            field=models.DateField(null=True, verbose_name="case opened"),
        ),
        migrations.RunSQL(FILL.format(table="access_casegrant"), migrations.RunSQL.noop),
        # A history row of a case deleted since (retention) has no case to copy from: its own
        # grant time's date stands in, so that the column can be required.
        migrations.RunSQL(FILL.format(table="access_historicalcasegrant"), migrations.RunSQL.noop),
        migrations.RunPython(_orphans_dated_by_grant, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="casegrant",
            name="case_opened_on",
            field=models.DateField(verbose_name="case opened"),
        ),
        migrations.AlterField(
            model_name="historicalcasegrant",
            name="case_opened_on",
            field=models.DateField(verbose_name="case opened"),
        ),
    ]
