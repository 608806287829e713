"""manage.py early_warning [--year Y --quarter Q] [--school CODE] [--today D]: raise the early-warning
flags of a quarter from the schools' registers (by default the current quarter, all schools)."""

import datetime as dt
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from safezone.directory.models import Agency
from safezone.schools.calendar import quarter_bounds, quarter_label, quarter_of
from safezone.schools.services import warnings_compute


class Command(BaseCommand):
    help = (
        "Raise the early-warning flags of a school quarter (attendance, behaviour, course failure, trend) "
        "from the schools' registers and give each new one to the school's social pedagogue. Safe to repeat: "
        "a second run over the same registers changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="school year, by the year it starts in (2025 = 2025/26)")
        parser.add_argument("--quarter", type=int, choices=(1, 2, 3, 4), help="quarter of the school year")
        parser.add_argument("--school", action="append", default=[], help="school code (repeatable; default: all)")
        parser.add_argument("--today", help="count up to this date, YYYY-MM-DD (default: today)")

    def handle(self, *args, **options):
        try:
            today = dt.date.fromisoformat(options["today"]) if options["today"] else timezone.localdate()
        except ValueError:
            raise CommandError(f"--today must be a date written YYYY-MM-DD, not {options['today']!r}") from None
        if (options["year"] is None) != (options["quarter"] is None):
            raise CommandError("give --year and --quarter together, or neither (the current quarter)")
        year, quarter = (options["year"], options["quarter"]) if options["year"] else quarter_of(today)
        if quarter_bounds(year, quarter)[0] > today:
            raise CommandError(f"{quarter_label(year, quarter)} has not started by {today}: nothing to count")
        schools = Agency.objects.filter(kind=Agency.Kind.SCHOOL)
        if options["school"]:
            schools = schools.filter(code__in=options["school"])
            unknown = sorted(set(options["school"]) - set(schools.values_list("code", flat=True)))
            if unknown:
                raise CommandError(f"no school with the code {', '.join(unknown)}")
        ids = list(schools.values_list("pk", flat=True))
        self.stdout.write(f"early warning {quarter_label(year, quarter)} up to {today}: {len(ids)} schools")
        disable = options["verbosity"] == 0 or not ids
        with tqdm(total=len(ids), unit="school", file=sys.stderr, disable=disable, desc="early warning") as bar:

            def progress(school, counts):
                bar.set_postfix(pupils=counts["pupils"], raised=counts["raised"])
                bar.update()
                if options["verbosity"] > 1:
                    self.stdout.write(f"  {school.code}: {counts['pupils']} pupils so far")

            counts = warnings_compute(year=year, quarter=quarter, school_ids=ids, today=today, progress=progress)
        for key in ("schools", "pupils", "raised", "updated", "worse", "unassigned"):
            self.stdout.write(f"{key}: {counts[key]}")
        for key in sorted(k for k in counts if k.startswith("raised:")):
            self.stdout.write(f"  {key[len('raised:') :].replace(':', ' ')}: {counts[key]}")
        if counts["unassigned"]:
            self.stderr.write("some flags have no social pedagogue to go to: give the school one (a membership)")
