"""Forms of the risk meeting pages."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safezone.cases.forms import DateInput
from safezone.cases.models import PlanAction
from safezone.directory.models import Agency

from .models import Meeting


class MeetingForm(forms.Form):
    """Plan a meeting: the area, the date and time, and the member agencies."""

    district = forms.ModelChoiceField(label=_("Area"), queryset=None)
    scheduled_at = forms.DateTimeField(
        label=_("Date and time"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Meeting.Kind.choices)
    members = forms.ModelMultipleChoiceField(
        label=_("Member agencies"), queryset=None, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, chair_agency, **kwargs):
        super().__init__(*args, **kwargs)
        served = chair_agency.districts_served.order_by("name_ru")
        self.fields["district"].queryset = served
        self.fields["members"].queryset = (
            Agency.objects.filter(is_active=True, districts_served__in=served)
            .exclude(pk=chair_agency.pk)
            .distinct()
            .order_by("name_ru")
        )
        next_week = timezone.localtime() + dt.timedelta(days=7)
        self.fields["scheduled_at"].initial = next_week.replace(hour=10, minute=0, second=0, microsecond=0)


class ResearchForm(forms.Form):
    text = forms.CharField(label=_("What your agency knows"), widget=forms.Textarea(attrs={"rows": 3}))


class DecisionForm(forms.Form):
    decision = forms.CharField(label=_("Summary and decision"), widget=forms.Textarea(attrs={"rows": 3}))


class MeetingActionForm(forms.Form):
    """An action the meeting gives an agency."""

    STATUSES = PlanAction.Status.choices

    owner_agency = forms.ModelChoiceField(label=_("Agency"), queryset=None)
    text = forms.CharField(label=_("What is to be done"), max_length=1000)
    due_on = forms.DateField(label=_("Due"), widget=DateInput())

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_agency"].queryset = Agency.objects.filter(pk__in=[a.pk for a in agencies])
        for name, field in self.fields.items():
            field.widget.attrs["class"] = (
                "form-select form-select-sm" if name == "owner_agency" else "form-control form-control-sm"
            )
        self.fields["due_on"].initial = timezone.localdate() + dt.timedelta(days=14)
