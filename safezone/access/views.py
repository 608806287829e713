"""Break-glass: the emergency door, and the data-protection officer's review queue."""

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safezone.cases.selectors import case_by_reference
from safezone.common.paging import page_of, query_without_page

from .forms import BreakGlassForm, ReviewForm
from .models import BreakGlass
from .policy import Action, Purpose, break_glass_hours
from .selectors import break_glass_queue, decide
from .services import NOT_FOUND_MESSAGE, AccessDenied, authorize, break_glass_open, break_glass_review


@login_required
@reauthentication_required(allow_get=True)
def break_glass(request):
    """Open a case outside one's scope: case number, written reason, limited time, everyone told."""
    form = BreakGlassForm(request.POST or None, initial={"case": request.GET.get("case", "")})
    if request.method == "POST" and form.is_valid():
        case = case_by_reference(form.cleaned_data["case"])
        if case is None:
            form.add_error("case", NOT_FOUND_MESSAGE)
        else:
            try:
                break_glass_open(actor=request.user, case=case, reason=form.cleaned_data["reason"], request=request)
            except AccessDenied:
                # The same words as for a case that does not exist: a sealed case stays invisible.
                form.add_error("case", NOT_FOUND_MESSAGE)
            except ValidationError as exc:
                form.add_error("reason", exc.messages)
            else:
                messages.warning(
                    request,
                    _(
                        "Emergency access to case %(ref)s for %(hours)d hours. The case owner "
                        "and the data-protection officer have been told."
                    )
                    % {"ref": case.reference, "hours": break_glass_hours()},
                )
                return redirect("cases:detail", pk=case.pk)
    may = decide(request.user, Action.BREAK_GLASS, Purpose.CASE_WORK).allowed
    return render(request, "access/break_glass.html", {"form": form, "may": may, "hours": break_glass_hours()})


@login_required
def break_glass_review_queue(request):
    """The data-protection officer's queue of break-glass accesses."""
    try:
        authorize(
            user=request.user,
            action=Action.REVIEW_BREAK_GLASS,
            purpose=Purpose.DATA_PROTECTION,
            request=request,
            extra={"page": "queue"},
        )
    except AccessDenied:
        raise Http404(NOT_FOUND_MESSAGE) from None
    review = request.GET.get("review", BreakGlass.Review.PENDING)
    page = page_of(
        break_glass_queue(review=review if review in BreakGlass.Review.values else None), request.GET.get("page")
    )
    return render(
        request,
        "access/break_glass_queue.html",
        {
            "page": page,
            "review": review,
            "reviews": BreakGlass.Review.choices,
            "form": ReviewForm(),
            "query": query_without_page(request),
        },
    )


@login_required
@require_POST
def break_glass_review_step(request, pk: int):
    """Accept or escalate one break-glass access."""
    form = ReviewForm(request.POST)
    glass = break_glass_queue(review=None).filter(pk=pk).first()
    if glass is None or not form.is_valid():
        # One audited decision either way: an outsider's refusal is recorded, a bad form is not an answer.
        try:
            authorize(
                user=request.user,
                action=Action.REVIEW_BREAK_GLASS,
                purpose=Purpose.DATA_PROTECTION,
                request=request,
                extra={"break_glass": pk},
            )
        except AccessDenied:
            pass
        raise Http404(NOT_FOUND_MESSAGE)
    try:
        break_glass_review(
            actor=request.user,
            glass=glass,
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
            request=request,
        )
    except AccessDenied:
        raise Http404(NOT_FOUND_MESSAGE) from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The review was saved."))
    return redirect("access:break_glass_review")
