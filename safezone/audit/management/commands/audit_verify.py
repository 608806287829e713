"""manage.py audit_verify: walk the audit chain and say whether anyone changed it."""

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from safezone.audit.models import AuditEvent
from safezone.audit.services import audit_verify


class Command(BaseCommand):
    help = "Check the audit log's hash chain; exits non-zero if an event was changed, removed or reordered."

    def handle(self, *args, **options):
        total = AuditEvent.objects.count()
        with tqdm(total=total, unit="event", disable=options["verbosity"] == 0, file=sys.stderr) as bar:
            result = audit_verify(progress=bar.update)
        if not result.ok:
            for problem in result.problems[:50]:
                self.stderr.write(problem)
            raise CommandError(f"audit chain broken: {len(result.problems)} problem(s) in {result.checked} events")
        self.stdout.write(f"audit chain intact: {result.checked} events")
