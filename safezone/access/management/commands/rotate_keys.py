"""manage.py rotate_keys: re-encrypt every encrypted value with the newest Fernet key.

Adds a new key first (unless --no-new-key), then walks every model that has an
EncryptedTextField, history models included, in batches of their own transaction. The old
keys stay configured meanwhile, so the application reads and writes as usual; a second run
finds nothing to do. --drop-old-keys then retires the old keys from the key file.
"""

import sys
from collections.abc import Callable

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction
from django.db.models import ExpressionWrapper, F, Value
from tqdm import tqdm

from safezone.audit.services import audit_record
from safezone.common import crypto
from safezone.common.fields import EncryptedTextField

# Passes after the rotation that must find nothing left before old keys are dropped.
CHECK_PASSES = 3


def encrypted_models() -> list[tuple[type[models.Model], list[str]]]:
    """Each model with encrypted columns in its own table, and the names of those fields."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy:
            continue  # its table is its concrete model's, walked already
        # local_: a child model's inherited fields live in the parent's table, walked with the parent.
        names = [f.name for f in model._meta.local_concrete_fields if isinstance(f, EncryptedTextField)]
        if names:
            found.append((model, names))
    return found


def _raw(name: str) -> ExpressionWrapper:
    # Typed as plain text so the ORM hands back the stored token instead of decrypting it.
    return ExpressionWrapper(F(name), output_field=models.TextField())


def encrypted_values_rotate(*, model: type[models.Model], names: list[str], batch_size: int, progress: Callable) -> int:
    """Re-encrypt `model`'s values in `names` with the newest key; returns how many changed.

    Rows are locked while their batch is rewritten, so a value saved meanwhile is never
    overwritten with an older one. An unreadable value stops the walk with its batch unchanged.
    """
    manager = model._base_manager
    rotated = 0
    last_pk = None
    while True:
        with transaction.atomic():
            rows = manager.select_for_update().order_by("pk")
            if last_pk is not None:
                rows = rows.filter(pk__gt=last_pk)
            batch = list(rows.values_list("pk", *[_raw(name) for name in names])[:batch_size])
            if not batch:
                return rotated
            changes = []
            for pk, *tokens in batch:
                fresh = {}
                for name, token in zip(names, tokens, strict=True):
                    if not token:
                        continue  # "" and NULL are stored as they are
                    try:
                        new_token = crypto.rotate(token)
                    except crypto.UnreadableCiphertext:
                        raise CommandError(
                            f"{model._meta.label}.{name} pk={pk}: no configured key opens this value; "
                            "nothing in its batch was changed (find the key it was written with and add it "
                            "after the newest one, then run again)"
                        ) from None
                    if new_token != token:
                        fresh[name] = Value(new_token, output_field=models.TextField())
                if fresh:
                    changes.append((pk, fresh))
            for pk, fresh in changes:
                manager.filter(pk=pk).update(**fresh)
                rotated += len(fresh)
        last_pk = batch[-1][0]
        progress(len(batch))


class Command(BaseCommand):
    help = (
        "Add a new encryption key and re-encrypt every encrypted value with it. "
        "Safe to run while SafeZone runs, and to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-new-key", action="store_true", help="re-encrypt with the newest key already there")
        parser.add_argument("--batch-size", type=int, default=1000, help="rows per transaction (default 1000)")
        parser.add_argument(
            "--drop-old-keys",
            action="store_true",
            help="afterwards keep only the newest key in the key file (not with SAFEZONE_FERNET_KEYS)",
        )

    def handle(self, *args, **options):
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be 1 or more")
        if options["drop_old_keys"] and crypto.key_file() is None:
            raise CommandError(
                f"--drop-old-keys works on the key file, but the keys come from {crypto.ENV_VAR}: "
                f"after this command succeeds, remove the old keys from {crypto.ENV_VAR} yourself"
            )
        try:
            if not options["no_new_key"]:
                crypto.add_new_key()
            crypto.fernet()  # a bad key stops here, before any row is read
            targets = encrypted_models()
            rotated = self._pass(targets, options, "rotating")
            if options["drop_old_keys"]:
                # Values written by a request that encrypted before the new key appeared can land
                # behind the walk; a pass that finds none left shows every value opens with the newest key.
                for _ in range(CHECK_PASSES):
                    late = self._pass(targets, options, "checking")
                    rotated += late
                    if late == 0:
                        break
                else:
                    raise CommandError(
                        "values encrypted with an old key keep arriving, so the old keys were kept: "
                        "restart every SafeZone process and run again"
                    )
                crypto.drop_old_keys()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from None
        audit_record(
            actor=None,
            action="security.keys_rotated",
            extra={"values": rotated, "models": len(targets), "old_keys_dropped": options["drop_old_keys"]},
        )
        self.stdout.write(f"rotated {rotated} values in {len(targets)} models")
        if options["drop_old_keys"]:
            self.stdout.write(f"kept only the newest key in {crypto.key_file()}")

    def _pass(self, targets, options, desc: str) -> int:
        total = sum(model._base_manager.count() for model, _ in targets)
        rotated = 0
        with tqdm(total=total, unit="row", desc=desc, file=sys.stderr, disable=options["verbosity"] == 0) as bar:
            for model, names in targets:
                rotated += encrypted_values_rotate(
                    model=model, names=names, batch_size=options["batch_size"], progress=bar.update
                )
        return rotated
