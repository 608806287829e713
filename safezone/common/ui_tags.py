"""Template filters that dress Django form fields in Bootstrap classes (`{% load ui %}`)."""

from django import forms, template

register = template.Library()


@register.filter
def widget_kind(field) -> str:
    """checkbox, multicheck (radio buttons or check boxes), select, hidden or input: which layout a field needs."""
    widget = field.field.widget
    if isinstance(widget, forms.RadioSelect):  # CheckboxSelectMultiple is one too
        return "multicheck"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.HiddenInput):
        return "hidden"
    if isinstance(widget, forms.Select):
        return "select"
    return "input"


@register.filter
def bs(field):
    """The field's widget with Bootstrap's class, marked invalid and linked to its help text."""
    kind = widget_kind(field)
    css = {"checkbox": "form-check-input", "select": "form-select"}.get(kind, "form-control")
    attrs = {"class": css + (" is-invalid" if field.errors else "")}
    described = []
    if field.help_text:
        described.append(f"{field.id_for_label}_help")
    if field.errors:
        attrs["aria-invalid"] = "true"
        described.append(f"{field.id_for_label}_errors")
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return field.as_widget(attrs=attrs)
