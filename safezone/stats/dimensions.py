"""The disaggregations of the registry: each a column of the fact tables with its options.

Age bands follow the Istanbul-Convention style of reporting (children apart, then adults by
life stage); an empty option is "not known".
"""

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _

AGE_BANDS = ["0-6", "7-13", "14-17", "18-29", "30-44", "45-59", "60+"]
ADULT_BANDS = ["18-29", "30-44", "45-59", "60+"]
CHILD_BANDS = ["0-6", "7-13", "14-17"]
_BAND_STARTS = [(60, "60+"), (45, "45-59"), (30, "30-44"), (18, "18-29"), (14, "14-17"), (7, "7-13"), (0, "0-6")]


def age_band(birth_year, birth_month, birth_day, on: date) -> str:
    """The age band of a person on a day from a birth date known to the year, month or day ('' when
    the year is not known). A partial date counts the person as young as it allows."""
    if not birth_year:
        return ""
    age = on.year - birth_year
    if (on.month, on.day) < (birth_month or 12, birth_day or 31):
        age -= 1
    if age < 0:
        return ""
    for start, band in _BAND_STARTS:
        if age >= start:
            return band
    return ""


def sex_code(sex: str) -> str:
    """F or M; anything else (unknown) is ''."""
    return sex if sex in ("F", "M") else ""


@dataclass(frozen=True)
class Dimension:
    """One disaggregation: its code (a fact column), its name and how to name an option."""

    code: str
    name: str
    column: str


DIMENSIONS = {
    d.code: d
    for d in [
        Dimension("district", _("district"), "district_id"),
        Dimension("sex", _("sex"), "sex"),
        Dimension("age_band", _("age band"), "age_band"),
        Dimension("perpetrator_sex", _("sex of the alleged perpetrator"), "perpetrator_sex"),
        Dimension("perpetrator_age_band", _("age band of the alleged perpetrator"), "perpetrator_age_band"),
        Dimension("relationship", _("relationship of victim and alleged perpetrator"), "relationship"),
        Dimension("form", _("form of violence"), "form"),
        Dimension("agency_kind", _("type of agency"), "agency_kind"),
        Dimension("category", _("category"), "category"),
    ]
}


class UnknownDimension(ValueError):
    """A disaggregation code the registry does not have."""


def dimension(code: str) -> Dimension:
    try:
        return DIMENSIONS[code]
    except KeyError:
        raise UnknownDimension(code) from None
