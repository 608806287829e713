"""Forms of the person pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from safezone.directory.selectors import districts

from .dates import PartialDate
from .models import Contact, Sex


class PersonForm(forms.Form):
    """A person's names, sex, birth date and district, with the version the form was opened on."""

    surname = forms.CharField(label=_("Surname"), max_length=100)
    first_name = forms.CharField(label=_("First name"), max_length=100)
    patronymic = forms.CharField(label=_("Patronymic"), max_length=100, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    birth_date = forms.CharField(
        label=_("Date of birth"),
        required=False,
        max_length=10,
        help_text=_("Year only, month and year, or the full date: 1985, 03.1985, 12.03.1985."),
    )
    district = forms.ModelChoiceField(label=_("District of residence"), queryset=districts(), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean_birth_date(self):
        text = self.cleaned_data["birth_date"].strip()
        return PartialDate.parse(text) if text else None


class ContactForm(forms.Form):
    """One way to reach the person."""

    kind = forms.ChoiceField(label=_("Kind"), choices=Contact.Kind.choices)
    value = forms.CharField(label=_("Contact"), max_length=300)
    is_safe = forms.BooleanField(label=_("The person says it is safe to use"), required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
