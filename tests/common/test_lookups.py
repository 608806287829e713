"""The `__any` lookup: membership in a list of ids, as one array on PostgreSQL and an IN list elsewhere."""

from safezone.cases.models import Case, Participant


def test_any_matches_the_listed_ids_and_nothing_else(world):
    ids = [world.case_a.pk, world.case_c.pk]
    assert set(Case.objects.filter(pk__any=ids).values_list("pk", flat=True)) == set(ids)
    assert set(Case.objects.exclude(pk__any=ids).values_list("pk", flat=True)) == {world.case_b.pk, world.case_d.pk}


def test_an_empty_list_matches_nothing_and_its_negation_everything(world):
    assert not Case.objects.filter(pk__any=[]).exists()
    assert Case.objects.exclude(pk__any=[]).count() == Case.objects.count()


def test_any_works_through_a_relation(world):
    rows = Participant.objects.filter(case__pk__any=[world.case_a.pk])
    assert set(rows.values_list("case_id", flat=True)) == {world.case_a.pk}
