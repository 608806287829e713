"""Filters of the case list, shared by the web interface and the API."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from safezone.accounts.selectors import colleagues_of, staff_with_memberships
from safezone.directory.selectors import agencies, districts

from .models import Case


class CaseFilter(django_filters.FilterSet):
    """Filters a user applies to the cases they may see."""

    q = django_filters.CharFilter(label=_("Case number"), method="filter_reference")

    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Case.Kind.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Case.Status.choices)
    district = django_filters.ModelChoiceFilter(label=_("District"), queryset=districts())
    agency = django_filters.ModelChoiceFilter(label=_("Agency"), field_name="owner_agency", queryset=agencies())
    worker = django_filters.ModelChoiceFilter(
        label=_("Worker"), field_name="owner_worker", queryset=staff_with_memberships()
    )
    opened_from = django_filters.DateFilter(
        label=_("Opened from"),
        field_name="opened_on",
        lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    opened_to = django_filters.DateFilter(
        label=_("Opened to"),
        field_name="opened_on",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = Case
        fields = ["q", "kind", "status", "district", "agency", "worker", "opened_from", "opened_to"]

    def __init__(self, *args, user=None, wide: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None and not wide:
            # Offer the colleagues of the user's own agencies (all staff to those who see whole
            # districts). Deriving the choices from the visible cases would read every one of them.
            self.filters["worker"].queryset = colleagues_of(user)

    def filter_reference(self, queryset, name, value):
        """A case number (2026-000123, or just 123): the case with that number, if the user may see it."""
        year, _sep, number = value.strip().rpartition("-")
        if not number.isdigit():
            return queryset.none()
        queryset = queryset.filter(pk=int(number))
        return queryset.filter(opened_on__year=int(year)) if year.isdigit() else queryset
