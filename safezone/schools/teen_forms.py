"""Forms of the list of teenagers at risk: the list's filters, a teenager put on the list, a change,
taking off the list (with a reason), an outreach contact. The first field of each takes the focus;
the rules live in safezone.schools.teens."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safezone.people.models import Sex

from .models import Outreach
from .teens import REASONS, TeenFilters, reason_choices


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _reasons_field():
    return forms.MultipleChoiceField(
        label=_("Why at risk"),
        choices=reason_choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        error_messages={"required": _("Tick at least one reason why the teenager is at risk.")},
    )


def _note_field():
    return forms.CharField(
        label=_("Note"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the workers of the district should know; kept encrypted."),
    )


class TeenFilterForm(forms.Form):
    """What the list is narrowed to."""

    district = forms.ModelChoiceField(label=_("District"), queryset=None, required=False, empty_label=_("all"))
    reason = forms.ChoiceField(label=_("Why at risk"), required=False)
    quiet_days = forms.IntegerField(label=_("Not contacted for (days)"), required=False, min_value=1, max_value=3650)
    removed = forms.BooleanField(label=_("Taken off the list too"), required=False)

    def __init__(self, *args, districts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts
        self.fields["reason"].choices = [("", _("any"))] + reason_choices()

    def filters(self) -> TeenFilters:
        """The filters typed correctly (a wrong one is shown with its error and left out)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return TeenFilters(
            district=data.get("district"),
            reason=data.get("reason") or "",
            quiet_days=data.get("quiet_days"),
            removed=bool(data.get("removed")),
        )


class TeenAddForm(forms.Form):
    """A teenager put on the list: who (found in the register or registered), where and why."""

    surname = forms.CharField(label=_("Surname"), max_length=100)
    first_name = forms.CharField(label=_("First name"), max_length=100)
    patronymic = forms.CharField(label=_("Patronymic"), max_length=100, required=False)
    birth_date = forms.DateField(
        label=_("Date of birth"),
        widget=DateInput(),
        help_text=_("The full date: a teenager already known is found by it and the names."),
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, initial=Sex.UNKNOWN)
    district = forms.ModelChoiceField(label=_("District"), queryset=None)
    reasons = _reasons_field()
    note = _note_field()
    added_on = forms.DateField(label=_("On the list since"), widget=DateInput())

    def __init__(self, *args, districts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["surname"].widget.attrs.update({"autofocus": True, "autocomplete": "off"})
        self.fields["first_name"].widget.attrs["autocomplete"] = "off"
        self.fields["patronymic"].widget.attrs["autocomplete"] = "off"
        self.fields["district"].queryset = districts
        if len(districts) == 1:
            self.fields["district"].initial = districts[0].pk
        self.fields["added_on"].initial = timezone.localdate()


class TeenEditForm(forms.Form):
    """A change of district, reasons or note, with the version the page showed."""

    district = forms.ModelChoiceField(label=_("District"), queryset=None)
    reasons = _reasons_field()
    note = _note_field()
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, districts, teen=None, **kwargs):
        if teen is not None and not args and "initial" not in kwargs:
            kwargs["initial"] = {
                "district": teen.district_id,
                "reasons": [name for name in REASONS if getattr(teen, name)],
                "note": teen.note,
                "version": teen.version,
            }
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts
        self.fields["district"].widget.attrs["autofocus"] = True


class TeenRemoveForm(forms.Form):
    """Why the teenager is taken off the list, with the version the page showed."""

    reason = forms.CharField(
        label=_("Why taken off"),
        max_length=200,
        help_text=_("Turned 18, moved away, the risk is gone…"),
        error_messages={"required": _("Say why the teenager is taken off the list.")},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].widget.attrs.update({"autofocus": True, "autocomplete": "off"})


class OutreachForm(forms.Form):
    """One outreach contact with the teenager."""

    happened_on = forms.DateField(label=_("Date"), widget=DateInput())
    kind = forms.ChoiceField(
        label=_("How"),
        choices=Outreach.Kind.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    note = forms.CharField(
        label=_("What happened"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["happened_on"].initial = timezone.localdate()
        self.fields["happened_on"].widget.attrs["autofocus"] = True
