"""manage.py seed_demo --cases N --seed S: fill an empty database with the demo region."""

import datetime as dt
import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from safezone.demo.services import DemoRefused, database_is_empty, demo_seed
from safezone.stats.projection import projection_refresh


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--today must be a date written YYYY-MM-DD, not {text!r}") from None


class Command(BaseCommand):
    help = "Fill an empty database with the demo region: agencies, staff accounts, people and cases."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=2000, help="number of cases (default 2000)")
        parser.add_argument("--seed", type=int, default=1, help="random seed: the same seed gives the same region")
        parser.add_argument("--today", help="the date the demo ends on, YYYY-MM-DD (default: today)")
        parser.add_argument("--chunk-size", type=int, default=2000, help="cases written per transaction")
        parser.add_argument("--if-empty", action="store_true", help="do nothing (and succeed) if data exists")
        parser.add_argument(
            "--school-scale",
            type=float,
            default=1.0,
            help="share of the pilot schools' pupils (default 1: about 1,600)",
        )

    def handle(self, *args, **options):
        if options["cases"] < 0 or options["chunk_size"] < 1 or options["school_scale"] <= 0:
            raise CommandError("--cases must be 0 or more, --chunk-size 1 or more and --school-scale above 0")
        if options["if_empty"] and not database_is_empty():
            self.stdout.write("demo: the database already holds data; nothing loaded")
            return
        today = _date(options["today"]) if options["today"] else timezone.localdate()
        started = time.perf_counter()
        with tqdm(
            total=options["cases"], unit="case", file=sys.stderr, disable=options["verbosity"] == 0, desc="demo cases"
        ) as bar:
            try:
                result = demo_seed(
                    cases=options["cases"],
                    seed=options["seed"],
                    today=today,
                    chunk_size=options["chunk_size"],
                    progress=bar.update,
                    school_scale=options["school_scale"],
                )
            except DemoRefused as exc:
                raise CommandError(str(exc)) from None
        self.stdout.write(
            f"demo: {result.agencies} agencies, {result.users} accounts, {result.cases} cases, "
            f"{result.persons} persons in {time.perf_counter() - started:.1f} s"
        )
        # The dashboards and the governor's report read the projection: fill it now, not at the
        # first nightly refresh.
        started = time.perf_counter()
        refreshed = projection_refresh(full=True, today=today)
        self.stdout.write(
            f"demo: figures refreshed, {sum(r.facts for r in refreshed)} facts in {time.perf_counter() - started:.1f} s"
        )
