"""Paging through disjoint parts: counted one by one, merged in order, sealed rows taken out."""

import pytest
from django.db.models import Prefetch, Q

from safezone.cases.models import Case, Participant
from safezone.common import paging
from safezone.common.paging import PartsPaginator


@pytest.fixture(autouse=True)
def _forget_page_ends():
    """What near pages remembered in earlier tests (where they ended) changes how many queries a
    page takes, never what it shows: each test starts without it."""
    paging._page_ends.clear()
    paging._first_ids_sql.clear()


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
    loader = (lambda keys: Case.objects.filter(pk__any=keys)) if load_at_once else None
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
        loader=lambda keys: Case.objects.filter(pk__any=keys),
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


def keys_of(*cases):
    """Ordering keys of cases as a case team's rows give them: (opening date, pk, pk), newest first."""
    return [(c.opened_on, c.pk, c.pk) for c in newest_first(*cases)]


@pytest.mark.parametrize("direct_rows", [0, 100])
@pytest.mark.parametrize("per_page", [1, 2, 10])
def test_known_keys_beside_a_queried_part_give_one_order_near_and_far(world, per_page, direct_rows):
    # The short part's keys came with its ids (no query); it holds no row of the first part.
    p = PartsPaginator(
        [Case.objects.filter(owner_agency=world.crisis), None],
        per_page,
        ordering=("-opened_on", "-pk"),
        cap=100,
        loader=lambda keys: Case.objects.filter(pk__any=keys),
        whole={1},
        known_keys={1: keys_of(world.case_c, world.case_d)},
    )
    p.direct_rows = direct_rows  # 0: keys first, then rows; 100: the page's rows in one query
    assert p.count == 4
    shown = [case for number in p.page_range for case in p.page(number)]
    assert shown == newest_first(world.case_a, world.case_b, world.case_c, world.case_d)


@pytest.mark.parametrize("sent", [0, 50])
@pytest.mark.parametrize("spare", [0, 1, 10])
def test_a_near_page_beside_known_keys_leaves_excluded_rows_out_either_way(world, sent, spare):
    # The crisis centre's newest case is sealed: sent with the query (up to `sent_excluded` ids),
    # or read and dropped, or (no spare rows to drop it from) the page is read in two steps.
    crisis = newest_first(world.case_a, world.case_b)
    p = PartsPaginator(
        [Case.objects.filter(owner_agency=world.crisis), None],
        1,
        ordering=("-opened_on", "-pk"),
        exclude=Q(pk__in=[crisis[0].pk]),
        cap=100,
        loader=lambda keys: Case.objects.filter(pk__any=keys),
        whole={1},
        excluded_ids=[crisis[0].pk],
        excluded_within=0,
        known_keys={1: keys_of(world.case_c, world.case_d)},
    )
    p.sent_excluded, p.spare = sent, spare
    assert p.count == 3
    shown = [case for number in p.page_range for case in p.page(number)]
    assert shown == newest_first(crisis[1], world.case_c, world.case_d)


def test_excluded_ids_within_one_part_are_counted_without_a_lookup(world, django_assert_num_queries):
    newest = newest_first(world.case_a, world.case_b)[0]
    p = PartsPaginator(
        [Case.objects.filter(owner_agency=world.crisis), Case.objects.exclude(owner_agency=world.crisis)],
        10,
        ordering=("-opened_on", "-pk"),
        exclude=Q(pk__in=[newest.pk]),
        cap=100,
        excluded_ids=[newest.pk],
        excluded_within=0,
    )
    with django_assert_num_queries(2):  # one count a part, none for the excluded rows
        assert p.count == 3
    assert newest not in list(p.page(1))


def test_known_keys_past_the_cap_need_no_count_of_their_own(world, django_assert_num_queries):
    parts = [Case.objects.filter(owner_agency=world.crisis), None]  # the known part needs no queryset
    p = PartsPaginator(
        parts,
        10,
        ordering=("-opened_on", "-pk"),
        cap=1,
        loader=lambda keys: Case.objects.filter(pk__any=keys),
        whole={1},
        known_keys={1: keys_of(world.case_c)},
    )
    with django_assert_num_queries(1):  # the first part alone passes the cap
        assert p.capped and p.count == 2


def test_excluded_ids_past_the_cap_are_not_counted_one_by_one(world, django_assert_num_queries):
    p = PartsPaginator(
        [Case.objects.all()],
        10,
        ordering=("-opened_on", "-pk"),
        exclude=Q(pk__in=[world.case_a.pk]),
        cap=1,
        excluded_ids=[world.case_a.pk],
    )
    with django_assert_num_queries(1):  # 4 rows reach 1 + 1 + 1: more than the cap whatever is excluded
        assert p.capped and p.count == 2


@pytest.mark.parametrize("sent", [0, 50])
@pytest.mark.parametrize("spare", [0, 1, 10])
@pytest.mark.parametrize("load_at_once", [False, True])
def test_excluded_rows_dropped_after_reading_or_by_the_database_give_the_same_pages(world, sent, spare, load_at_once):
    # Excluded: the newest two. Sent with the query (up to `sent_excluded` ids), or: with no spare
    # rows the database must take them out; with some, they are read and dropped here (with one
    # spare, the second is left to the database).
    order = newest_first(world.case_a, world.case_b, world.case_c, world.case_d)
    sealed = [order[0].pk, order[1].pk]
    p = PartsPaginator(
        [Case.objects.filter(owner_agency=world.crisis), Case.objects.exclude(owner_agency=world.crisis)],
        1,
        ordering=("-opened_on", "-pk"),
        exclude=Q(pk__in=sealed),
        cap=100,
        loader=(lambda keys: Case.objects.filter(pk__any=keys)) if load_at_once else None,
        excluded_ids=sealed,
    )
    p.sent_excluded, p.spare = sent, spare
    assert p.count == 2
    assert [case for number in p.page_range for case in p.page(number)] == order[2:]


def test_a_near_page_beside_known_keys_takes_one_query(world, django_assert_num_queries):
    order = newest_first(world.case_a, world.case_b, world.case_c, world.case_d)
    known, queried = order[:1] + order[2:3], order[1:2] + order[3:]
    p = PartsPaginator(
        [Case.objects.filter(pk__in=[c.pk for c in queried]), None],
        1,
        ordering=("-opened_on", "-pk"),
        cap=100,
        loader=lambda keys: Case.objects.filter(pk__any=keys),
        whole={1},
        known_keys={1: keys_of(*known)},
    )
    assert p.count == 4  # (counted first: a page asks for the count)
    for number in (1, 2, 3):  # the queried part's first rows and the known ones, together
        with django_assert_num_queries(1):
            assert list(p.page(number)) == order[number - 1 : number]


def test_related_rows_are_read_once_for_the_page_alone(world, django_assert_num_queries):
    p = PartsPaginator(
        [Case.objects.filter(owner_agency=world.crisis), Case.objects.exclude(owner_agency=world.crisis)],
        1,
        ordering=("-opened_on", "-pk"),
        cap=100,
        loader=lambda keys: Case.objects.filter(pk__any=keys),
        prefetch=(Prefetch("participants", queryset=Participant.objects.all(), to_attr="listed"),),
    )
    assert p.count == 4
    with django_assert_num_queries(4):  # keys of each part, the page's row, its participants
        (case,) = p.page(2)
    assert case == newest_first(world.case_a, world.case_b, world.case_c, world.case_d)[1]
    assert sorted(x.pk for x in case.listed) == sorted(case.participants.values_list("pk", flat=True))


def test_a_near_page_leaves_known_keys_past_its_last_end_out_and_reads_them_when_they_belong(
    world, django_assert_num_queries
):
    def pages():
        p = PartsPaginator(
            [Case.objects.filter(owner_agency=world.crisis), None],
            2,
            ordering=("-opened_on", "-pk"),
            cap=100,
            loader=lambda keys: Case.objects.filter(pk__any=keys),
            whole={1},
            known_keys={1: keys_of(world.case_c, world.case_d)},
            memo="crisis cases",
        )
        assert p.count  # (counted first, as a page asks for the count)
        return p

    # Newest first: d (known), b, a (the crisis centre's), c (known).
    assert list(pages().page(1)) == [world.case_d, world.case_b]  # ended on b
    p = pages()
    with django_assert_num_queries(1):  # c, past b, is left out and found not to belong
        assert list(p.page(1)) == [world.case_d, world.case_b]
    Case.objects.filter(pk__in=[world.case_a.pk, world.case_b.pk]).update(owner_agency=world.police)
    p = pages()
    with django_assert_num_queries(2):  # without c the page is short: read again with it
        assert list(p.page(1)) == [world.case_d, world.case_c]
