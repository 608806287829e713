"""manage.py load_territory [FILE]: load or refresh the region's districts and settlements."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from safezone.directory.services import TERRITORY_FILE, TerritoryDataError, territory_load_file


class Command(BaseCommand):
    help = "Load the region, its districts and settlements from a JSON file (repeatable)."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(TERRITORY_FILE), help="JSON file (default: Vologda Oblast)")

    def handle(self, *args, **options):
        try:
            result = territory_load_file(path=Path(options["file"]))
        except TerritoryDataError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"territory: {result.created} created, {result.updated} updated, {result.unchanged} unchanged"
        )
