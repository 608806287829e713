"""`manage.py stats_refresh [--full]`: bring the pseudonymised projection up to date."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from tqdm import tqdm

from safezone.stats.projection import projection_refresh


class Command(BaseCommand):
    help = "Refresh the statistics projection: the cases and contacts changed since the last run, or all (--full)."

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="rebuild every domain from scratch (nightly)")
        parser.add_argument("--quiet-progress", action="store_true", help="no progress bar")

    def handle(self, *args, full=False, quiet_progress=False, **options):
        bars = {}

        def progress(domain, done, total):
            if quiet_progress:
                return
            bar = bars.get(domain)
            if bar is None:
                bar = bars[domain] = tqdm(total=total, desc=str(domain), unit="unit", file=self.stderr)
            bar.n = done
            bar.refresh()

        for refresh in projection_refresh(full=full, progress=progress):
            self.stdout.write(
                _("%(domain)s: %(units)s units, %(facts)s facts in %(seconds).1f s (%(how)s)")
                % {
                    "domain": refresh.domain,
                    "units": refresh.units,
                    "facts": refresh.facts,
                    "seconds": refresh.seconds,
                    "how": _("full") if refresh.full else _("changes only"),
                }
            )
        for bar in bars.values():
            bar.close()
