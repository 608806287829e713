"""Forms of the statistics pages: the dashboard's filters (a GET form) and the analysts' definition
of an indicator or a new version of one."""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import dimensions
from .definitions import ELEMENTS
from .periods import BadPeriod, Period, parse_period, period_containing
from .selectors import district_ids, element, option_label, option_labels

KINDS = ("month", "quarter", "year")


def last_complete(kind: str, today: date) -> Period:
    """The last period of a kind that has ended by today."""
    return period_containing(today, kind).previous()


class FilterForm(forms.Form):
    """The dashboard's filters: which period (its kind and code) and which district, or the region.

    The form is bound to the query string; an empty field takes its default (the last complete
    quarter, the whole region)."""

    kind = forms.ChoiceField(
        label=gettext_lazy("Periods"),
        required=False,
        choices=[
            ("month", gettext_lazy("by month")),
            ("quarter", gettext_lazy("by quarter")),
            ("year", gettext_lazy("by year")),
        ],
    )
    period = forms.CharField(
        label=gettext_lazy("Period"),
        required=False,
        max_length=16,
        help_text=gettext_lazy("202609 (a month), 2026Q3 (a quarter) or 2026 (a year); empty: the last complete one."),
    )
    district = forms.ChoiceField(label=gettext_lazy("District"), required=False)

    def __init__(self, data=None, *, initial=None, today: date | None = None):
        super().__init__(data, initial=initial)
        self.today = today or timezone.localdate()
        ids = district_ids()
        names = option_labels("district")
        self.fields["district"].choices = [("", _("the whole region")), *((str(i), names[i]) for i in ids)]

    def clean_district(self) -> int | None:
        value = self.cleaned_data.get("district")
        return int(value) if value else None

    def clean(self):
        data = super().clean()
        kind = data.get("kind") or ""
        code = data.get("period") or ""
        if not code:
            period = last_complete(kind or "quarter", self.today)
        else:
            try:
                period = parse_period(code)
            except BadPeriod as exc:
                self.add_error("period", str(exc))
                return data
            if period.kind not in KINDS:
                self.add_error("period", _("The dashboards show months, quarters and years, not weeks."))
                return data
            if kind and kind != period.kind:
                # The user changed the kind and kept the code: the period of the new kind that holds
                # the old one's last day, so the view moves as little as it can.
                period = period_containing(period.last_day, kind)
        if period.start > self.today:
            self.add_error("period", _("The period %(period)s has not begun yet.") % {"period": period.label})
            return data
        data["period"] = period
        data["kind"] = period.kind
        return data

    @property
    def chosen(self) -> tuple[Period, int | None]:
        return self.cleaned_data["period"], self.cleaned_data.get("district")


def parse_filter(text: str) -> dict:
    """A filter written "dimension=option,option; dimension=option" as {dimension: [option, ...]}."""
    result = {}
    for part in (text or "").replace("\n", ";").split(";"):
        part = part.strip()
        if not part:
            continue
        name, equals, options = part.partition("=")
        name = name.strip()
        values = [o.strip() for o in options.split(",") if o.strip()]
        if not equals or not name or not values:
            raise ValidationError(
                _("“%(part)s”: write a filter as dimension=option,option (e.g. sex=F; age_band=18-29,30-44).")
                % {"part": part}
            )
        if name in result:
            raise ValidationError(_("The dimension “%(name)s” is named twice.") % {"name": name})
        result[name] = values
    return result


def filter_text(value: dict) -> str:
    """A filter as the form writes it."""
    return "; ".join(f"{dim}={','.join(str(o) for o in options)}" for dim, options in (value or {}).items())


def filter_in_words(value: dict) -> str:
    """A filter as a person reads it: "sex: female; age band: 18-29, 30-44"."""
    parts = []
    for dim, options in (value or {}).items():
        name = dimensions.DIMENSIONS[dim].name if dim in dimensions.DIMENSIONS else dim
        parts.append(f"{name}: {', '.join(option_label(dim, o) for o in options)}")
    return "; ".join(parts)


def _check_filter(filters: dict, code: str) -> dict:
    """The filter of a numerator or denominator: only the element's disaggregations and their options."""
    allowed = element(code).disaggregations
    checked = {}
    for dim, options in filters.items():
        if dim not in allowed:
            raise ValidationError(
                _("“%(dim)s” is not a disaggregation of %(code)s; it has: %(allowed)s.")
                % {"dim": dim, "code": code, "allowed": ", ".join(allowed)}
            )
        known = option_labels(dim)
        if dim == "district":
            try:
                options = [int(o) for o in options]
            except ValueError:
                raise ValidationError(_("Districts are written by their number.")) from None
        unknown = [str(o) for o in options if known and o not in known]
        if unknown:
            raise ValidationError(
                _("“%(dim)s” has no option %(options)s.") % {"dim": dim, "options": ", ".join(unknown)}
            )
        checked[dim] = options
    return checked


class IndicatorForm(forms.Form):
    """An indicator, or a new version of one: numerator / denominator × factor."""

    code = forms.SlugField(
        label=gettext_lazy("Code"),
        max_length=40,
        help_text=gettext_lazy("Latin letters, digits and _; an existing code gets a new version."),
    )
    name_ru = forms.CharField(label=gettext_lazy("Name (Russian)"), max_length=200)
    name_en = forms.CharField(label=gettext_lazy("Name (English)"), max_length=200)
    description_ru = forms.CharField(
        label=gettext_lazy("Definition (Russian)"), widget=forms.Textarea(attrs={"rows": 3})
    )
    description_en = forms.CharField(
        label=gettext_lazy("Definition (English)"), widget=forms.Textarea(attrs={"rows": 3})
    )
    numerator = forms.ChoiceField(label=gettext_lazy("Numerator (data element)"))
    numerator_filter = forms.CharField(
        label=gettext_lazy("Numerator narrowed to"),
        required=False,
        max_length=500,
        help_text=gettext_lazy("dimension=option,option; … (e.g. category=high; form=dv_risk); empty: all."),
    )
    denominator = forms.ChoiceField(label=gettext_lazy("Denominator"), required=False)
    denominator_filter = forms.CharField(
        label=gettext_lazy("Denominator narrowed to"),
        required=False,
        max_length=500,
        help_text=gettext_lazy("e.g. sex=F; age_band=18-29,30-44,45-59,60+"),
    )
    factor = forms.IntegerField(label=gettext_lazy("Factor"), min_value=1, initial=1)
    numerator_per_day = forms.BooleanField(
        label=gettext_lazy("Numerator per day of the period (e.g. place-nights → places)"), required=False
    )
    unit_ru = forms.CharField(label=gettext_lazy("Unit (Russian)"), max_length=100, required=False)
    unit_en = forms.CharField(label=gettext_lazy("Unit (English)"), max_length=100, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        codes = sorted(c for c in ELEMENTS if c != "population")
        self.fields["numerator"].choices = [(c, c) for c in codes]
        self.fields["denominator"].choices = [
            ("", _("none: the numerator itself")),
            ("population", "population"),
            *((c, c) for c in codes),
        ]

    def clean_numerator_filter(self) -> dict:
        return parse_filter(self.cleaned_data.get("numerator_filter", ""))

    def clean_denominator_filter(self) -> dict:
        return parse_filter(self.cleaned_data.get("denominator_filter", ""))

    def clean(self):
        data = super().clean()
        numerator, denominator = data.get("numerator"), data.get("denominator") or ""
        if numerator and "numerator_filter" in data:
            try:
                data["numerator_filter"] = _check_filter(data["numerator_filter"], numerator)
            except ValidationError as exc:
                self.add_error("numerator_filter", exc)
        if "denominator_filter" in data:
            if not denominator and data["denominator_filter"]:
                self.add_error("denominator_filter", _("There is no denominator to narrow."))
            elif denominator:
                try:
                    data["denominator_filter"] = _check_filter(data["denominator_filter"], denominator)
                except ValidationError as exc:
                    self.add_error("denominator_filter", exc)
        if not denominator and data.get("factor") not in (None, 1):
            self.add_error("factor", _("A plain count (no denominator) has the factor 1."))
        return data

    def definition(self) -> dict:
        """The fields of `services.indicator_define`, all but the code."""
        data = self.cleaned_data
        return {
            "numerator": data["numerator"],
            "numerator_filter": data["numerator_filter"],
            "denominator": data.get("denominator") or "",
            "denominator_filter": data["denominator_filter"],
            "factor": data["factor"],
            "numerator_per_day": data["numerator_per_day"],
            "name_ru": data["name_ru"],
            "name_en": data["name_en"],
            "description_ru": data["description_ru"],
            "description_en": data["description_en"],
            "unit_ru": data.get("unit_ru", ""),
            "unit_en": data.get("unit_en", ""),
        }

    @classmethod
    def initial_from(cls, indicator) -> dict:
        """The form's initial values from a current version, to define the next one."""
        return {
            "code": indicator.code,
            "name_ru": indicator.name_ru,
            "name_en": indicator.name_en,
            "description_ru": indicator.description_ru,
            "description_en": indicator.description_en,
            "numerator": indicator.numerator,
            "numerator_filter": filter_text(indicator.numerator_filter),
            "denominator": indicator.denominator,
            "denominator_filter": filter_text(indicator.denominator_filter),
            "factor": indicator.factor,
            "numerator_per_day": indicator.numerator_per_day,
            "unit_ru": indicator.unit_ru,
            "unit_en": indicator.unit_en,
        }
