"""Forms of early warning and support: the decision on a flag, a new support plan with its first
measures, and the steps on a plan (a measure, done, a review, closing, referral onwards)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .filters import recent_quarters
from .models import SupportMeasure, SupportPlan, WarningFlag
from .services import MeasureInput


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class FlagForm(forms.Form):
    """The pedagogue's decision on a flag (a plan is started from its own page)."""

    status = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (WarningFlag.Status.WATCHING, _("keep watching")),
            (WarningFlag.Status.DISMISSED, _("nothing to do")),
        ],
        widget=forms.RadioSelect(attrs={"class": "form-check-input", "autofocus": True}),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required for “nothing to do”: say why."),
    )


class PlanForm(forms.Form):
    """A new support plan: why, and when to review it."""

    reason = forms.CharField(
        label=_("Why help is needed"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3, "autofocus": True})
    )
    next_review_on = forms.DateField(label=_("Next review"), widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("next_review_on", timezone.localdate() + timezone.timedelta(days=30))


class MeasureForm(forms.Form):
    """One piece of help: its kind, what, who is responsible (a staff member or a name), by when."""

    kind = forms.ChoiceField(label=_("Kind of help"), choices=[("", "—"), *SupportMeasure.Kind.choices])
    description = forms.CharField(label=_("What"), max_length=300)
    responsible = forms.ModelChoiceField(label=_("Responsible (staff)"), queryset=None, required=False)
    responsible_name = forms.CharField(
        label=_("or responsible (name)"),
        max_length=150,
        required=False,
        help_text=_("Staff without an account: the class teacher, the school psychologist."),
    )
    due_on = forms.DateField(label=_("Due by"), widget=DateInput())

    def __init__(self, *args, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = staff
        self.fields["responsible"].label_from_instance = lambda user: user.get_full_name() or user.get_username()

    def measure(self) -> MeasureInput:
        d = self.cleaned_data
        return MeasureInput(
            kind=d["kind"],
            description=d["description"],
            due_on=d["due_on"],
            responsible_id=d["responsible"].pk if d.get("responsible") else None,
            responsible_name=d.get("responsible_name", ""),
        )


class BaseMeasureFormSet(forms.BaseFormSet):
    """The first measures of a new plan: rows left empty are ignored."""

    def __init__(self, *args, staff=None, **kwargs):
        self.staff = staff
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "staff": self.staff}

    @property
    def empty_form(self):
        form = self.form(auto_id=self.auto_id, prefix=self.add_prefix("__prefix__"), empty_permitted=True,
                         use_required_attribute=False, staff=self.staff)  # fmt: skip
        self.add_fields(form, None)
        return form

    def measures(self) -> list[MeasureInput]:
        return [form.measure() for form in self.forms if form.has_changed() and form.cleaned_data]


MeasureFormSet = forms.formset_factory(MeasureForm, formset=BaseMeasureFormSet, extra=3, max_num=10)


class _Versioned(forms.Form):
    """A step on a plan, refused when the plan changed since the page was opened."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class MeasureAddForm(MeasureForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReviewForm(_Versioned):
    note = forms.CharField(label=_("What changed"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    next_review_on = forms.DateField(label=_("Next review"), widget=DateInput())


class CloseForm(_Versioned):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[("", "—"), *SupportPlan.Outcome.choices])


class CommissionForm(_Versioned):
    referred_on = forms.DateField(label=_("Referred on"), widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("referred_on", timezone.localdate())


class CaseLinkForm(_Versioned):
    reference = forms.CharField(
        label=_("Case number"), max_length=20, help_text=_("As on the case page, e.g. 2026-000123.")
    )


class QuarterForm(forms.Form):
    """The quarter of the figures page."""

    quarter = forms.ChoiceField(label=_("Quarter"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quarter"].choices = recent_quarters()
