"""Writes to territory and agencies."""

import json
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from .models import Agency, Territory, Unit

TERRITORY_FILE = Path(__file__).parent / "data" / "vologda_oblast.json"


class TerritoryDataError(ValueError):
    """The territory file is malformed; the message names the entry and field."""


@dataclass
class TerritoryLoadResult:
    """What one load of a territory file did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


_REQUIRED = ("code", "kind", "name_ru")


def _check_entry(entry: dict, where: str, kinds: set[str]) -> None:
    for field in _REQUIRED:
        if not isinstance(entry.get(field), str) or not entry[field].strip():
            raise TerritoryDataError(
                _("%(where)s: field “%(field)s” is missing or empty") % {"where": where, "field": field}
            )
    if entry["kind"] not in kinds:
        raise TerritoryDataError(
            _("%(where)s: field “kind” has unknown value “%(value)s”") % {"where": where, "value": entry["kind"]}
        )
    population = entry.get("population")
    if population is not None and (not isinstance(population, int) or population < 0):
        raise TerritoryDataError(
            _("%(where)s: field “population” must be a whole number, not “%(value)s”")
            % {"where": where, "value": population}
        )


def _upsert(entry: dict, level: str, parent: Territory | None, result: TerritoryLoadResult) -> Territory:
    values = {
        "level": level,
        "kind": entry["kind"],
        "name_ru": entry["name_ru"].strip(),
        "name_en": (entry.get("name_en") or "").strip(),
        "parent": parent,
        "population": entry.get("population"),
    }
    territory = Territory.objects.filter(code=entry["code"]).first()
    if territory is None:
        result.created += 1
        return Territory.objects.create(code=entry["code"], **values)
    changed = [f for f, v in values.items() if getattr(territory, f) != v]
    if not changed:
        result.unchanged += 1
        return territory
    for f in changed:
        setattr(territory, f, values[f])
    territory.save()
    result.updated += 1
    return territory


def territory_load(*, data: dict) -> TerritoryLoadResult:
    """Load a region with its districts and settlements; repeatable, all or nothing.

    The whole file is checked before anything is written, so a bad entry changes nothing.
    """
    if not isinstance(data, dict) or not isinstance(data.get("region"), dict):
        raise TerritoryDataError(_("the file has no “region” entry"))
    district_kinds = {Territory.Kind.CITY_DISTRICT, Territory.Kind.MUNICIPAL_DISTRICT}
    settlement_kinds = {Territory.Kind.CITY, Territory.Kind.TOWN, Territory.Kind.SETTLEMENT, Territory.Kind.VILLAGE}
    _check_entry(data["region"], _("region"), {Territory.Kind.OBLAST})
    districts = data.get("districts") or []
    codes = {data["region"]["code"]}
    for i, district in enumerate(districts, start=1):
        where = _("district %(n)d") % {"n": i}
        _check_entry(district, where, district_kinds)
        if district["code"] in codes:
            raise TerritoryDataError(
                _("%(where)s: code “%(code)s” is used twice") % {"where": where, "code": district["code"]}
            )
        codes.add(district["code"])
        for j, settlement in enumerate(district.get("settlements") or [], start=1):
            swhere = _("district %(n)d, settlement %(m)d") % {"n": i, "m": j}
            _check_entry(settlement, swhere, settlement_kinds)
            if settlement["code"] in codes:
                raise TerritoryDataError(
                    _("%(where)s: code “%(code)s” is used twice") % {"where": swhere, "code": settlement["code"]}
                )
            codes.add(settlement["code"])

    result = TerritoryLoadResult()
    with transaction.atomic():
        region = _upsert(data["region"], Territory.Level.REGION, None, result)
        for district in districts:
            d = _upsert(district, Territory.Level.DISTRICT, region, result)
            for settlement in district.get("settlements") or []:
                _upsert(settlement, Territory.Level.SETTLEMENT, d, result)
    return result


def territory_load_file(*, path: Path = TERRITORY_FILE) -> TerritoryLoadResult:
    """Load a territory JSON file (by default the bundled Vologda Oblast)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TerritoryDataError(_("file not found: %(path)s") % {"path": path}) from None
    except json.JSONDecodeError as exc:
        raise TerritoryDataError(
            _("%(path)s is not valid JSON (line %(line)d, column %(col)d)")
            % {"path": path, "line": exc.lineno, "col": exc.colno}
        ) from None
    return territory_load(data=data)


def agency_create(
    *,
    code: str,
    kind: str,
    name_ru: str,
    name_en: str,
    district: Territory,
    districts_served: list[Territory],
    short_name_ru: str = "",
    short_name_en: str = "",
    phone: str = "",
    email: str = "",
) -> Agency:
    """Register an agency and the districts it serves."""
    agency = Agency.objects.create(
        code=code,
        kind=kind,
        name_ru=name_ru,
        name_en=name_en,
        district=district,
        short_name_ru=short_name_ru,
        short_name_en=short_name_en,
        phone=phone,
        email=email,
    )
    agency.districts_served.set(districts_served)
    return agency


def unit_create(*, agency: Agency, code: str, name_ru: str, name_en: str = "") -> Unit:
    """Add a team or department to an agency (repeatable: an existing unit keeps its key)."""
    unit, _ = Unit.objects.update_or_create(agency=agency, code=code, defaults={"name_ru": name_ru, "name_en": name_en})
    return unit


def facility_create(
    *,
    agency,
    kind: str,
    district,
    places: int,
    name_ru: str,
    name_en: str,
    address: str = "",
    counts: str = "places",
):
    """Register a facility of an agency with its places: a shelter, group programme, day-care group or
    a module of a rehabilitation centre. `counts` says what one place is: a place, a family or a child
    (30 families in the self-help groups, 100 children in the street service)."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from .models import Facility

    if places < 1:
        raise ValidationError({"places": _("A facility has at least one place.")})
    if counts not in Facility.Counts.values:
        raise ValidationError({"counts": _("Choose what one place is: a place, a family or a child.")})
    facility = Facility(
        agency=agency,
        kind=kind,
        district=district,
        places=places,
        counts=counts,
        name_ru=name_ru,
        name_en=name_en,
        address=address,
    )
    facility.full_clean()
    facility.save()
    return facility


AGENCY_UPDATABLE = ("kind", "name_ru", "name_en", "short_name_ru", "short_name_en", "district", "phone", "email")


def agency_update(*, agency: Agency, **values) -> list[str]:
    """Change an agency's details (those in AGENCY_UPDATABLE); returns the fields that changed.

    Nothing is saved when nothing changed, so a repeated import adds no history rows.
    """
    unknown = set(values) - set(AGENCY_UPDATABLE)
    if unknown:
        raise TypeError(f"agency_update cannot change {sorted(unknown)}")
    changed = [name for name, value in values.items() if getattr(agency, name) != value]
    if changed:
        for name in changed:
            setattr(agency, name, values[name])
        agency.save(update_fields=[*changed])
    return changed
