"""Model fields that keep their values encrypted in the database."""

from django.core.exceptions import FieldError
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import crypto


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token and handed to Python as plain str.

    "" and None are stored as they are, so blank values need no key and `isnull` still works.
    The database sees only ciphertext, so the field cannot be searched, compared or usefully
    ordered by; every lookup but `isnull` is refused.
    """

    description = _("Text (encrypted)")

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def to_python(self, value):
        # Values reaching here (forms, fixtures) are clear text already; a string that happens
        # to look like a token is still the person's text, so nothing is decrypted here.
        if value is None or isinstance(value, str):
            return value
        return str(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(value)

    def get_lookup(self, lookup_name):
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        raise FieldError(self._refusal(lookup_name))

    def get_transform(self, lookup_name):
        raise FieldError(self._refusal(lookup_name))

    def _refusal(self, lookup_name: str) -> str:
        where = f"{self.model._meta.label}.{self.name}" if hasattr(self, "model") else self.name
        return (
            f"{where} is encrypted, so the database cannot search or compare it "
            f"('{lookup_name}' refused); only 'isnull' works on encrypted fields"
        )
