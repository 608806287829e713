"""manage.py import TYPE FILE [--dry-run]; manage.py import --list."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from tqdm import tqdm

from safezone.imports.services import UnknownImportType, import_run
from safezone.imports.types import import_types


class Command(BaseCommand):
    help = "Import a CSV or XLSX file of one import type (all or nothing, repeatable); --list shows the types."

    def add_arguments(self, parser):
        parser.add_argument("type", nargs="?", help="import type (see --list)")
        parser.add_argument("file", nargs="?", help="CSV or XLSX file")
        parser.add_argument("--dry-run", action="store_true", help="check and report only; change nothing")
        parser.add_argument("--list", action="store_true", help="list the import types and their columns")

    def handle(self, *args, **options):
        if options["list"]:
            self._list()
            return
        if not options["type"] or not options["file"]:
            raise CommandError(_("Give an import type and a file, or --list."))
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("File not found: %(path)s") % {"path": path})
        try:
            result = import_run(
                type_name=options["type"],
                path=path,
                dry_run=options["dry_run"],
                progress=lambda description: tqdm(desc=description, unit=" rows", file=sys.stderr),
            )
        except UnknownImportType as exc:
            raise CommandError(str(exc)) from None
        for problem in result.problems:
            where = _("row %(row)d") % {"row": problem.row} if problem.row else _("file")
            column = f", {problem.field}" if problem.field else ""
            self.stdout.write(f"{where}{column}: {problem.message}")
        if result.problem_count > len(result.problems):
            more = result.problem_count - len(result.problems)
            self.stdout.write(
                ngettext("… and %(more)d more problem", "… and %(more)d more problems", more) % {"more": more}
            )
        counts = _("rows: %(rows)d, created: %(created)d, updated: %(updated)d, unchanged: %(unchanged)d") % {
            "rows": result.rows,
            "created": result.counts.get("created", 0),
            "updated": result.counts.get("updated", 0),
            "unchanged": result.counts.get("unchanged", 0),
        }
        self.stdout.write(counts)
        if result.refused:
            raise CommandError(
                ngettext(
                    "%(file)s refused: %(count)d problem; nothing was imported.",
                    "%(file)s refused: %(count)d problems; nothing was imported.",
                    result.problem_count,
                )
                % {"file": result.file_name, "count": result.problem_count}
            )
        if result.dry_run:
            self.stdout.write(_("Dry run: the file can be imported; nothing was changed."))
        else:
            self.stdout.write(_("Imported %(file)s.") % {"file": result.file_name})

    def _list(self):
        for name, cls in import_types().items():
            self.stdout.write(f"{name}: {cls.label}")
            for column in cls.columns:
                mark = _("required") if column.required else _("optional")
                key = f", {_('key')}" if column.name in cls.key else ""
                self.stdout.write(f"  {column.name} ({column.header_ru} / {column.header_en}) — {mark}{key}")
