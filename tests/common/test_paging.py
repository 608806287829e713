"""Paging through disjoint parts: counted one by one, merged in order, sealed rows taken out."""

import pytest
from django.db.models import Q

from safezone.cases.models import Case
from safezone.common.paging import PartsPaginator


def paginator(world, per_page=2, cap=100, exclude=None, loader=None):
    parts = [
        Case.objects.filter(owner_agency=world.crisis),  # a and b
        Case.objects.filter(pk__in=[world.case_c.pk, world.case_d.pk]),  # c and d
    ]
    return PartsPaginator(parts, per_page, ordering=("-opened_on", "-pk"), exclude=exclude, cap=cap, loader=loader)


def newest_first(*cases):
    return sorted(cases, key=lambda c: (c.opened_on, c.pk), reverse=True)


@pytest.mark.parametrize("load_at_once", [False, True])
def test_pages_follow_one_order_across_the_parts(world, load_at_once):
    loader = (lambda keys: Case.objects.filter(pk__in=keys)) if load_at_once else None
    p = paginator(world, loader=loader)
    order = newest_first(world.case_a, world.case_b, world.case_c, world.case_d)
    assert p.count == 4 and p.num_pages == 2
    assert list(p.page(1)) + list(p.page(2)) == order


def test_excluded_rows_are_neither_counted_nor_shown(world):
    p = paginator(world, per_page=10, exclude=Q(pk__in=[world.case_b.pk]))
    assert p.count == 3
    assert world.case_b not in list(p.page(1))


def test_the_count_stops_at_the_cap(world):
    p = paginator(world, cap=3)
    assert p.capped and p.count == 4


def test_mixed_ordering_is_refused(world):
    with pytest.raises(ValueError):
        PartsPaginator([], 10, ordering=("-opened_on", "pk"), cap=10)


def test_a_short_part_read_whole_gives_the_same_count_and_pages(world):
    parts = [
        Case.objects.filter(owner_agency=world.crisis),
        Case.objects.filter(pk__any=[world.case_c.pk, world.case_d.pk]),
    ]
    p = PartsPaginator(
        parts,
        2,
        ordering=("-opened_on", "-pk"),
        cap=100,
        loader=lambda keys: Case.objects.filter(pk__in=keys),
        whole={1},
    )
    assert p.count == 4
    assert list(p.page(1)) + list(p.page(2)) == newest_first(world.case_a, world.case_b, world.case_c, world.case_d)


@pytest.mark.parametrize("cap", [1, 2, 100])
def test_excluded_ids_are_counted_by_subtraction_up_to_the_cap(world, cap):
    sealed = [world.case_b.pk]
    by_filter = paginator(world, per_page=10, cap=cap, exclude=Q(pk__in=sealed))
    by_subtraction = PartsPaginator(
        by_filter.parts, 10, ordering=("-opened_on", "-pk"), exclude=Q(pk__in=sealed), cap=cap, excluded_ids=sealed
    )
    assert by_subtraction.count == by_filter.count == min(3, cap + 1)
    assert world.case_b not in list(by_subtraction.page(1))
