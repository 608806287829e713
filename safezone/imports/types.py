"""What an import type is: its columns, its row rules and its write step; and the registry."""

from collections import Counter
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .parsers import Parser


@dataclass(frozen=True)
class Column:
    """One column an import type reads: matched by its Russian or English header (or its name),
    case- and whitespace-insensitively."""

    name: str
    header_ru: str
    header_en: str
    parser: Parser
    required: bool = False

    def headers(self) -> set[str]:
        return {normalize_header(h) for h in (self.name, self.header_ru, self.header_en) if h}


def normalize_header(text) -> str:
    return " ".join(str(text or "").split()).casefold()


class RowError(Exception):
    """A problem the write step found in one row (a rule that needs the database)."""

    def __init__(self, row: int, field: str, message: str):
        super().__init__(message)
        self.row, self.field, self.message = row, field, message


class ImportType:
    """Subclass, set the class attributes, implement `write`, and decorate with `@register`.

    An instance lives for one import attempt, so it may cache reference data it looks up. It
    knows who runs the attempt: `actor` (None from the command line: the operator, unrestricted)
    and the web or API `request` (None from the command line), for access decisions and their audit.
    """

    name: str = ""
    label = _("import")
    columns: tuple[Column, ...] = ()
    # The natural key: the columns that name one record; the same key twice in a file is refused,
    # and the write step upserts by it, so the same file twice changes nothing the second time.
    key: tuple[str, ...] = ()
    # Rows handed to `write` at a time.
    batch_size: int = 500

    def __init__(self, *, actor=None, request=None):
        self.actor = actor
        self.request = request

    @classmethod
    def may_run(cls, user) -> bool:
        """Who may import this type from the web page: staff (reference data). A type of personal
        data (a school's pupils) decides through `access` instead."""
        return bool(getattr(user, "is_staff", False) and user.is_active)

    def check_row(self, values: dict) -> list[tuple[str, str]]:
        """Rules across columns or against reference data: a list of (column name, message).

        Runs once per row whose cells parsed, while the file is read (before any write). It may
        add to `values` what it looked up for the write step (a resolved id): the row is handed
        to `write` as it leaves here."""
        return []

    def write(self, rows: list[tuple[int, dict]]) -> Counter:
        """Write a batch of checked rows (row number, values); return counts of "created",
        "updated" and "unchanged". Raise `RowError` for a row that cannot be written."""
        raise NotImplementedError


_REGISTRY: dict[str, type[ImportType]] = {}


def register(cls: type[ImportType]) -> type[ImportType]:
    if not cls.name or cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise ValueError(f"import type {cls.__name__} needs a unique name, not {cls.name!r}")
    _REGISTRY[cls.name] = cls
    return cls


def import_types() -> dict[str, type[ImportType]]:
    """Every registered import type by name, sorted by name."""
    return dict(sorted(_REGISTRY.items()))


def import_type(name: str) -> type[ImportType] | None:
    return _REGISTRY.get(name)
