"""A worker's cases counted on a two-column index (owner, agency), which takes the place of the
owner's own foreign-key index (it starts with the same column)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Dropped by name rather than by altering the field: on SQLite that would rebuild the case table
# and lose the triggers on it (access.0005).
FK_INDEX = "cases_case_owner_worker_id_787eb97c"


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0009_scope_indexes_in_list_order"),
        ("access", "0005_stamp_on_case_owner"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="case",
                    name="owner_worker",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="owned_cases",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="worker",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {FK_INDEX}",
                    f"CREATE INDEX {FK_INDEX} ON cases_case (owner_worker_id)",
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["owner_worker", "owner_agency"], name="case_worker_agency"),
        ),
    ]
