"""manage.py apply_retention [--dry-run]: anonymise or delete closed cases whose retention period ran out."""

import datetime as dt
import sys

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from safezone.cases.selectors import retention_due
from safezone.cases.services import retention_apply


class Command(BaseCommand):
    help = (
        "Apply the retention schedule (SAFEZONE_RETENTION) to closed cases: anonymise or delete those whose "
        "period after closure has run out. --dry-run reports what it would do and changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="report what would be done; change nothing")
        parser.add_argument("--today", help="the date to count from, YYYY-MM-DD (default: today)")
        parser.add_argument("--show", type=int, default=20, help="how many case numbers to list per action")

    def handle(self, *args, **options):
        try:
            today = dt.date.fromisoformat(options["today"]) if options["today"] else timezone.localdate()
        except ValueError:
            raise CommandError(f"--today must be a date written YYYY-MM-DD, not {options['today']!r}") from None
        schedule = settings.SAFEZONE_RETENTION
        for kind, rule in sorted(schedule.items()):
            self.stdout.write(f"schedule: {kind}: {rule['action']} {rule['years']} years after closure")
        try:
            if options["dry_run"]:
                report = retention_apply(today=today, schedule=schedule, dry_run=True)
            else:
                due = retention_due(today, schedule)
                total = len(due["anonymise"]) + len(due["delete"])
                disable = options["verbosity"] == 0 or total == 0
                with tqdm(total=total, unit="case", file=sys.stderr, disable=disable, desc="retention") as bar:
                    report = retention_apply(today=today, schedule=schedule, dry_run=False, progress=bar.update)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        verb = "would" if report.dry_run else "did"
        for action, ids in (("anonymise", report.anonymised), ("delete", report.deleted)):
            shown = ", ".join(f"#{pk}" for pk in ids[: options["show"]])
            more = f" and {len(ids) - options['show']} more" if len(ids) > options["show"] else ""
            self.stdout.write(f"{verb} {action}: {len(ids)} cases{': ' + shown + more if ids else ''}")
        if not report.dry_run:
            self.stdout.write(f"persons forgotten (in no case any more): {report.persons_forgotten}")
        elif report.anonymised or report.deleted:
            self.stdout.write("dry run: nothing changed; run without --dry-run to apply")
