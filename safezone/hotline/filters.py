"""Filters of the helpline's contact list."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from safezone.accounts.selectors import users_with_ids
from safezone.directory.selectors import districts

from .models import Contact


def _date():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ContactFilter(django_filters.FilterSet):
    """Filters a supervisor or operator applies to the contacts of their helplines."""

    status = django_filters.ChoiceFilter(label=_("Status"), choices=Contact.Status.choices)
    channel = django_filters.ChoiceFilter(label=_("Channel"), choices=Contact.Channel.choices)
    type = django_filters.ChoiceFilter(label=_("Contact type"), choices=Contact.Type.choices)
    category = django_filters.ChoiceFilter(label=_("Issue"), choices=Contact.Category.choices, method="filter_category")
    district = django_filters.ModelChoiceFilter(label=_("District"), queryset=districts())
    operator = django_filters.ModelChoiceFilter(label=_("Operator"), queryset=users_with_ids([]))
    since = django_filters.DateFilter(label=_("From"), field_name="started_at", lookup_expr="date__gte", widget=_date())
    until = django_filters.DateFilter(label=_("To"), field_name="started_at", lookup_expr="date__lte", widget=_date())

    class Meta:
        model = Contact
        fields = ["status", "channel", "type", "category", "district", "operator", "since", "until"]

    def __init__(self, *args, operators=None, **kwargs):
        super().__init__(*args, **kwargs)
        if operators is not None:
            self.filters["operator"].queryset = operators

    def filter_category(self, queryset, name, value):
        """Contacts with this issue among theirs (the list is JSON: matched as its quoted code, which
        both SQLite and PostgreSQL can do on the text of the list)."""
        return queryset.filter(categories__icontains=f'"{value}"')
