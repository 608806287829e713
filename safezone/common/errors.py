"""Errors shared by the apps' services."""

from django.utils.translation import gettext_lazy as _


class ChangedMeanwhile(Exception):
    """Someone else changed the record since the form was opened: the change is refused, not merged."""

    message = _(
        "Someone else changed this record while you were editing it. Reload the page and apply your change again."
    )
