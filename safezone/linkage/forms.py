from django import forms
from django.utils.translation import gettext_lazy as _

from .models import CandidatePair


class PairDecisionForm(forms.Form):
    """The steward's decision on one pair."""

    status = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (CandidatePair.Status.MATCH, _("the same person: merge the records")),
            (CandidatePair.Status.NON_MATCH, _("not the same person: never propose again")),
            (CandidatePair.Status.UNSURE, _("unsure: keep apart for now")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class RunForm(forms.Form):
    """Starting a batch linkage run."""

    retrain = forms.BooleanField(
        label=_("Train the model afresh on the register (otherwise the saved model is used)"), required=False
    )
