"""Records as linkage reads them: the input columns, plus the folded keys the model compares.

One row in, one row out. Input columns (link_files and the register alike): `id, surname,
first_name, patronymic, sex, birth_date, snils, address, district`; any but `id` may be empty;
`birth_date` is `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
"""

import re

import pandas as pd

from safezone.people.names import consonants, given_name_keys, patronymic_keys, skeleton, surname_key, words

COLUMNS = ["id", "surname", "first_name", "patronymic", "sex", "birth_date", "snils", "address", "district"]
_DATE = re.compile(r"^\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?\s*$")
_SEX = {"f": "F", "ж": "F", "female": "F", "m": "M", "м": "M", "male": "M"}


class BadInput(ValueError):
    """A row of an input file that cannot be read; the message names the row and the field."""


def _surname(text: str) -> tuple[str | None, str | None, str | None]:
    found = words(text)
    if not found:
        return None, None, None
    key = "-".join(surname_key(w)[0] for w in found)
    # The first word as spelled (not gender-folded): a surname written in the first-name field meets it.
    return key, consonants(surname_key(found[0])[0]), skeleton(found[0])


def _given(text: str) -> tuple[str | None, str | None]:
    found = words(text)
    if not found:
        return None, None
    keys = given_name_keys(found[0])
    # The full form of a short name (Аня -> анна), else the name itself: what two records of one person share.
    return keys[0], keys[-1] if len(keys) > 1 else keys[0]


def _date(text: str, row: int) -> tuple[int | None, int | None, int | None]:
    if not text or not str(text).strip():
        return None, None, None
    match = _DATE.match(str(text))
    if not match:
        raise BadInput(f"row {row}: birth_date {text!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = (int(g) if g else None for g in match.groups())
    if (month is not None and not 1 <= month <= 12) or (day is not None and not 1 <= day <= 31):
        raise BadInput(f"row {row}: birth_date {text!r} is not a date")
    return year, month, day


# What kind of street or place a word is, and the house and flat markers (ул., улица, д., кв., пр-т,
# г., с., дер. ...), as name keys: agencies write them or leave them out, short or in full, so they
# say nothing about whether two addresses are one. "Набережная" stays: it is also a street's name.
_ADDRESS_MARKERS = frozenset(
    "ul ulica d dom kv kvartira pr t prospekt per pereulok nab pl korp k str g gorod s selo der derevnia "
    "pos poselok mkr w wose b r bulvar proezd tupik".split()
)


def _address(text: str) -> str | None:
    """The address's words as name keys (markers left out), then its numbers: "ул. Мира, д. 5, кв. 2"
    and "ulitsa Mira 5-2" both give "mira 5 2"."""
    found = [key for key in (skeleton(w) for w in words(text)) if key not in _ADDRESS_MARKERS]
    return " ".join(found + re.findall(r"\d+", text or "")) or None


def prepare(frame: pd.DataFrame, *, first_row: int = 2) -> pd.DataFrame:
    """The linkage columns of each input row (row numbers in messages count from `first_row`,
    the line after a CSV header)."""
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise BadInput(f"missing column(s): {', '.join(missing)}")
    out = []
    seen = set()
    for n, rec in enumerate(frame[COLUMNS].fillna("").astype(str).itertuples(index=False), start=first_row):
        if not rec.id.strip():
            raise BadInput(f"row {n}: id is empty")
        if rec.id in seen:
            raise BadInput(f"row {n}: id {rec.id!r} appears twice")
        seen.add(rec.id)
        sn, sn_cons, sn_raw = _surname(rec.surname)
        fn, fn_full = _given(rec.first_name)
        pn = patronymic_keys(words(rec.patronymic)[0])[0] if words(rec.patronymic) else None
        year, month, day = _date(rec.birth_date, n)
        snils = re.sub(r"\D", "", rec.snils) or None
        out.append(
            {
                "unique_id": rec.id,
                "sn": sn,
                "sn_cons": sn_cons,
                "sn_raw": sn_raw,
                "fn": fn,
                "fn_full": fn_full,
                "fn_initial": fn_full[:1] if fn_full else None,
                "pn": pn,
                "sex": _SEX.get(rec.sex.strip().lower()),
                "birth_y": year,
                "birth_m": month,
                "birth_d": day,
                "dob": f"{year:04d}-{month:02d}-{day:02d}" if day else None,
                "snils": snils,
                "addr": _address(rec.address),
                "district": rec.district.strip().lower() or None,
            }
        )
    prepared = pd.DataFrame(out)
    for col in ("birth_y", "birth_m", "birth_d"):
        prepared[col] = prepared[col].astype("Int64")
    return prepared
