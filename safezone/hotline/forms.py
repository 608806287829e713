"""Forms of the operator's screen: the contact (saved as a draft while typed), a callback, a note on
the caller, a block, the warm referral that turns a contact into a person, a case and a referral;
the period of the shifts and figures pages, and the handover note."""

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safezone.access.models import LegalGround
from safezone.access.policy import ShareCategory
from safezone.cases.forms import IntakeForm
from safezone.cases.models import Case, Participant
from safezone.directory.selectors import agencies, districts

from .models import Answer, Contact

# Shortcut keys of the contact types, shown next to each (Alt+key anywhere, the key alone
# when the cursor is not in a text field).
TYPE_KEYS = {
    "self": "s",
    "child": "c",
    "adult": "a",
    "silent": "l",
    "hang_up": "h",
    "wrong_number": "w",
    "abusive": "x",
    "thanks": "t",
    "question": "q",
    "complaint": "k",
}


class ContactForm(forms.ModelForm):
    """The contact as the operator fills it in. Every field may be empty while it is a draft; what
    a logged contact needs is checked by the service when the operator finishes."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Contact
        fields = [
            "safe_to_talk",
            "in_danger",
            "type",
            "channel",
            "language",
            "age_band",
            "sex",
            "district",
            "categories",
            "urgency",
            "outcome",
            "notes",
        ]
        widgets = {
            "safe_to_talk": forms.RadioSelect(attrs={"class": "form-check-input"}),
            "in_danger": forms.RadioSelect(attrs={"class": "form-check-input"}),
            "type": forms.RadioSelect(attrs={"class": "form-check-input"}),
            "urgency": forms.RadioSelect(attrs={"class": "form-check-input"}),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }

    categories = forms.MultipleChoiceField(
        label=_("Issues"),
        choices=Contact.Category.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    language = forms.ChoiceField(label=_("Language"), choices=[("ru", "русский"), ("en", "English")], required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.Meta.fields:
            self.fields[name].required = False
        self.fields["district"].queryset = districts()
        self.fields["safe_to_talk"].choices = Answer.choices
        self.fields["in_danger"].choices = Answer.choices
        self.fields["type"].choices = [
            (value, f"{label} [{TYPE_KEYS[value]}]") for value, label in Contact.Type.choices
        ]
        self.fields["urgency"].choices = [("", _("not said"))] + list(Contact.Urgency.choices)
        self.fields["channel"].choices = Contact.Channel.choices
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def contact_data(self) -> dict:
        """The cleaned values the service saves (no version)."""
        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        data["language"] = data.get("language") or "ru"
        data["channel"] = data.get("channel") or Contact.Channel.CALL
        return data


class CallbackForm(forms.Form):
    """A callback the caller agreed to."""

    due_at = forms.DateTimeField(
        label=_("Call back at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    phone = forms.CharField(
        label=_("Number to call"),
        max_length=40,
        help_text=_("Kept only for this callback, because the caller agreed to it."),
    )
    note = forms.CharField(label=_("What to say, what to avoid"), required=False, max_length=500)


class CallerNoteForm(forms.Form):
    """A note on the caller for the next operator."""

    text = forms.CharField(
        label=_("Note for the next operator"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class BlockForm(forms.Form):
    """Why an abusive caller is blocked."""

    reason = forms.CharField(label=_("Why block this caller"), max_length=300)


# Issues of a contact, as the forms of violence a case records.
_CATEGORY_FORMS = {
    "violence_physical": "physical",
    "violence_sexual": "sexual",
    "violence_emotional": "psychological",
    "neglect": "neglect",
    "child_labour": "child_labour",
    "sexual_exploitation": "sexual_exploitation",
    "trafficking": "trafficking",
    "online_abuse": "online",
}


def _case_kind(contact: Contact) -> str:
    categories = set(contact.categories)
    if "trafficking" in categories:
        return Case.Kind.TRAFFICKING
    if "child_labour" in categories:
        return Case.Kind.CHILD_LABOUR
    if contact.type == Contact.Type.ABOUT_CHILD:
        return Case.Kind.CHILD_AT_RISK
    return Case.Kind.DOMESTIC_VIOLENCE


def referral_initial(contact: Contact) -> dict:
    """What the contact already says, so the operator types nothing twice."""
    from safezone.cases.models import ViolenceForm

    codes = [_CATEGORY_FORMS[c] for c in contact.categories if c in _CATEGORY_FORMS]
    safe = {Answer.YES: "yes", Answer.NO: "no"}.get(contact.safe_to_talk, "not_asked")
    return {
        "kind": _case_kind(contact),
        "role": Participant.Role.CHILD if contact.type == Contact.Type.ABOUT_CHILD else Participant.Role.VICTIM,
        "district": contact.district_id,
        "person_district": contact.district_id,
        "incident_district": contact.district_id,
        "summary": contact.notes,
        "description": contact.notes,
        "violence_forms": list(ViolenceForm.objects.filter(code__in=codes).values_list("pk", flat=True)),
        "occurred_on": timezone.localdate(),
        "safe_to_talk": safe,
        "message": contact.notes,
        "share": [ShareCategory.SUMMARY],
    }


class WarmReferralForm(IntakeForm):
    """Intake with the referral: the person (found or new), the case, its first incident, and the
    agency it goes to, under the caller's consent or a named legal ground."""

    to_agency = forms.ModelChoiceField(label=_("Refer to"), queryset=agencies())
    message = forms.CharField(label=_("What you tell the agency"), widget=forms.Textarea(attrs={"rows": 3}))
    consent = forms.BooleanField(
        label=_("The caller agrees that this is shared with the agency"),
        required=False,
        help_text=_("Recorded as verbal consent, given today, for case work."),
    )
    share = forms.MultipleChoiceField(
        label=_("What may be shared"),
        choices=ShareCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    legal_ground = forms.ChoiceField(
        label=_("Legal ground (without consent)"),
        choices=[("", "—")] + list(LegalGround.choices),
        required=False,
    )

    def __init__(self, *args, helpline_agency, **kwargs):
        super().__init__(*args, agencies=[helpline_agency], **kwargs)
        self.fields["to_agency"].queryset = agencies().exclude(pk=helpline_agency.pk)
        self.fields["agency"].widget = forms.HiddenInput()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("consent") and not cleaned.get("share"):
            self.add_error("share", _("Choose what the caller agreed to share."))
        if not cleaned.get("consent") and not cleaned.get("legal_ground"):
            self.add_error("legal_ground", _("Without the caller's consent, name the legal ground for sharing."))
        return cleaned

    def referral(self) -> dict:
        d = self.cleaned_data
        return {
            "to_agency": d["to_agency"],
            "message": d["message"],
            "share": d["share"] if d["consent"] else [],
            "legal_ground": "" if d["consent"] else d["legal_ground"],
        }


# The longest period the shifts and figures pages read.
MAX_PERIOD_DAYS = 366


class PeriodForm(forms.Form):
    """The period a page reads (`from`, `to`: both days included; empty means the default) and, on
    the shifts page, one operator."""

    def __init__(self, data, *, default: tuple[date, date], operators=None):
        super().__init__(data, initial={"from": default[0], "to": default[1]})
        self.default = default
        for name, label in (("from", _("From")), ("to", _("To"))):
            self.fields[name] = forms.DateField(
                label=label, required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
            )
        if operators is not None:
            self.fields["operator"] = forms.ModelChoiceField(
                label=_("Operator"), queryset=operators, required=False, empty_label=_("all operators")
            )

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("from") or self.default[0], cleaned.get("to") or self.default[1]
        if since > until:
            self.add_error("to", _("The end of the period is before its start."))
        elif (until - since).days >= MAX_PERIOD_DAYS:
            self.add_error("to", _("Choose a period of at most %(n)d days.") % {"n": MAX_PERIOD_DAYS})
        return cleaned

    def period(self) -> tuple[date, date, object]:
        """The chosen days and operator; the default period while the choice is not valid."""
        if self.is_bound and self.is_valid():
            d = self.cleaned_data
            return d.get("from") or self.default[0], d.get("to") or self.default[1], d.get("operator")
        return self.default[0], self.default[1], None


class HandoverForm(forms.Form):
    """The note an operator leaves for the next shift when ending theirs."""

    handover_note = forms.CharField(
        label=_("Handover note for the next shift"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What is pending, who may call again, what to watch for. Ctrl+Enter ends the shift."),
    )
