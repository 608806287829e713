"""The access stamp: renewed by the database on every write to what the policy caches."""

import secrets

from django.db import migrations, models

from safezone.access.db import install_sql, remove_sql


def install(apps, schema_editor):
    apps.get_model("access", "AccessStamp").objects.create(pk=1, value=secrets.token_hex(16))
    for statement in install_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)


def remove(apps, schema_editor):
    for statement in remove_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0003_casegrant_case_opened_on"),
        ("directory", "0003_rehabilitation_modules"),  # its tables get triggers
    ]

    operations = [
        migrations.CreateModel(
            name="AccessStamp",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("value", models.CharField(max_length=40)),
            ],
            options={
                "verbose_name": "access stamp",
                "verbose_name_plural": "access stamp",
            },
        ),
        migrations.RunPython(install, remove),
    ]
