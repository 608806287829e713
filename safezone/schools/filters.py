"""Filters of the early-warning list."""

import django_filters
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .calendar import previous_quarter, quarter_of
from .models import SchoolClass, Tier, WarningFlag


def quarter_key(year: int, quarter: int) -> str:
    """How a quarter is written in a query string: 2026-2."""
    return f"{year}-{quarter}"


def parse_quarter(key: str) -> tuple[int, int] | None:
    """The (school year, quarter) of a key like 2026-2, or None."""
    year, _sep, quarter = (key or "").partition("-")
    if year.isdigit() and quarter in ("1", "2", "3", "4") and 2000 <= int(year) <= 2100:
        return int(year), int(quarter)
    return None


def quarter_name(year: int, quarter: int) -> str:
    """A quarter as people say it: 2026/27, quarter 2."""
    return gettext("%(year)s/%(next)02d, quarter %(quarter)s") % {
        "year": year,
        "next": (year + 1) % 100,
        "quarter": quarter,
    }


def recent_quarters(today=None, count: int = 8) -> list[tuple[str, str]]:
    """The current quarter and the ones before it, newest first, as choices."""
    year, quarter = quarter_of(today or timezone.localdate())
    choices = []
    for _i in range(count):
        choices.append((quarter_key(year, quarter), quarter_name(year, quarter)))
        year, quarter = previous_quarter(year, quarter)
    return choices


class WarningFilter(django_filters.FilterSet):
    """Filters a social pedagogue applies to the early-warning list (the quarter is always set)."""

    quarter = django_filters.ChoiceFilter(label=_("Quarter"), method="filter_quarter", empty_label=None)
    school = django_filters.ModelChoiceFilter(label=_("School"), field_name="pupil__school", queryset=None)
    school_class = django_filters.ModelChoiceFilter(
        label=_("Class"), field_name="pupil__school_class", queryset=SchoolClass.objects.none()
    )
    indicator = django_filters.ChoiceFilter(label=_("Indicator"), choices=WarningFlag.Indicator.choices)
    tier = django_filters.ChoiceFilter(label=_("Tier"), choices=Tier.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=WarningFlag.Status.choices)

    class Meta:
        model = WarningFlag
        fields = ["quarter", "school", "school_class", "indicator", "tier", "status"]

    def __init__(self, *args, schools=None, classes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["quarter"].extra["choices"] = recent_quarters()
        self.filters["school"].queryset = schools
        if classes is not None:
            self.filters["school_class"].queryset = classes

    def filter_quarter(self, queryset, name, value):
        year, quarter = parse_quarter(value)
        return queryset.filter(year=year, quarter=quarter)

    def chosen_quarter(self) -> tuple[int, int]:
        """The (school year, quarter) the list shows."""
        return parse_quarter(self.form.cleaned_data.get("quarter") or "") or quarter_of(timezone.localdate())
