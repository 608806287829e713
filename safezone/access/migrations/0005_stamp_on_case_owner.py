"""The access stamp renewed when a case changes hands (its owner, unit, agency or district)."""

from django.db import migrations

from safezone.access.db import case_install_sql, case_remove_sql


def install(apps, schema_editor):
    for statement in case_install_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)


def remove(apps, schema_editor):
    for statement in case_remove_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0004_access_stamp"),
        ("cases", "0009_scope_indexes_in_list_order"),  # the table that gets the trigger
    ]

    operations = [migrations.RunPython(install, remove)]
