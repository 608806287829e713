"""manage.py link_persons [--retrain]: batch linkage of the register onto the review queue."""

from django.core.management.base import BaseCommand

from safezone.linkage.register import link_register


class Command(BaseCommand):
    help = (
        "Find person records that may be one person (Splink, DuckDB) and put the pairs at or above "
        "SAFEZONE_LINKAGE_REVIEW_THRESHOLD on the data steward's review queue. Trains and saves the model "
        "(SAFEZONE_LINKAGE_MODEL) when there is none, or with --retrain. Pairs decided before keep their decision."
    )

    def add_arguments(self, parser):
        parser.add_argument("--retrain", action="store_true", help="train the model afresh on the register")

    def handle(self, *args, **options):
        figures = link_register(retrain=options["retrain"], progress=lambda line: self.stderr.write(line))
        self.stdout.write(f"{figures['persons']} persons, {figures['pairs']} pairs, {figures['new']} new on the queue")
