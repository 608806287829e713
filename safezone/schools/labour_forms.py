"""Forms and filters of the child-labour pages: a visit, a child found at work, a step done, a new
owner, an area monitored; the filters of the children and visits lists. What a form checks is its
shape; the rules of the chain are the services' (safezone/schools/labour.py)."""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safezone.directory.models import Agency
from safezone.directory.selectors import agencies_of_kind, districts, settlements_in
from safezone.people.dates import PartialDate
from safezone.people.models import Sex

from . import labour
from .models import ChainStep, Hazard, MonitoredArea, ObservationVisit, WorkingChild, WorstForm


def _date(**attrs):
    return forms.DateInput(attrs={"type": "date", **attrs}, format="%Y-%m-%d")


def _checks():
    return forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})


def _user_name(user) -> str:
    return user.get_full_name() or user.get_username()


def _workers(users):
    """The workers offered as owners, as a queryset a choice field can check a choice against."""
    return get_user_model().objects.filter(pk__in=[u.pk for u in users]).order_by("last_name", "first_name")


class UserChoiceField(forms.ModelChoiceField):
    """A worker, by full name."""

    def label_from_instance(self, obj):
        return _user_name(obj)


# --- filters -----------------------------------------------------------------------------------------
class ChildFilter(django_filters.FilterSet):
    """Filters of the list of children at work."""

    district = django_filters.ModelChoiceFilter(label=_("District"), queryset=districts())
    status = django_filters.ChoiceFilter(label=_("Status"), choices=WorkingChild.Status.choices)
    worst_form = django_filters.ChoiceFilter(label=_("Worst form"), choices=WorstForm.choices)
    reentered = django_filters.BooleanFilter(
        label=_("Back at work at least once"), method="filter_reentered", widget=forms.CheckboxInput
    )
    overdue = django_filters.BooleanFilter(label=_("Overdue only"), method="filter_overdue", widget=forms.CheckboxInput)
    mine = django_filters.BooleanFilter(label=_("Mine"), method="filter_mine", widget=forms.CheckboxInput)

    class Meta:
        model = WorkingChild
        fields = ["district", "status", "worst_form", "reentered", "overdue", "mine"]

    def __init__(self, *args, user, district_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.filters["district"].queryset = districts().filter(pk__in=district_ids)

    def filter_reentered(self, queryset, name, value):
        return queryset.filter(round__gt=1) if value else queryset

    def filter_overdue(self, queryset, name, value):
        return labour.children_overdue(queryset) if value else queryset

    def filter_mine(self, queryset, name, value):
        return labour.children_of_worker(queryset, self.user) if value else queryset


class VisitFilter(django_filters.FilterSet):
    """Filters of the list of observation visits."""

    district = django_filters.ModelChoiceFilter(label=_("District"), queryset=districts())
    team = django_filters.ChoiceFilter(label=_("Who visited"), choices=ObservationVisit.Team.choices)
    since = django_filters.DateFilter(label=_("From"), field_name="visited_on", lookup_expr="gte", widget=_date())
    until = django_filters.DateFilter(label=_("To"), field_name="visited_on", lookup_expr="lte", widget=_date())

    class Meta:
        model = ObservationVisit
        fields = ["district", "team", "since", "until"]

    def __init__(self, *args, district_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["district"].queryset = districts().filter(pk__in=district_ids)


# --- a visit -----------------------------------------------------------------------------------------
class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        place = obj.settlement.name if obj.settlement_id else ""
        school = obj.school.name if obj.school_id else ""
        return f"{obj.district.name}: {' · '.join(p for p in (place, school) if p)}"


class VisitForm(forms.Form):
    """One observation visit, in the order a worker back from the street tells it."""

    district = forms.ModelChoiceField(label=_("District"), queryset=districts())
    area = AreaChoiceField(
        label=_("Monitored area"),
        queryset=MonitoredArea.objects.none(),
        required=False,
        empty_label=_("— outside the monitored areas —"),
    )
    place = forms.CharField(
        label=_("Place"), max_length=200, help_text=_("Where exactly: a market, a road, a farm, a car wash.")
    )
    visited_on = forms.DateField(label=_("Date"), widget=_date())
    team = forms.ChoiceField(label=_("Who visited"), choices=ObservationVisit.Team.choices)
    children_seen = forms.IntegerField(label=_("Children seen working"), min_value=0, max_value=10000, initial=0)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, district_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts().filter(pk__in=district_ids)
        self.fields["district"].widget.attrs["autofocus"] = True
        self.fields["area"].queryset = labour.areas_open_in(district_ids)
        self.fields["visited_on"].initial = timezone.localdate()
        if len(district_ids) == 1:
            self.fields["district"].initial = district_ids[0]


# --- a child found at work ----------------------------------------------------------------------------
class ChildForm(forms.Form):
    """A child found at work: who (matched to a person already known, or registered), where, what work."""

    surname = forms.CharField(label=_("Surname"), max_length=100)
    first_name = forms.CharField(label=_("First name"), max_length=100)
    patronymic = forms.CharField(label=_("Patronymic"), max_length=100, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, initial=Sex.UNKNOWN)
    birth = forms.CharField(
        label=_("Birth date"),
        max_length=10,
        required=False,
        help_text=_("12.03.2012, 03.2012 or 2012. A full date lets a child already known be recognised."),
    )
    district = forms.ModelChoiceField(label=_("District"), queryset=districts())
    identified_on = forms.DateField(label=_("Found at work on"), widget=_date())
    worst_form = forms.ChoiceField(
        label=_("Worst form (ILO C182)"),
        choices=WorstForm.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    hazards = forms.MultipleChoiceField(label=_("Hazards"), choices=Hazard.choices, required=False, widget=_checks())
    work = forms.CharField(
        label=_("The work"), max_length=200, help_text=_("What the child was doing: selling, carrying, begging...")
    )
    owner = UserChoiceField(label=_("Responsible worker"), queryset=None, empty_label=None)

    def __init__(self, *args, district_ids, owners, visit=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.visit = visit
        self.fields["surname"].widget.attrs.update({"autofocus": True, "autocomplete": "off"})
        self.fields["first_name"].widget.attrs["autocomplete"] = "off"
        self.fields["patronymic"].widget.attrs["autocomplete"] = "off"
        self.fields["district"].queryset = districts().filter(pk__in=district_ids)
        self.fields["owner"].queryset = _workers(owners)
        self.fields["owner"].initial = owners[0].pk if owners else None
        self.fields["identified_on"].initial = visit.visited_on if visit else timezone.localdate()
        if visit is not None:
            # Found on a visit: the child belongs to the visit's district.
            self.fields["district"].initial = visit.district_id
            self.fields["district"].disabled = True
        elif len(district_ids) == 1:
            self.fields["district"].initial = district_ids[0]

    def clean_birth(self):
        text = self.cleaned_data.get("birth", "").strip()
        if not text:
            return None
        try:
            return PartialDate.parse(text)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None

    def named(self) -> labour.NamedChild:
        d = self.cleaned_data
        return labour.NamedChild(
            surname=d["surname"], first_name=d["first_name"], patronymic=d["patronymic"], sex=d["sex"], birth=d["birth"]
        )


# --- the chain ---------------------------------------------------------------------------------------
class StepForm(forms.Form):
    """The next step of a child's chain, done: when, with what result, a note; for protection, the
    case's service that protects the child."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    done_on = forms.DateField(label=_("Done on"), widget=_date())
    result = forms.ChoiceField(label=_("Result"), choices=ChainStep.Result.choices)
    # Any key is taken here: the service checks that the user may read the case and that the
    # service is given to this child.
    service = forms.IntegerField(label=_("Service that protects the child"), required=False, widget=forms.Select)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, step: ChainStep, version: int, services=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = version
        self.fields["done_on"].initial = timezone.localdate()
        self.fields["done_on"].widget.attrs["autofocus"] = True
        allowed = labour.RESULTS[step.kind]
        self.fields["result"].choices = [(r, ChainStep.Result(r).label) for r in allowed]
        if len(allowed) == 1:
            self.fields["result"].initial = allowed[0]
            self.fields["result"].widget = forms.HiddenInput()
        if step.kind == ChainStep.Kind.PROTECTION:
            self.offer_services(services)
        else:
            del self.fields["service"]

    def offer_services(self, services) -> None:
        """The services the user may link: the child's, in cases the user reads."""
        self.services_offered = bool(services)
        self.fields["service"].widget.choices = [("", _("— none —"))] + [
            (s.pk, f"{s.case.reference} · {s.get_kind_display()} · {s.agency} · {s.started_on:%d.%m.%Y}")
            for s in services
        ]


class ReassignForm(forms.Form):
    """Another owner for an open step (and, by default, for the child's whole chain)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    owner = UserChoiceField(label=_("New owner"), queryset=None)
    whole_chain = forms.BooleanField(
        label=_("Also the child and the steps still to come"), required=False, initial=True
    )

    def __init__(self, *args, owners, version: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = version
        self.fields["owner"].queryset = _workers(owners)


# --- areas -------------------------------------------------------------------------------------------
class SettlementChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.parent.name}: {obj.name}" if obj.parent_id else obj.name


class AreaForm(forms.Form):
    """A settlement or a school of a district to monitor from a date."""

    district = forms.ModelChoiceField(label=_("District"), queryset=districts())
    settlement = SettlementChoiceField(label=_("Settlement"), queryset=settlements_in([]), required=False)
    school = forms.ModelChoiceField(
        label=_("School"), queryset=agencies_of_kind(Agency.Kind.SCHOOL).none(), required=False
    )
    since = forms.DateField(label=_("Monitored since"), widget=_date())

    def __init__(self, *args, district_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts().filter(pk__in=district_ids)
        self.fields["settlement"].queryset = settlements_in(district_ids)
        self.fields["school"].queryset = agencies_of_kind(Agency.Kind.SCHOOL).filter(district_id__in=district_ids)
        self.fields["since"].initial = timezone.localdate()
        if len(district_ids) == 1:
            self.fields["district"].initial = district_ids[0]


class AreaEndForm(forms.Form):
    """The day an area stops being monitored."""

    until = forms.DateField(label=_("Monitored until"), widget=_date())
