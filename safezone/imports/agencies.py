"""Import type `agencies`: the directory's agencies, reference data kept by administrators."""

from collections import Counter

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safezone.directory import selectors as directory_selectors
from safezone.directory import services as directory_services
from safezone.directory.models import Agency, Territory

from . import parsers
from .types import Column, ImportType, register


@register
class AgenciesImport(ImportType):
    name = "agencies"
    label = gettext_lazy("agencies of the directory")
    key = ("code",)
    columns = (
        Column("code", "Код", "Code", parsers.code(64), required=True),
        Column("kind", "Тип", "Kind", parsers.choice(Agency.Kind.choices), required=True),
        Column("name_ru", "Название", "Name (Russian)", parsers.text(200), required=True),
        Column("name_en", "Название (англ.)", "Name (English)", parsers.text(200)),
        Column("short_name_ru", "Краткое название", "Short name (Russian)", parsers.text(80)),
        Column("short_name_en", "Краткое название (англ.)", "Short name (English)", parsers.text(80)),
        Column("district", "Район", "District", parsers.code(64), required=True),
        Column("phone", "Телефон", "Phone", parsers.text(40)),
        Column("email", "Эл. почта", "E-mail", parsers.email()),
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._territories: dict[str, Territory] | None = None

    def territories(self) -> dict[str, Territory]:
        if self._territories is None:
            self._territories = {
                code: t
                for code, t in directory_selectors.territories_by_code().items()
                if t.level in (Territory.Level.REGION, Territory.Level.DISTRICT)
            }
        return self._territories

    def check_row(self, values: dict) -> list[tuple[str, str]]:
        if values["district"] not in self.territories():
            return [
                (
                    "district",
                    _("there is no region or district with the code “%(code)s”") % {"code": values["district"]},
                )
            ]
        return []

    def write(self, rows):
        counts = Counter()
        codes = [values["code"] for _row, values in rows]
        existing = {a.code: a for a in directory_selectors.agencies().filter(code__in=codes)}
        for _row, values in rows:
            district = self.territories()[values["district"]]
            details = {
                "kind": values["kind"],
                "name_ru": values["name_ru"],
                "name_en": values["name_en"] or "",
                "short_name_ru": values["short_name_ru"] or "",
                "short_name_en": values["short_name_en"] or "",
                "district": district,
                "phone": values["phone"] or "",
                "email": values["email"] or "",
            }
            agency = existing.get(values["code"])
            if agency is None:
                served = [district] if district.level == Territory.Level.DISTRICT else []
                directory_services.agency_create(code=values["code"], districts_served=served, **details)
                counts["created"] += 1
            elif directory_services.agency_update(agency=agency, **details):
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
        return counts
