"""`manage.py report quarterly 2026Q1 --out FILE.pdf`: the governor's quarterly report as a PDF."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from safezone.access.policy import Action, Purpose
from safezone.audit.services import audit_record
from safezone.stats.report import NotAQuarter, quarter_of, report_write


class Command(BaseCommand):
    help = "Make the governor's quarterly report (PDF, in Russian) for a quarter such as 2026Q1."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["quarterly"], help="the kind of report (only quarterly so far)")
        parser.add_argument("period", help="the quarter, written 2026Q1")
        parser.add_argument("--out", help="the PDF file to write (default: governor-report-<quarter>.pdf)")

    def handle(self, *args, kind, period, out=None, **options):
        try:
            quarter = quarter_of(period)
        except NotAQuarter as exc:
            raise CommandError(str(exc)) from None
        path = Path(out or f"governor-report-{quarter.code}.pdf")
        quiet = options["verbosity"] == 0

        def progress(done: int, total: int, step: str) -> None:
            if not quiet:
                self.stdout.write(f"[{done}/{total}] {step}")

        pages = report_write(quarter, path, progress=progress)
        # Made outside any session (an operator on the server): recorded as the system's.
        audit_record(
            actor=None,
            action=Action.VIEW_FIGURES,
            purpose=Purpose.STATISTICS,
            extra={"report": kind, "period": quarter.code, "pages": pages, "out": str(path)},
        )
        self.stdout.write(
            _("Wrote %(path)s: %(pages)s pages (%(quarter)s).")
            % {"path": path, "pages": pages, "quarter": quarter.label}
        )
