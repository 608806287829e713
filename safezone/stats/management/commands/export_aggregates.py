"""`manage.py export_aggregates --period 2026Q1 --format dhis2|adx|csv --out FILE [--dry-run]
[--data-set CODE] [--receiver NAME [--allow-unmapped]]`: the standard data sets for a period,
disclosure-controlled, written whole or not at all."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from safezone.access.policy import Action, Purpose
from safezone.audit.services import audit_record
from safezone.stats.exports import (
    FORMATS,
    ExportError,
    export_build,
    export_extra,
    export_render,
    file_write_atomic,
    format_chosen,
    suppressed_lines,
)
from safezone.stats.periods import BadPeriod, parse_period


class Command(BaseCommand):
    help = "Export aggregate figures (disclosure-controlled) as DHIS2 dataValueSets JSON, ADX XML or open-data CSV."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="202601 (month), 2026Q1, 2026W05 or 2026")
        parser.add_argument("--format", required=True, dest="fmt", help="one of: " + ", ".join(FORMATS))
        parser.add_argument("--out", help="the file to write (not needed with --dry-run)")
        parser.add_argument("--dry-run", action="store_true", help="write nothing; show what would be exported")
        parser.add_argument("--data-set", default="", help="one data set (all when not given)")
        parser.add_argument("--receiver", default="", help="write the codes of this receiving system")
        parser.add_argument("--allow-unmapped", action="store_true", help="write our code where a mapping is missing")

    def handle(self, *args, period, fmt, out=None, dry_run=False, data_set="", receiver="", allow_unmapped=False, **o):
        try:
            chosen = parse_period(period)
            fmt = format_chosen(fmt)
        except (BadPeriod, ExportError) as exc:
            raise CommandError(str(exc)) from None
        if not out and not dry_run:
            raise CommandError(_("Give the file to write (--out), or --dry-run."))
        try:
            export = export_build(chosen, data_set=data_set or None, receiver=receiver, allow_unmapped=allow_unmapped)
        except ExportError as exc:
            raise CommandError(str(exc)) from None
        text = export_render(export, fmt)
        audit_record(
            actor=None,
            action=Action.EXPORT_AGGREGATES,
            purpose=Purpose.STATISTICS,
            decision="allow",
            rule="command-line",
            extra=export_extra(export, fmt, dry_run=dry_run),
        )
        for row in export.per_element():
            self.stdout.write(f"{row['data_set']}\t{row['data_element']}\t{row['values']}\t{row['suppressed']}")
        if export.unmapped:
            self.stdout.write(
                _("Written with our codes (no mapping): %(codes)s")
                % {"codes": ", ".join(f"{kind}:{ours}" for kind, ours in export.unmapped)}
            )
        if dry_run:
            self.stdout.write(_("Suppressed figures (data element, organisation unit, combination, reason):"))
            for line in suppressed_lines(export):
                self.stdout.write(line)
            self.stdout.write(
                ngettext(
                    "Dry run: %(values)s value and %(suppressed)s suppressed figures; nothing written.",
                    "Dry run: %(values)s values and %(suppressed)s suppressed figures; nothing written.",
                    len(export.values),
                )
                % {"values": len(export.values), "suppressed": len(export.suppressed)}
            )
            return
        file_write_atomic(out, text)
        self.stdout.write(
            ngettext(
                "%(values)s value written to %(file)s; %(suppressed)s suppressed figures left out.",
                "%(values)s values written to %(file)s; %(suppressed)s suppressed figures left out.",
                len(export.values),
            )
            % {"values": len(export.values), "file": out, "suppressed": len(export.suppressed)}
        )
