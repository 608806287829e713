"""Batch linkage over the register: every person record (merged ones aside) through the model,
pairs above the review threshold onto the steward's queue."""

import pandas as pd
from django.conf import settings

from safezone.people.models import Identifier, Person

from . import model
from .models import LinkageRun
from .prepare import prepare
from .services import pairs_auto_merge, pairs_record

CHUNK = 50_000
READ, TRAINED, PREDICTED = LinkageRun.READ, LinkageRun.TRAINED, LinkageRun.PREDICTED


def _say(line: str, fraction: float | None = None) -> None:
    print(line)


def register_frame(progress=_say) -> pd.DataFrame:
    """The register's persons as linkage input rows.

    A system read, not a selector with a user and a purpose: no one sees these rows; what a
    person sees of the pairs found goes through `linkage.selectors` (access, audit).
    """
    snils = dict(Identifier.objects.filter(kind="snils").values_list("person_id", "value"))
    total = Person.objects.filter(merged_into__isnull=True).count() or 1
    rows, last = [], 0
    while True:
        chunk = list(
            Person.objects.filter(pk__gt=last, merged_into__isnull=True)
            .order_by("pk")
            .values_list(
                "pk", "surname", "first_name", "patronymic", "sex", "birth_year", "birth_month", "birth_day",
                "district__code",
            )[:CHUNK]
        )  # fmt: skip
        if not chunk:
            break
        last = chunk[-1][0]
        for pk, surname, first, patronymic, sex, year, month, day, district in chunk:
            birth = (
                ""
                if year is None
                else f"{year:04d}" + (f"-{month:02d}" if month else "") + (f"-{day:02d}" if day else "")
            )
            rows.append(
                {
                    "id": str(pk),
                    "surname": surname,
                    "first_name": first,
                    "patronymic": patronymic,
                    "sex": sex if sex in ("F", "M") else "",
                    "birth_date": birth,
                    "snils": snils.get(pk, ""),
                    "address": "",
                    "district": district or "",
                }
            )
        progress(f"{len(rows)} of {total} persons read", READ * len(rows) / total)
    return pd.DataFrame(
        rows, columns=["id", "surname", "first_name", "patronymic", "sex", "birth_date", "snils", "address", "district"]
    )


def link_register(*, retrain: bool = False, backend: str | None = None, progress=_say) -> dict:
    """Link the register with the saved model (trained and saved first when there is none, or when
    asked); put the pairs on the review queue. `progress(line, fraction)` hears of each step.
    Returns figures for the caller to print."""
    backend = backend or settings.SAFEZONE_LINKAGE_BACKEND
    frame = prepare(register_frame(progress))
    path = settings.SAFEZONE_LINKAGE_MODEL
    if retrain or not path.exists():
        progress(f"training the model on {len(frame)} persons ({backend})", READ)
        trained = model.train([frame], backend=backend)
        path.parent.mkdir(parents=True, exist_ok=True)
        model.save(trained, path)
        linker, version = trained.linker, trained.version
        progress(f"model trained in {trained.seconds:.1f} s and saved to {path}", TRAINED)
    else:
        linker, version = model.load([frame], path, backend=backend), model.MODEL_VERSION
        progress(f"model {path} loaded; scoring pairs ({backend})", TRAINED)
    pairs, _ = model.predict(linker, settings.SAFEZONE_LINKAGE_REVIEW_THRESHOLD)
    found = [
        (int(a), int(b), float(p))
        for a, b, p in zip(pairs["unique_id_l"], pairs["unique_id_r"], pairs["match_probability"])
    ]
    progress(f"{len(found)} pairs at or above {settings.SAFEZONE_LINKAGE_REVIEW_THRESHOLD}", PREDICTED)
    new = pairs_record(found, model_version=version)
    progress(f"{new} new pairs on the review queue", None)
    merged = 0
    if settings.SAFEZONE_LINKAGE_AUTO_MERGE_THRESHOLD is not None:
        merged = pairs_auto_merge(settings.SAFEZONE_LINKAGE_AUTO_MERGE_THRESHOLD)
        progress(f"{merged} pairs at or above {settings.SAFEZONE_LINKAGE_AUTO_MERGE_THRESHOLD} merged automatically")
    return {"persons": len(frame), "pairs": len(found), "new": new, "merged": merged}
