"""Pages of the list of teenagers at risk (/teens/): the list with its filters, one teenager with the
outreach history, putting on the list, changing, taking off, logging a contact. Thin: parse, call
one service or selector of safezone.schools.teens, render. A refusal answers 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from safezone.access.http import refused_as_404
from safezone.access.policy import Action
from safezone.common.errors import errors_on_form
from safezone.common.paging import page_of, query_without_page

from .teen_forms import OutreachForm, TeenAddForm, TeenEditForm, TeenFilterForm, TeenRemoveForm
from .teens import (
    AlreadyListed,
    TeenChangedMeanwhile,
    may_add_teens,
    may_edit_teen,
    outreach_log,
    outreach_of,
    teen_add,
    teen_age,
    teen_districts,
    teen_for,
    teen_list_authorize,
    teen_reasons,
    teen_remove,
    teen_update,
    teens_found,
    teens_page_record,
)


@login_required
@refused_as_404
def teen_list(request):
    """The teenagers of the user's districts, filtered, the longest without contact first; each page
    shown is recorded."""
    teen_list_authorize(user=request.user, request=request)
    form = TeenFilterForm(request.GET or None, districts=teen_districts(request.user))
    page = page_of(teens_found(request.user, form.filters()), request.GET.get("page"))
    teens_page_record(request.user, list(page), request)
    for teen in page:
        teen.age, teen.reasons = teen_age(teen), teen_reasons(teen)
    return render(
        request,
        "teens/list.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "may_add": may_add_teens(request.user),
        },
    )


@login_required
@refused_as_404
def teen_new(request):
    """Put a teenager on the list of one of the user's districts."""
    teen_list_authorize(user=request.user, action=Action.EDIT_TEENS, request=request)
    form = TeenAddForm(request.POST or None, districts=teen_districts(request.user, Action.EDIT_TEENS))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            teen = teen_add(
                actor=request.user,
                surname=d["surname"],
                first_name=d["first_name"],
                patronymic=d["patronymic"],
                sex=d["sex"],
                birth_date=d["birth_date"],
                district=d["district"],
                reasons=d["reasons"],
                note=d["note"],
                added_on=d["added_on"],
                request=request,
            )
        except AlreadyListed as exc:
            message = exc.messages[0]
            if exc.visible:
                link = reverse("teens:detail", args=[exc.teen.pk])
                message = format_html('{} <a href="{}">{}</a>', message, link, _("Open the entry"))
            form.add_error(None, message)
        except ValidationError as exc:
            errors_on_form(form, exc)
        else:
            messages.success(request, _("%(name)s is on the list.") % {"name": teen.person.full_name})
            return redirect("teens:detail", pk=teen.pk)
    return render(request, "teens/form.html", {"form": form, "teen": None})


@login_required
@refused_as_404
def teen_detail(request, pk: int):
    """One teenager: why on the list, the note, the outreach contacts newest first."""
    teen = teen_for(request.user, pk, request=request)
    return render(
        request,
        "teens/detail.html",
        {
            "teen": teen,
            "age": teen_age(teen),
            "reasons": teen_reasons(teen),
            "outreach": outreach_of(teen),
            "may_edit": may_edit_teen(request.user, teen),
        },
    )


@login_required
@refused_as_404
def teen_edit(request, pk: int):
    """Change the district, the reasons or the note of a teenager on the list."""
    teen = teen_for(request.user, pk, action=Action.EDIT_TEENS, request=request)
    if teen.removed_on is not None:
        messages.error(request, _("This teenager was taken off the list; the entry can no longer be changed."))
        return redirect("teens:detail", pk=teen.pk)
    districts = teen_districts(request.user, Action.EDIT_TEENS)
    form = TeenEditForm(request.POST or None, districts=districts, teen=teen)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            teen_update(
                actor=request.user,
                teen_id=teen.pk,
                expected_version=d["version"],
                reasons=d["reasons"],
                note=d["note"],
                district=d["district"],
                request=request,
            )
        except TeenChangedMeanwhile as exc:
            form.add_error(None, exc.explain())
        except ValidationError as exc:
            errors_on_form(form, exc)
        else:
            messages.success(request, _("The entry was saved."))
            return redirect("teens:detail", pk=teen.pk)
    return render(request, "teens/form.html", {"form": form, "teen": teen})


@login_required
@refused_as_404
def teen_remove_view(request, pk: int):
    """Take a teenager off the list: the page asks to confirm and to say why."""
    teen = teen_for(request.user, pk, action=Action.EDIT_TEENS, request=request)
    if teen.removed_on is not None:
        messages.info(request, _("This teenager is already off the list."))
        return redirect("teens:detail", pk=teen.pk)
    form = TeenRemoveForm(request.POST or None, initial={"version": teen.version})
    if request.method == "POST" and form.is_valid():
        try:
            teen_remove(
                actor=request.user,
                teen_id=teen.pk,
                expected_version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except TeenChangedMeanwhile as exc:
            form.add_error(None, exc.explain())
        except ValidationError as exc:
            errors_on_form(form, exc)
        else:
            messages.success(request, _("%(name)s was taken off the list.") % {"name": teen.person.full_name})
            return redirect("teens:detail", pk=teen.pk)
    return render(request, "teens/remove.html", {"form": form, "teen": teen})


@login_required
@refused_as_404
def outreach_new(request, pk: int):
    """Log an outreach contact with a teenager on the list."""
    teen = teen_for(request.user, pk, action=Action.EDIT_TEENS, request=request)
    if teen.removed_on is not None:
        messages.error(request, _("This teenager was taken off the list; log no more contacts here."))
        return redirect("teens:detail", pk=teen.pk)
    form = OutreachForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            outreach_log(
                actor=request.user,
                teen_id=teen.pk,
                happened_on=d["happened_on"],
                kind=d["kind"],
                note=d["note"],
                request=request,
            )
        except ValidationError as exc:
            errors_on_form(form, exc)
        else:
            messages.success(request, _("The contact was logged."))
            return redirect("teens:detail", pk=teen.pk)
    return render(request, "teens/outreach_form.html", {"form": form, "teen": teen})
