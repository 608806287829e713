"""Review and merge: a steward decides pairs; a merge moves everything and an unmerge puts it back
exactly; a "not a match" is remembered; a sealed person stays out of the steward's sight."""

import pytest

from safezone.access.policy import Purpose
from safezone.access.services import AccessDenied, seal_add
from safezone.audit.models import AuditEvent
from safezone.cases.models import Participant
from safezone.linkage.models import CandidatePair, Merge
from safezone.linkage.selectors import pair_for, pairs_for_review
from safezone.linkage.services import (
    PairChangedMeanwhile,
    pair_decide,
    pairs_auto_merge,
    pairs_record,
    person_links,
    persons_merge,
    persons_unmerge,
)
from safezone.people.models import Identifier, Person, PersonKey, PersonName
from safezone.people.services import person_keys_refresh

M, NON, UNSURE = CandidatePair.Status.MATCH, CandidatePair.Status.NON_MATCH, CandidatePair.Status.UNSURE


@pytest.fixture
def twin(world):
    """The clinic's record of Maria: Latin spelling, no patronymic, her own case, a document and a maiden name."""
    person = Person.objects.create(surname="Kuznetsova", first_name="Mariya", sex="F", birth_year=1988, birth_month=3)
    Participant.objects.create(case=world.case_b, person=person, role="victim")
    Identifier.objects.create(person=person, kind="snils", value="11223344595")
    PersonName.objects.create(person=person, kind="maiden", surname="Белова")
    person_keys_refresh(person)
    return person


def _state(*persons) -> dict:
    """Every row that points at these persons, and their own fields (version and stamps aside)."""
    ids = [p.pk for p in persons]
    rows = {}
    for model, field in person_links():
        rows[(model._meta.label, field)] = sorted(
            model.objects.filter(**{f"{field}__in": ids}).values_list("pk", field)
        )
    own = {
        p["id"]: {k: v for k, v in p.items() if k not in ("version", "updated_at")}
        for p in Person.objects.filter(pk__in=ids).values()
    }
    keys = sorted(PersonKey.objects.filter(person__in=ids).values_list("person_id", "key"))
    return {"rows": rows, "persons": own, "keys": keys}


def test_merge_moves_everything_and_unmerge_restores_exactly_the_prior_state(world, steward, twin):
    before = _state(world.maria, twin)
    merge = persons_merge(actor=steward, kept=world.maria, merged=twin)
    assert Participant.objects.filter(person=twin).count() == 0
    assert set(Participant.objects.filter(person=world.maria).values_list("case", flat=True)) == {
        world.case_a.pk, world.case_b.pk, world.case_d.pk
    }  # fmt: skip
    twin.refresh_from_db()
    assert twin.merged_into == world.maria  # the source record stays, marked
    assert not PersonKey.objects.filter(person=twin).exists()
    assert PersonKey.objects.filter(person=world.maria, key="s:belov").exists()  # her maiden name came along
    persons_unmerge(actor=steward, merge_id=merge.pk)
    assert _state(world.maria, twin) == before
    actions = list(AuditEvent.objects.filter(actor=steward).values_list("action", flat=True))
    assert "linkage.merged" in actions and "linkage.unmerged" in actions


def test_a_not_a_match_is_remembered_and_never_proposed_again(world, steward, twin):
    assert pairs_record([(twin.pk, world.maria.pk, 0.93)], model_version="t") == 1
    pair = CandidatePair.objects.get()
    assert (pair.left_id, pair.right_id) == (world.maria.pk, twin.pk)  # one order, whichever was found
    pair_decide(actor=steward, pair_id=pair.pk, status=NON, expected_version=1, note="другая женщина")
    assert pairs_record([(world.maria.pk, twin.pk, 0.99)], model_version="t2") == 0
    pair.refresh_from_db()
    assert pair.status == NON and pair.model_version == "t"
    assert list(pairs_for_review(steward)) == []


def test_a_match_merges_and_a_stale_decision_is_refused(world, steward, twin):
    pairs_record([(world.maria.pk, twin.pk, 0.93)], model_version="t")
    pair = CandidatePair.objects.get()
    pair_decide(actor=steward, pair_id=pair.pk, status=M, expected_version=1)
    twin.refresh_from_db()
    assert twin.merged_into == world.maria
    with pytest.raises(PairChangedMeanwhile):
        pair_decide(actor=steward, pair_id=pair.pk, status=UNSURE, expected_version=1)


def test_the_queue_hides_pairs_with_a_person_sealed_against_the_steward(world, steward, twin):
    pairs_record([(world.maria.pk, twin.pk, 0.93), (world.ivan.pk, world.olesya.pk, 0.81)], model_version="t")
    assert len(pairs_for_review(steward)) == 2
    seal_add(
        actor=world.sveta,
        case=world.case_b,
        purpose=Purpose.CASE_WORK,
        reason="Сотрудник знаком с семьёй",
        user=steward,
    )
    shown = list(pairs_for_review(steward))
    assert [(p.left_id, p.right_id) for p in shown] == [(world.ivan.pk, world.olesya.pk)]
    hidden = CandidatePair.objects.get(right=twin)
    with pytest.raises(AccessDenied):
        pair_for(steward, hidden.pk)


def test_other_roles_cannot_review_or_merge(world, twin):
    pairs_record([(world.maria.pk, twin.pk, 0.93)], model_version="t")
    pair = CandidatePair.objects.get()
    with pytest.raises(AccessDenied):
        pair_decide(actor=world.anna, pair_id=pair.pk, status=M, expected_version=1)
    with pytest.raises(AccessDenied):
        persons_merge(actor=world.dasha, kept=world.maria, merged=twin)
    assert list(pairs_for_review(world.anna)) == []


def test_auto_merge_takes_only_pairs_above_its_threshold(world, twin):
    pairs_record([(world.maria.pk, twin.pk, 0.995), (world.ivan.pk, world.olesya.pk, 0.9)], model_version="t")
    assert pairs_auto_merge(0.99) == 1
    twin.refresh_from_db()
    assert twin.merged_into == world.maria
    statuses = dict(CandidatePair.objects.values_list("right_id", "status"))
    assert statuses == {twin.pk: CandidatePair.Status.AUTO_MERGED, world.olesya.pk: CandidatePair.Status.PENDING}


def test_the_steward_pages_compare_decide_and_undo(world, steward, twin, client):
    pairs_record([(world.maria.pk, twin.pk, 0.93)], model_version="t")
    pair = CandidatePair.objects.get()
    client.force_login(steward)
    queue = client.get("/linkage/")
    assert queue.status_code == 200 and "Kuznetsova" in queue.content.decode()
    page = client.get(f"/linkage/pairs/{pair.pk}/").content.decode()
    assert "112-233-445 95" in page and "Белова" in page
    assert "Тестовое дело" not in page  # no case content
    client.post(f"/linkage/pairs/{pair.pk}/", {"status": M, "note": "", "version": 1})
    twin.refresh_from_db()
    assert twin.merged_into == world.maria
    merge = Merge.objects.get()
    client.post(f"/linkage/merges/{merge.pk}/undo/")
    twin.refresh_from_db()
    assert twin.merged_into is None
    assert CandidatePair.objects.get().status == UNSURE
