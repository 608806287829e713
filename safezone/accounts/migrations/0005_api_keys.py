"""API keys kept as their SHA-256 (accounts.ApiToken), in place of DRF's keys kept in clear."""

import datetime as dt
import hashlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _keys_from_drf_tokens(apps, schema_editor):
    """Keys issued before (DRF's authtoken table, if this database has one) go on working, now
    kept hashed, for 90 days; the table's clear copies are deleted."""
    connection = schema_editor.connection
    if "authtoken_token" not in connection.introspection.table_names():
        return
    api_token = apps.get_model("accounts", "ApiToken")
    with connection.cursor() as cursor:
        cursor.execute("SELECT key, user_id FROM authtoken_token")
        rows = cursor.fetchall()
        expires = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=90)
        for key, user_id in rows:
            api_token.objects.create(
                user_id=user_id,
                name="DRF token (before API keys were hashed)",
                prefix=key[:8],
                digest=hashlib.sha256(key.encode()).hexdigest(),
                created_by="migration",
                expires_at=expires,
            )
        cursor.execute("DELETE FROM authtoken_token")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_alter_historicalmembership_role_and_more"),
    ]

    operations = [
        migrations.CreateModel(
            name="ApiToken",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "name",
                    models.CharField(
                        help_text="Which system or script holds the key.", max_length=100, verbose_name="name"
                    ),
                ),
                ("prefix", models.CharField(max_length=8, verbose_name="key starts with")),
                (
                    "digest",
                    models.CharField(editable=False, max_length=64, unique=True, verbose_name="SHA-256 of the key"),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="issued")),
                ("created_by", models.CharField(blank=True, max_length=150, verbose_name="issued by")),
                ("expires_at", models.DateTimeField(verbose_name="expires")),
                ("last_used_at", models.DateTimeField(blank=True, null=True, verbose_name="last used")),
                ("revoked_at", models.DateTimeField(blank=True, null=True, verbose_name="revoked")),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="api_tokens",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
            ],
            options={
                "verbose_name": "API key",
                "verbose_name_plural": "API keys",
                "ordering": ["-created_at", "-pk"],
            },
        ),
        migrations.RunPython(_keys_from_drf_tokens, migrations.RunPython.noop),
    ]
