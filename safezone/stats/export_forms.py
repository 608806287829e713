"""Forms of the export pages: what to export, a code mapping, a file of mappings."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .exports import DATA_SETS, ExportError, data_sets_chosen
from .models import CodeMapping
from .periods import BadPeriod, parse_period

FORMAT_CHOICES = [
    ("dhis2", _("DHIS2 dataValueSets (JSON)")),
    ("adx", _("ADX (XML)")),
    ("csv", _("Open data (CSV)")),
]


class ExportForm(forms.Form):
    """One export: a period, a format, one data set or all, a receiving system's codes or ours."""

    period = forms.CharField(label=_("Period"), max_length=8, help_text=_("202601, 2026Q1, 2026W05 or 2026"))
    format = forms.ChoiceField(label=_("Format"), choices=FORMAT_CHOICES)
    data_set = forms.ChoiceField(label=_("Data set"), required=False)
    receiver = forms.ChoiceField(label=_("Receiving system"), required=False)
    allow_unmapped = forms.BooleanField(label=_("Write our code where a mapping is missing"), required=False)
    dry_run = forms.BooleanField(label=_("Dry run: show what would be exported"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["data_set"].choices = [("", _("all data sets"))] + [(c, ds.name) for c, ds in DATA_SETS.items()]
        receivers = CodeMapping.objects.order_by("receiver").values_list("receiver", flat=True).distinct()
        self.fields["receiver"].choices = [("", _("our codes"))] + [(r, r) for r in receivers]

    def clean_period(self):
        try:
            return parse_period(self.cleaned_data["period"])
        except BadPeriod as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_data_set(self):
        code = self.cleaned_data.get("data_set") or None
        try:
            data_sets_chosen(code)
        except ExportError as exc:
            raise forms.ValidationError(str(exc)) from None
        return code


class MappingForm(forms.ModelForm):
    """One of our codes and how a receiving system writes it."""

    class Meta:
        model = CodeMapping
        fields = ["receiver", "kind", "ours", "theirs"]

    def validate_unique(self):
        # Saving an existing (receiver, kind, ours) changes its code: not an error.
        pass


class MappingImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file (receiver, kind, ours, theirs)"))
