"""Batch linkage over the register: the persons go through the model and the likely pairs wait on
the steward's queue; a second run proposes nothing twice."""

from django.core.management import call_command

from safezone.linkage.models import CandidatePair
from safezone.linkage.synthetic import records, true_pairs
from safezone.people.models import Identifier, Person
from safezone.people.services import PersonBatch, persons_bulk_create


def _load(rows) -> dict[str, int]:
    """The synthetic records as person records of the register; their ids by record id."""
    batch = PersonBatch()
    for row in rows:
        year, month, day = (
            ([int(x) for x in row["birth_date"].split("-")] + [None, None, None])[:3]
            if row["birth_date"]
            else (None, None, None)
        )
        batch.persons.append(
            Person(
                surname=row["surname"] or "—",
                first_name=row["first_name"] or "—",
                patronymic=row["patronymic"],
                sex=row["sex"] or "U",
                birth_year=year,
                birth_month=month,
                birth_day=day,
            )
        )
        digits = "".join(ch for ch in row["snils"] if ch.isdigit())
        if digits:
            batch.identifiers.append((len(batch.persons) - 1, Identifier(kind="snils", value=digits)))
    persons = persons_bulk_create(batch=batch)
    return {row["id"]: person.pk for row, person in zip(rows, persons)}


def test_the_register_is_linked_onto_the_review_queue_once(db, tmp_path, settings):
    settings.SAFEZONE_LINKAGE_MODEL = tmp_path / "model.json"
    rows, truth = records(2000, seed=5)
    ids = _load(rows)
    call_command("link_persons")
    assert settings.SAFEZONE_LINKAGE_MODEL.exists()  # trained on the register and saved, with its version
    queued = {(p.left_id, p.right_id) for p in CandidatePair.objects.all()}
    expected = {tuple(sorted((ids[a], ids[b]))) for a, b in true_pairs(truth)}
    hits = len(queued & expected)
    assert hits / len(expected) >= 0.85 and hits / len(queued) >= 0.9
    assert all(p.status == "pending" for p in CandidatePair.objects.all())
    CandidatePair.objects.filter(pk=CandidatePair.objects.first().pk).update(status="non_match")
    call_command("link_persons")  # the saved model, the same pairs: nothing new, the decision kept
    assert CandidatePair.objects.count() == len(queued)
    assert CandidatePair.objects.filter(status="non_match").count() == 1
