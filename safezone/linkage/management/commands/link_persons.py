"""manage.py link_persons [--retrain] [--backend duckdb|spark]: batch linkage of the register onto the review queue."""

from django.core.management.base import BaseCommand, CommandError

from safezone.linkage.model import BACKENDS
from safezone.linkage.services import RunRefused, linkage_run_here


class Command(BaseCommand):
    help = (
        "Find person records that may be one person (Splink) and put the pairs at or above "
        "SAFEZONE_LINKAGE_REVIEW_THRESHOLD on the data steward's review queue. Trains and saves the model "
        "(SAFEZONE_LINKAGE_MODEL) when there is none, or with --retrain. Pairs decided before keep their decision. "
        "The run is recorded and shows on the steward's runs page like one started there."
    )

    def add_arguments(self, parser):
        parser.add_argument("--retrain", action="store_true", help="train the model afresh on the register")
        parser.add_argument(
            "--backend", choices=BACKENDS, default=None, help="engine (default: SAFEZONE_LINKAGE_BACKEND, duckdb)"
        )

    def handle(self, *args, **options):
        try:
            run = linkage_run_here(
                retrain=options["retrain"], backend=options["backend"], echo=lambda line: self.stderr.write(line)
            )
        except RunRefused as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{run.persons} persons, {run.pairs} pairs, {run.new} new on the queue")
