"""Feeds API for school information systems: send the roll, the daily register, attendance totals,
discipline or quarter marks as a JSON list of rows or as a CSV/XLSX file.

    POST /api/schools/feeds/<type>/            import it whole (all or nothing), or refuse it whole
    POST /api/schools/feeds/<type>/?dry_run=1  check it and count what it would change; change nothing

Each call runs the one import pipeline (`safezone.imports`), so it keeps the pipeline's promises: a
report of every problem by row and column, atomic, repeatable (the same rows twice change nothing),
one audit event per attempt. Who may send which school's rows is the import type's rule (the same
as on the web import page): staff, or a user whose membership in that school allows sending its
registers; each school named is decided and recorded once through `access`.
"""

import csv
import tempfile
from pathlib import Path

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from safezone.access.policy import Action, Purpose
from safezone.access.selectors import Decision
from safezone.access.services import AccessDenied, enforce
from safezone.imports.schools import SchoolFeed
from safezone.imports.services import ImportResult, import_run
from safezone.imports.types import import_types

# A JSON list longer than this is refused: send a file (it streams; a JSON body is held in memory).
MAX_JSON_ROWS = 50_000


def feed_types() -> dict[str, type[SchoolFeed]]:
    """The school feeds by name."""
    return {name: cls for name, cls in import_types().items() if issubclass(cls, SchoolFeed)}


class ProblemSerializer(serializers.Serializer):
    row = serializers.IntegerField(
        allow_null=True,
        help_text="The row of the file as a spreadsheet numbers it (the header is row 1), or the item's "
        "position in a JSON list counting from 1; null: the whole file or request",
    )
    field = serializers.CharField(help_text="The column (its header in the file, or its name); empty: the whole row")
    message = serializers.CharField(help_text="What is wrong, in the caller's language")


class FeedReportSerializer(serializers.Serializer):
    type = serializers.CharField(source="type_name")
    file = serializers.CharField(source="file_name")
    sha256 = serializers.CharField(help_text="Of the file received (of the CSV made of a JSON list)")
    dry_run = serializers.BooleanField()
    status = serializers.ChoiceField(
        choices=[("checked", "checked"), ("done", "done"), ("refused", "refused")],
        help_text="checked: a dry run found nothing wrong; done: imported; refused: nothing was imported",
    )
    rows = serializers.IntegerField(help_text="Rows read (blank rows are skipped)")
    created = serializers.IntegerField(source="counts.created", default=0)
    updated = serializers.IntegerField(source="counts.updated", default=0)
    unchanged = serializers.IntegerField(source="counts.unchanged", default=0)
    problem_count = serializers.IntegerField(help_text="All problems found; `problems` lists the first 1,000")
    problems = ProblemSerializer(many=True)


class FeedFileSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV (UTF-8 or Windows-1251, ; or ,) or XLSX, headers in Russian or English")


ROWS_EXAMPLE = [
    {"school": "school-1", "pupil": "101", "date": "2025-09-01", "status": "p"},
    {"school": "school-1", "pupil": "101", "date": "02.09.2025", "status": "н"},
]


def _cell(value, position: int, column: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValidationError(
            {"rows": [_("item %(n)d, “%(column)s”: give text or a number") % {"n": position, "column": column}]}
        )
    # A line break inside a cell would move the rows' numbers; every parser folds whitespace anyway.
    return " ".join(str(value).splitlines())


def _rows_file(kind: type[SchoolFeed], rows, folder: Path) -> Path:
    """The JSON list as a CSV file with the columns by their names, for the pipeline."""
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise ValidationError({"rows": [_("Send a JSON list of rows, each an object of column names and values.")]})
    if len(rows) > MAX_JSON_ROWS:
        raise ValidationError(
            {"rows": [_("At most %(max)d rows in one JSON list: send a file instead.") % {"max": MAX_JSON_ROWS}]}
        )
    present = {key for row in rows for key in row}
    names = [c.name for c in kind.columns if c.name in present]
    path = folder / f"{kind.name}.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(names)
        for position, row in enumerate(rows, start=1):
            writer.writerow([_cell(row.get(name), position, name) for name in names])
    return path


def _report(result: ImportResult, from_json: bool) -> dict:
    if from_json:
        # A CSV line of the list is the item's position + 1 (the header is line 1); the header's own
        # problems (a required column missing) are about the whole request.
        for problem in result.problems:
            problem.row = problem.row - 1 if problem.row is not None and problem.row > 1 else None
    return FeedReportSerializer(result).data


@extend_schema(
    summary="Send a school's register: the roll, daily attendance, attendance totals, discipline or quarter marks",
    description=(
        "Rows as a JSON list of objects (keys are the columns' names: `manage.py import --list` or the "
        "import page list them) or a CSV/XLSX file in the field `file`. Refused whole (400, with the report) "
        "if any row is wrong; the same rows twice change nothing. A pupil is named by the school's agency "
        "code and the school's own pupil number; a school's rows are accepted from staff and from users whose "
        "membership in that school lets them send its registers."
    ),
    parameters=[
        OpenApiParameter(
            "type_name", OpenApiTypes.STR, OpenApiParameter.PATH, enum=sorted(feed_types()), description="The feed"
        ),
        OpenApiParameter(
            "dry_run", OpenApiTypes.BOOL, description="1: check and count only; nothing is changed", required=False
        ),
    ],
    request={
        "application/json": {"type": "array", "items": {"type": "object", "additionalProperties": True}},
        "multipart/form-data": FeedFileSerializer,
    },
    responses={
        200: FeedReportSerializer,
        400: OpenApiResponse(FeedReportSerializer, description="Refused: nothing was imported; the report says why"),
        403: OpenApiResponse(description="The caller may not send any school's registers"),
        404: OpenApiResponse(description="No such feed"),
    },
    examples=[OpenApiExample("attendance rows", value=ROWS_EXAMPLE, request_only=True, media_type="application/json")],
)
class SchoolFeedView(APIView):
    """One school feed: a JSON list of rows or a file, imported whole or refused whole."""

    parser_classes = [JSONParser, MultiPartParser]

    def post(self, request, type_name: str):
        kind = feed_types().get(type_name)
        if kind is None:
            raise NotFound(_("There is no import type “%(name)s”.") % {"name": type_name})
        if not kind.may_run(request.user):
            try:
                enforce(
                    Decision(False, "no-school-to-send-for"),
                    user=request.user,
                    action=Action.IMPORT_SCHOOL,
                    purpose=Purpose.SCHOOL_SUPPORT,
                    object_type="import",
                    object_id=type_name,
                    request=request,
                    extra={"api": True},
                )
            except AccessDenied:
                raise PermissionDenied(_("Your roles do not let you send a school's registers.")) from None
        dry_run = request.query_params.get("dry_run", "").lower() in ("1", "true", "yes")
        upload = request.FILES.get("file")
        with tempfile.TemporaryDirectory(prefix="safezone-feed-") as folder:
            if upload is not None:
                if hasattr(upload, "temporary_file_path"):
                    path = Path(upload.temporary_file_path())
                else:
                    path = Path(folder) / "upload"
                    with path.open("wb") as out:
                        for chunk in upload.chunks():
                            out.write(chunk)
                file_name = upload.name[:200]
            else:
                path = _rows_file(kind, request.data, Path(folder))
                file_name = _("%(type)s rows sent as JSON") % {"type": type_name}
            result = import_run(
                type_name=type_name,
                path=path,
                file_name=file_name,
                dry_run=dry_run,
                actor=request.user,
                request=request,
            )
        body = _report(result, from_json=upload is None)
        return Response(body, status=status.HTTP_400_BAD_REQUEST if result.refused else status.HTTP_200_OK)
