"""Forms of the case pages: intake, a new incident, a change of status, the plan."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safezone.directory.models import Territory
from safezone.directory.selectors import agencies_with_ids, districts
from safezone.people.dates import PartialDate
from safezone.people.models import Sex
from safezone.people.validators import normalize_snils

from .models import Case, Closure, Incident, Participant, PlanAction, SafetyCheck, ServiceDelivery, ViolenceForm
from .services import IncidentData, Intake, NewPerson, SafetyAnswers


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class IncidentFields(forms.Form):
    """The fields of one incident, shared by intake and the case page."""

    occurred_on = forms.DateField(label=_("Date of the incident"), widget=DateInput())
    place = forms.ChoiceField(label=_("Place"), choices=Incident.Place.choices)
    place_detail = forms.CharField(label=_("Place, in words"), required=False, max_length=200)
    incident_district = forms.ModelChoiceField(
        label=_("District of the incident"),
        queryset=districts(),
        required=False,
        help_text=_("Leave empty if it is the district of the case."),
    )
    violence_forms = forms.ModelMultipleChoiceField(
        label=_("Forms of violence"),
        queryset=ViolenceForm.objects.order_by("ordering", "code"),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        error_messages={"required": _("Tick at least one form of violence.")},
    )
    reported_to_police = forms.BooleanField(label=_("Reported to police"), required=False)
    police_reference = forms.CharField(label=_("Police record number"), required=False, max_length=64)
    description = forms.CharField(label=_("What happened"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_occurred_on(self):
        value = self.cleaned_data["occurred_on"]
        if value > timezone.localdate():
            raise ValidationError(_("The incident date is in the future."))
        return value

    def incident_data(self) -> IncidentData:
        d = self.cleaned_data
        return IncidentData(
            occurred_on=d["occurred_on"],
            place=d["place"],
            place_detail=d["place_detail"],
            district=d["incident_district"],
            forms=list(d["violence_forms"]),
            reported_to_police=d["reported_to_police"],
            police_reference=d["police_reference"],
            description=d["description"],
        )


class SafetyFields(forms.Form):
    """The first questions, asked before anything else (intake and every assessment)."""

    safe_to_talk = forms.ChoiceField(
        label=_("Is it safe to talk now?"),
        choices=SafetyCheck.Answer.choices,
        required=False,
        initial="not_asked",
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        help_text=_("If not: agree on a safe time and way to call back, and end the conversation."),
    )
    safe_phone = forms.CharField(label=_("Safe phone"), required=False, max_length=100)
    safe_address = forms.CharField(label=_("Safe address"), required=False, max_length=300)
    code_word = forms.CharField(label=_("Code word"), required=False, max_length=100)
    messages_ok = forms.ChoiceField(
        label=_("May we leave messages?"),
        choices=SafetyCheck.Answer.choices,
        required=False,
        initial="not_asked",
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    knows_about_referrals = forms.ChoiceField(
        label=_("Does the person know we may refer them to other agencies?"),
        choices=SafetyCheck.Answer.choices,
        required=False,
        initial="not_asked",
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    agrees_to_referrals = forms.ChoiceField(
        label=_("Does the person agree to referrals?"),
        choices=SafetyCheck.Answer.choices,
        required=False,
        initial="not_asked",
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    safety_note = forms.CharField(label=_("Safety note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    SAFETY_FIELDS = [
        "safe_to_talk",
        "safe_phone",
        "safe_address",
        "code_word",
        "messages_ok",
        "knows_about_referrals",
        "agrees_to_referrals",
        "safety_note",
    ]

    def safety_fields(self):
        return [self[name] for name in self.SAFETY_FIELDS]

    def safety_answers(self) -> SafetyAnswers:
        d = self.cleaned_data
        asked = {
            name: d.get(name) or SafetyCheck.Answer.NOT_ASKED
            for name in ("safe_to_talk", "messages_ok", "knows_about_referrals", "agrees_to_referrals")
        }
        return SafetyAnswers(
            safe_phone=d["safe_phone"],
            safe_address=d["safe_address"],
            code_word=d["code_word"],
            note=d["safety_note"],
            **asked,
        )


class IntakeForm(SafetyFields, IncidentFields):
    """Intake: the person (found or new), the case, and its first incident, on one page."""

    field_order = [
        "agency",
        "existing_person",
        "surname",
        "first_name",
        "patronymic",
        "sex",
        "birth_date",
        "person_district",
        "snils",
        "kind",
        "role",
        "district",
        "summary",
    ]

    agency = forms.ModelChoiceField(label=_("On behalf of"), queryset=agencies_with_ids([]), empty_label=None)
    existing_person = forms.IntegerField(required=False, widget=forms.HiddenInput)
    surname = forms.CharField(label=_("Surname"), max_length=100, required=False)
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    patronymic = forms.CharField(label=_("Patronymic"), max_length=100, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, initial=Sex.UNKNOWN)
    birth_date = forms.CharField(
        label=_("Date of birth"),
        required=False,
        max_length=10,
        help_text=_("Year only, month and year, or the full date: 1985, 03.1985, 12.03.1985."),
    )
    person_district = forms.ModelChoiceField(label=_("District of residence"), queryset=districts(), required=False)
    snils = forms.CharField(label=_("SNILS"), required=False, max_length=20)
    kind = forms.ChoiceField(label=_("Kind of case"), choices=Case.Kind.choices)
    role = forms.ChoiceField(
        label=_("The person is"),
        choices=[(role, label) for role, label in Participant.Role.choices if role != "witness"],
    )
    district = forms.ModelChoiceField(label=_("District of the case"), queryset=districts())
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, agencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies_with_ids([a.pk for a in agencies])
        if len(agencies) == 1:
            self.fields["agency"].initial = agencies[0].pk
        self.fields["surname"].widget.attrs.update({"autocomplete": "off", "autofocus": True})
        self.fields["occurred_on"].initial = timezone.localdate()
        seats = [a.district for a in agencies if a.district.level == Territory.Level.DISTRICT]
        if seats:
            self.fields["district"].initial = seats[0].pk

    def clean_birth_date(self):
        text = self.cleaned_data["birth_date"].strip()
        return PartialDate.parse(text) if text else None

    def clean_snils(self):
        text = self.cleaned_data["snils"].strip()
        return normalize_snils(text) if text else ""

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("incident_district"):
            cleaned["incident_district"] = cleaned.get("district")
        if not cleaned.get("existing_person"):
            for name in ("surname", "first_name"):
                if not (cleaned.get(name) or "").strip():
                    self.add_error(name, _("Required for a new person (or pick a person found above)."))
        return cleaned

    def intake(self) -> Intake:
        d = self.cleaned_data
        new_person = None
        if not d.get("existing_person"):
            new_person = NewPerson(
                surname=d["surname"],
                first_name=d["first_name"],
                patronymic=d["patronymic"],
                sex=d["sex"],
                birth=d["birth_date"],
                district=d["person_district"] or d["district"],
                snils=d["snils"],
            )
        return Intake(
            safety=self.safety_answers(),
            agency=d["agency"],
            kind=d["kind"],
            district=d["district"],
            role=d["role"],
            incident=self.incident_data(),
            existing_person_id=d.get("existing_person"),
            new_person=new_person,
            summary=d["summary"],
        )


class IncidentForm(IncidentFields):
    """A further incident on an existing case; victim and perpetrator are chosen among its participants."""

    victim = forms.TypedChoiceField(label=_("Victim"), required=False, coerce=int, empty_value=None)
    alleged_perpetrator = forms.TypedChoiceField(
        label=_("Alleged perpetrator"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, case: Case, participants: list[Participant], **kwargs):
        super().__init__(*args, **kwargs)
        self._people = {p.person_id: p.person for p in participants}
        choices = [("", "—")] + [(p.person_id, f"{p.person} ({p.get_role_display()})") for p in participants]
        self.fields["victim"].choices = choices
        self.fields["alleged_perpetrator"].choices = choices
        self.fields["occurred_on"].initial = timezone.localdate()
        self._case = case

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("incident_district"):
            cleaned["incident_district"] = self._case.district
        return cleaned

    def incident_data(self) -> IncidentData:
        data = super().incident_data()
        data.victim = self._people.get(self.cleaned_data.get("victim"))
        data.alleged_perpetrator = self._people.get(self.cleaned_data.get("alleged_perpetrator"))
        return data


class CaseEditForm(forms.Form):
    """Status, summary and safe-contact instructions of a case, with the version the form was opened on."""

    # Closing is a request that a supervisor approves (ClosureRequestForm), not a status to pick.
    status = forms.ChoiceField(
        label=_("Status"), choices=[c for c in Case.Status.choices if c[0] != Case.Status.CLOSED]
    )
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    safe_contact = forms.CharField(
        label=_("Safe-contact instructions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Which phone, which hours, a code word, what never to do."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class ClosureRequestForm(forms.Form):
    """Ask to close the case: the reason, a note, and the version the page was opened on."""

    reason = forms.ChoiceField(label=_("Reason for closing"), choices=Closure.Reason.choices)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_('What was achieved, or why the work ends. Required for "other".'),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class ClosureDecisionForm(forms.Form):
    """A supervisor's answer to a request to close: approve, or send back with a note."""

    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve: close the case")), ("reject", _("Send back"))]
    )
    decision_note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when you send the request back."),
    )


class ReopenForm(forms.Form):
    """Reopen a closed case: why, and the version the page was opened on."""

    reason = forms.CharField(label=_("Why the case is reopened"), widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReferralForm(forms.Form):
    """Send the case to another agency: what is shared, and the consent or the legal ground."""

    to_agency = forms.ModelChoiceField(label=_("To agency"), queryset=agencies_with_ids([]))
    message = forms.CharField(
        label=_("What you share"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Only what the agency needs to decide and to act; it reads this before it accepts."),
    )
    consent = forms.TypedChoiceField(label=_("Consent"), required=False, coerce=int, empty_value=None)
    legal_ground = forms.ChoiceField(label=_("Legal ground, if there is no consent"), required=False)

    def __init__(self, *args, case, consents, **kwargs):
        from safezone.access.models import LegalGround
        from safezone.directory.selectors import agencies

        super().__init__(*args, **kwargs)
        self.fields["to_agency"].queryset = agencies().exclude(pk=case.owner_agency_id).filter(is_active=True)
        self._consents = {c.pk: c for c in consents}
        self.fields["consent"].choices = [("", "—")] + [(c.pk, f"{c.person} · {c.given_on:%d.%m.%Y}") for c in consents]
        self.fields["legal_ground"].choices = [("", "—")] + list(LegalGround.choices)

    def clean_consent(self):
        pk = self.cleaned_data.get("consent")
        return self._consents.get(pk) if pk else None


class ReasonForm(forms.Form):
    """A short reason for a step (declining, revoking, escalating)."""

    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)


class SealForm(forms.Form):
    """Seal the case from one agency, unit or user."""

    agency = forms.ModelChoiceField(label=_("Agency"), queryset=agencies_with_ids([]), required=False)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=None, required=False)
    user = forms.ModelChoiceField(label=_("User"), queryset=None, required=False)
    reason = forms.CharField(label=_("Why"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        from safezone.accounts.selectors import staff_with_memberships
        from safezone.directory.selectors import agencies, units

        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies()
        self.fields["unit"].queryset = units()
        self.fields["user"].queryset = staff_with_memberships().order_by("last_name", "first_name")

    def clean(self):
        cleaned = super().clean()
        if len([k for k in ("agency", "unit", "user") if cleaned.get(k)]) != 1:
            raise ValidationError(_("Choose exactly one: an agency, a unit or a user."))
        return cleaned


class ConsentForm(forms.Form):
    """What a person taking part in the case agreed to share."""

    person = forms.TypedChoiceField(label=_("Person"), coerce=int)
    categories = forms.MultipleChoiceField(
        label=_("What may be shared"), widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})
    )
    agencies = forms.ModelMultipleChoiceField(label=_("With which agencies"), queryset=agencies_with_ids([]))
    purposes = forms.MultipleChoiceField(
        label=_("For which purposes"), widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})
    )
    form = forms.ChoiceField(label=_("Form of consent"))
    given_on = forms.DateField(label=_("Given on"), widget=DateInput())

    def __init__(self, *args, participants, **kwargs):
        from safezone.access.models import Consent
        from safezone.access.policy import Purpose, ShareCategory
        from safezone.directory.selectors import agencies

        super().__init__(*args, **kwargs)
        self._people = {p.person_id: p.person for p in participants}
        self.fields["person"].choices = [(p.person_id, f"{p.person} ({p.get_role_display()})") for p in participants]
        self.fields["categories"].choices = ShareCategory.choices
        self.fields["agencies"].queryset = agencies().filter(is_active=True)
        self.fields["agencies"].widget.attrs["size"] = 8
        self.fields["purposes"].choices = [(p, label) for p, label in Purpose.choices if p != Purpose.DATA_PROTECTION]
        self.fields["purposes"].initial = [Purpose.CASE_WORK]
        self.fields["form"].choices = Consent.Form.choices
        self.fields["given_on"].initial = timezone.localdate()

    def clean_person(self):
        return self._people[self.cleaned_data["person"]]


class WithdrawForm(forms.Form):
    withdrawn_on = forms.DateField(label=_("Withdrawn on"), widget=DateInput())


class PlanActionForm(forms.Form):
    """Something for an agency working on the case to do by a date."""

    text = forms.CharField(label=_("What is to be done"), max_length=1000)
    goal = forms.TypedChoiceField(label=_("Goal"), required=False, coerce=int, empty_value=None)
    agency = forms.ModelChoiceField(label=_("Agency"), queryset=agencies_with_ids([]))
    worker = forms.ModelChoiceField(label=_("Worker"), queryset=None, required=False)
    due_on = forms.DateField(label=_("Due"), widget=DateInput())

    def __init__(self, *args, case, goals, agency_ids, **kwargs):
        from safezone.accounts.selectors import staff_in_agencies

        super().__init__(*args, **kwargs)
        self._goals = {g.pk: g for g in goals}
        self.fields["goal"].choices = [("", "—")] + [(g.pk, g.text[:80]) for g in goals]
        self.fields["agency"].queryset = agencies_with_ids(agency_ids)
        self.fields["agency"].initial = case.owner_agency_id
        self.fields["worker"].queryset = staff_in_agencies(agency_ids)
        self.fields["due_on"].initial = timezone.localdate() + dt.timedelta(days=14)

    def clean_goal(self):
        pk = self.cleaned_data.get("goal")
        return self._goals.get(pk) if pk else None


class ActionStatusForm(forms.Form):
    """A new status for one action, with the version the page showed."""

    status = forms.ChoiceField(label=_("Status"), choices=PlanAction.Status.choices)
    note = forms.CharField(label=_("Why (if not done)"), required=False, max_length=500)
    version = forms.IntegerField(widget=forms.HiddenInput)


class ServiceForm(forms.Form):
    """A service one of the user's agencies gives in the case; a place in a shelter or programme too."""

    kind = forms.ChoiceField(label=_("Service"), choices=ServiceDelivery.Kind.choices)
    agency = forms.ModelChoiceField(label=_("Agency"), queryset=agencies_with_ids([]), empty_label=None)
    facility = forms.ModelChoiceField(
        label=_("Shelter or programme"),
        queryset=None,
        required=False,
        help_text=_(
            "For a shelter stay, day care, a group programme and the modules of a rehabilitation centre; "
            "for medical care when it is given in a medical service with places."
        ),
    )
    person = forms.TypedChoiceField(label=_("For whom"), required=False, coerce=int, empty_value=None)
    started_on = forms.DateField(label=_("From"), widget=DateInput())
    ended_on = forms.DateField(label=_("Until (day of leaving)"), widget=DateInput(), required=False)

    def __init__(self, *args, participants, agencies, **kwargs):
        from safezone.directory.selectors import facilities_of

        super().__init__(*args, **kwargs)
        self._people = {p.person_id: p.person for p in participants}
        self.fields["person"].choices = [("", "—")] + [
            (p.person_id, f"{p.person} ({p.get_role_display()})") for p in participants
        ]
        self.fields["agency"].queryset = agencies_with_ids([a.pk for a in agencies])
        self.fields["facility"].queryset = facilities_of([a.pk for a in agencies])
        self.fields["started_on"].initial = timezone.localdate()

    def clean_person(self):
        pk = self.cleaned_data.get("person")
        return self._people.get(pk) if pk else None


class ServiceEndForm(forms.Form):
    """When and how a service ended, with the version the page showed."""

    ended_on = forms.DateField(label=_("Ended on"), widget=DateInput())
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ServiceDelivery.Outcome.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)
    version = forms.IntegerField(widget=forms.HiddenInput)
