"""The `__any` lookup: membership in a list of ids, as one array on PostgreSQL and an IN list elsewhere;
or in what a few subqueries and a list give (`ids_of`)."""

from django.db import connection

from safezone.cases.models import Case, Participant
from safezone.common.lookups import ids_of


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


def _ids_query(queryset):
    ids = queryset.order_by("-opened_on", "-pk").values_list("pk")[:1]
    return ids.query.get_compiler(ids.db).as_sql()


def test_any_of_subqueries_and_ids_matches_what_each_gives(world):
    # The newest crisis-centre case (a limited, ordered subquery) and case_d named by id.
    newest = max([world.case_a, world.case_b], key=lambda c: (c.opened_on, c.pk))
    subquery = _ids_query(Case.objects.filter(owner_agency=world.crisis))
    both = ids_of([subquery], [world.case_d.pk], connection.vendor)
    assert set(Case.objects.filter(pk__any=both)) == {newest, world.case_d}
    assert set(Case.objects.filter(pk__any=ids_of([subquery], [], connection.vendor))) == {newest}
    assert set(Case.objects.filter(pk__any=ids_of([], [world.case_d.pk], connection.vendor))) == {world.case_d}
    assert not Case.objects.filter(pk__any=ids_of([], [], connection.vendor)).exists()
