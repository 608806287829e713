"""The minutes of a meeting as a PDF (WeasyPrint), made from a template on demand, never stored."""

from django.template.loader import render_to_string
from django.utils import translation


def minutes_pdf(meeting) -> bytes:
    """The minutes of a meeting already authorised for the reader, in Russian, as PDF bytes."""
    from weasyprint import HTML

    from .selectors import agenda_of, minutes_due_on, unfinished_actions_before

    with translation.override("ru"):
        html = render_to_string(
            "meetings/minutes.html",
            {
                "meeting": meeting,
                "members": list(meeting.member_agencies.all()),
                "agenda": agenda_of(meeting),
                "carried": unfinished_actions_before(meeting),
                "due": minutes_due_on(meeting),
            },
        )
    return HTML(string=html).write_pdf()
