"""manage.py link_files LEFT.csv [RIGHT.csv] --out PAIRS.csv --clusters CLUSTERS.csv"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from safezone.linkage.files import link_files, write
from safezone.linkage.model import BACKENDS
from safezone.linkage.prepare import COLUMNS, BadInput


class Command(BaseCommand):
    help = (
        "Find the same person within one extract (deduplication) or between two. Input: UTF-8 CSV with a "
        f"header of {', '.join(COLUMNS)}; birth_date is YYYY, YYYY-MM or YYYY-MM-DD; any field but id may be "
        "empty. Writes PAIRS (left_id, right_id, match_probability) and CLUSTERS (id, cluster_id for every row). "
        "Uses the saved model when there is one, else trains one on the input. Needs no database."
    )
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("left", type=Path)
        parser.add_argument("right", type=Path, nargs="?")
        parser.add_argument("--out", type=Path, required=True, help="pairs file to write")
        parser.add_argument("--clusters", type=Path, required=True, help="clusters file to write")
        parser.add_argument("--model", type=Path, default=None, help="saved model (default: SAFEZONE_LINKAGE_MODEL)")
        parser.add_argument("--threshold", type=float, default=0.5, help="match probability of a pair (default 0.5)")
        parser.add_argument(
            "--backend",
            choices=BACKENDS,
            default=None,
            help="engine: duckdb (default: SAFEZONE_LINKAGE_BACKEND) or spark (local, or SAFEZONE_SPARK_MASTER)",
        )

    def handle(self, *args, **options):
        for path in filter(None, (options["left"], options["right"])):
            if not path.is_file():
                raise CommandError(f"{path}: no such file")
        if not 0 < options["threshold"] < 1:
            raise CommandError("--threshold must be between 0 and 1")
        try:
            linked = link_files(
                options["left"],
                options["right"],
                model_path=options["model"] or settings.SAFEZONE_LINKAGE_MODEL,
                threshold=options["threshold"],
                backend=options["backend"] or settings.SAFEZONE_LINKAGE_BACKEND,
                progress=lambda line: self.stderr.write(line),
            )
        except BadInput as exc:
            raise CommandError(f"nothing written: {exc}") from None
        except ValueError as exc:  # a saved model of another version, or not a model at all
            raise CommandError(f"nothing written: {exc}") from None
        write(linked.pairs, options["out"])
        write(linked.clusters, options["clusters"])
        self.stdout.write(
            f"{len(linked.pairs)} pairs -> {options['out']}; {len(linked.clusters)} rows -> {options['clusters']}"
        )
