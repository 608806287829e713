"""Forms of the access pages: break-glass and its review."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import BreakGlass
from .services import BREAK_GLASS_MIN_REASON


class BreakGlassForm(forms.Form):
    """Open a case outside one's scope in an emergency, saying why."""

    case = forms.CharField(label=_("Case number"), max_length=20, help_text=_("For example 2026-000123."))
    reason = forms.CharField(
        label=_("Why you need this case now"),
        min_length=BREAK_GLASS_MIN_REASON,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The case owner and the data-protection officer will read this."),
    )


class ReviewForm(forms.Form):
    """The data-protection officer's verdict on one break-glass access."""

    outcome = forms.ChoiceField(
        label=_("Verdict"),
        choices=[(BreakGlass.Review.ACCEPTED, _("accept")), (BreakGlass.Review.ESCALATED, _("escalate"))],
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)
