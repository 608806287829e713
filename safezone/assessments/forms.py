"""The assessment form, built from a questionnaire's own file."""

from django import forms
from django.utils.translation import gettext_lazy as _

from safezone.cases.forms import SafetyFields

ANSWERS = [("yes", _("yes")), ("no", _("no")), ("not_known", _("not known"))]


class AssessmentForm(SafetyFields):
    """Safety first, then the person, then every question of the questionnaire, then notes."""

    person = forms.TypedChoiceField(label=_("About whom"), coerce=int)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, instrument, participants, **kwargs):
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        self._people = {p.person_id: p.person for p in participants}
        self.fields["person"].choices = [(p.person_id, f"{p.person} ({p.get_role_display()})") for p in participants]
        for number, item in enumerate(instrument.items, start=1):
            choices = ANSWERS if item.type == "yes_no" else [(option.code, option.label) for option in item.options]
            self.fields[f"item_{item.code}"] = forms.ChoiceField(
                label=f"{number}. {item.text}",
                choices=choices,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                help_text=item.help or "",
                error_messages={"required": _("Answer this question: “not known” is an answer too.")},
            )

    def clean_person(self):
        return self._people[self.cleaned_data["person"]]

    def answers(self) -> dict:
        return {item.code: self.cleaned_data[f"item_{item.code}"] for item in self.instrument.items}

    def question_fields(self):
        return [self[f"item_{item.code}"] for item in self.instrument.items]

    def safety_fields(self):
        return [self[name] for name in self.SAFETY_FIELDS]
