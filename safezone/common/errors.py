"""Errors shared by the apps' services."""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# Bookkeeping columns that change with every save and mean nothing to the reader.
_UNTOLD = {"version", "updated_at", "history_id", "history_date", "history_user", "history_type"}


@dataclass(frozen=True)
class Change:
    """One later save of a record: who made it, when, and which fields it changed (names only:
    the values may be ones the reader's role does not see)."""

    who: str
    when: object
    fields: tuple[str, ...]

    def __str__(self) -> str:
        when = date_format(timezone.localtime(self.when), "DATETIME_FORMAT") if self.when else ""
        fields = ", ".join(self.fields) or gettext("no visible field")
        return gettext("%(fields)s (%(who)s, %(when)s)") % {"fields": fields, "who": self.who, "when": when}


def changes_since(obj, version: int) -> list[Change]:
    """The saves of a versioned, history-keeping record after `version`, oldest first."""
    history = obj.history.order_by("history_date", "history_id")
    previous = history.filter(version__lte=version).last()
    changes = []
    for record in history.filter(version__gt=version):
        fields = ()
        if previous is not None:
            delta = record.diff_against(previous)
            fields = tuple(
                str(obj._meta.get_field(c.field).verbose_name) for c in delta.changes if c.field not in _UNTOLD
            )
        user = record.history_user
        who = (user.get_full_name() or user.get_username()) if user is not None else gettext("the system")
        changes.append(Change(who=who, when=record.history_date, fields=fields))
        previous = record
    return changes


class ChangedMeanwhile(Exception):
    """Someone else changed the record since the form was opened: the change is refused, not merged."""

    message = _(
        "Someone else changed this record while you were editing it. Reload the page and apply your change again."
    )

    def __init__(self, changes: list[Change] | tuple = ()):
        super().__init__(str(self.message))
        self.changes = list(changes)

    @classmethod
    def of(cls, obj, expected_version: int) -> "ChangedMeanwhile":
        """The error for a stale save of `obj`, listing what changed since `expected_version`."""
        return cls(changes_since(obj, expected_version))

    def explain(self) -> str:
        """The message with what changed, for the person whose save was refused."""
        if not self.changes:
            return str(self.message)
        changed = "; ".join(str(c) for c in self.changes)
        return f"{self.message} {gettext('Changed since you opened it:')} {changed}."


def errors_on_form(form, exc) -> None:
    """Put a service's refusal (a ValidationError) on the form: on the fields it names, the rest
    above the form."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
