"""Forms of the action plan's pages. Each edit form carries the version it was opened at, so a save
over someone else's change is refused."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Level, Status
from .services import ElementInput, IndicatorInput, PlanInput

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class _Versioned(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class PlanForm(_Versioned):
    title_ru = forms.CharField(
        label=_("title (Russian)"), max_length=300, widget=forms.TextInput(attrs={"autofocus": True})
    )
    title_en = forms.CharField(label=_("title (English)"), max_length=300, required=False)
    starts_on = forms.DateField(label=_("starts on"), widget=DATE)
    ends_on = forms.DateField(label=_("ends on"), widget=DATE)

    def __init__(self, *args, new: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if new:
            self.fields["version"].required = False

    def data_input(self) -> PlanInput:
        d = self.cleaned_data
        return PlanInput(d["title_ru"], d["title_en"], d["starts_on"], d["ends_on"])


class ElementForm(_Versioned):
    parent = forms.ModelChoiceField(label=_("part of"), queryset=None, required=False)
    code = forms.CharField(
        label=_("code"),
        max_length=20,
        help_text=_("Such as 1.2.3; rows are ordered by it."),
        widget=forms.TextInput(attrs={"autofocus": True}),
    )
    text_ru = forms.CharField(label=_("text (Russian)"), widget=forms.Textarea(attrs={"rows": 3}))
    text_en = forms.CharField(label=_("text (English)"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    responsible = forms.CharField(
        label=_("responsible bodies"), max_length=500, required=False, help_text=_("Bodies, separated by commas.")
    )
    starts_on = forms.DateField(label=_("start"), required=False, widget=DATE)
    ends_on = forms.DateField(label=_("end"), required=False, widget=DATE)
    assumptions = forms.CharField(label=_("assumptions"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, parents, level: str, new: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = parents
        if level == Level.GOAL:
            del self.fields["parent"]
        else:
            self.fields["parent"].required = True
        if new:
            self.fields["version"].required = False

    def data_input(self) -> ElementInput:
        d = self.cleaned_data
        return ElementInput(
            code=d["code"],
            text_ru=d["text_ru"],
            text_en=d["text_en"],
            responsible=d["responsible"],
            starts_on=d["starts_on"],
            ends_on=d["ends_on"],
            assumptions=d["assumptions"],
        )


class IndicatorForm(_Versioned):
    code = forms.CharField(
        label=_("code"), max_length=24, help_text=_("Such as 1.2-a."), widget=forms.TextInput(attrs={"autofocus": True})
    )
    name_ru = forms.CharField(label=_("name (Russian)"), max_length=300)
    name_en = forms.CharField(label=_("name (English)"), max_length=300, required=False)
    unit = forms.CharField(label=_("unit of measure"), max_length=60, required=False)
    baseline = forms.DecimalField(label=_("baseline"), max_digits=14, decimal_places=2, required=False)
    baseline_year = forms.IntegerField(label=_("baseline year"), min_value=1900, max_value=2100, required=False)
    target = forms.DecimalField(label=_("target"), max_digits=14, decimal_places=2)
    target_year = forms.IntegerField(label=_("target year"), min_value=1900, max_value=2100)
    means_of_verification = forms.CharField(
        label=_("means of verification"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    registry_code = forms.ChoiceField(
        label=_("registry indicator"),
        required=False,
        help_text=_("When chosen, actuals are read from the registry; otherwise they are entered with their source."),
    )

    def __init__(self, *args, registry, new: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["registry_code"].choices = [("", _("— entered by hand —"))] + [
            (i.code, f"{i.code}: {i.name}") for i in registry
        ]
        if new:
            self.fields["version"].required = False

    def data_input(self) -> IndicatorInput:
        d = self.cleaned_data
        return IndicatorInput(
            code=d["code"],
            name_ru=d["name_ru"],
            name_en=d["name_en"],
            target=d["target"],
            target_year=d["target_year"],
            baseline=d["baseline"],
            baseline_year=d["baseline_year"],
            unit=d["unit"],
            means_of_verification=d["means_of_verification"],
            registry_code=d["registry_code"],
        )


class ActualForm(_Versioned):
    period = forms.CharField(
        label=_("period"),
        max_length=8,
        help_text=_("2026Q1 (a quarter), 202601 (a month) or 2026 (a year)."),
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )
    value = forms.DecimalField(label=_("value"), max_digits=14, decimal_places=2)
    source = forms.CharField(label=_("source"), max_length=500, help_text=_("Where the figure comes from."))


class StatusForm(_Versioned):
    status = forms.ChoiceField(
        label=_("status"), choices=Status.choices, widget=forms.Select(attrs={"autofocus": True})
    )
    status_note = forms.CharField(label=_("note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ActivityFilter(forms.Form):
    status = forms.ChoiceField(label=_("status"), choices=[("", _("any"))] + Status.choices, required=False)
    responsible = forms.CharField(label=_("responsible bodies"), max_length=100, required=False)
    overdue = forms.BooleanField(label=_("overdue only"), required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("XLSX file"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))


class PeriodForm(forms.Form):
    """The last quarter the plan's table shows (empty: the current one)."""

    period = forms.CharField(
        label=_("Quarters up to"), max_length=8, required=False, widget=forms.TextInput(attrs={"size": 8})
    )
