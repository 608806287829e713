"""The access stamp renewed when a case changes hands (its owner, unit, agency or district)."""

from django.db import migrations

from safezone.access.db import case_install_sql, case_remove_sql, run_statements


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0004_access_stamp"),
        ("cases", "0009_scope_indexes_in_list_order"),  # the table that gets the trigger
    ]

    operations = [migrations.RunPython(run_statements(case_install_sql), run_statements(case_remove_sql))]
