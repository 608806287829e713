"""The cached part of the policy (case teams, break-glass, seals, districts, and which of them a
scope already holds) is never used stale: the database renews the access stamp on every write to
those tables and whenever a case changes hands, and a break-glass leaves the cache when it expires."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safezone.access.models import BreakGlass, CaseGrant, Seal
from safezone.access.policy import Action, Purpose
from safezone.access.selectors import access_stamp, case_reach
from safezone.access.services import break_glass_open, case_grant_add, seal_add
from safezone.cases.models import Case
from safezone.cases.selectors import case_pages, cases_visible_to
from safezone.directory.models import Agency, Territory

CW = Purpose.CASE_WORK


def visible(user, purpose=CW) -> set:
    user.__dict__.pop("_active_memberships", None)  # as a new request
    return set(cases_visible_to(user, purpose=purpose))


def _writes(world):
    """One write of each kind to each table the cache is derived from."""
    grant = lambda: case_grant_add(  # noqa: E731
        case=world.case_a, agency=world.police, user=world.petr, source=CaseGrant.Source.REFERRAL
    )
    return {
        "grant insert": grant,
        "grant update (queryset)": lambda: CaseGrant.objects.update(ended_at=timezone.now()),
        "grant delete": lambda: CaseGrant.objects.all().delete(),
        "seal insert": lambda: seal_add(
            actor=world.anna, case=world.case_a, purpose=CW, reason="Конфликт интересов", agency=world.police
        ),
        "seal update": lambda: Seal.objects.update(lifted_at=timezone.now()),
        "break-glass update": lambda: BreakGlass.objects.update(reason="x"),
        "district renamed": lambda: Territory.objects.filter(pk=world.vologda.pk).update(name_en="Vologda city"),
        "districts served": lambda: world.police.districts_served.add(world.sokolsky),
        "raw SQL": lambda: connection.cursor().execute("DELETE FROM access_seal"),
        "case to another worker": lambda: Case.objects.filter(pk=world.case_a.pk).update(owner_worker=world.boris),
        "case to another unit": lambda: Case.objects.filter(pk=world.case_a.pk).update(owner_unit=None),
        "case to another district": lambda: Case.objects.filter(pk=world.case_d.pk).update(district=world.sokolsky),
    }


@pytest.mark.parametrize(
    "write",
    [
        "grant insert",
        "grant update (queryset)",
        "grant delete",
        "seal insert",
        "seal update",
        "break-glass update",
        "district renamed",
        "districts served",
        "raw SQL",
        "case to another worker",
        "case to another unit",
        "case to another district",
    ],
)
def test_every_write_to_what_the_cache_is_made_of_renews_the_stamp(world, write):
    # A row in each table first: SQLite's triggers are per row, so a write must touch one.
    case_grant_add(case=world.case_c, agency=world.police, user=world.petr, source=CaseGrant.Source.REFERRAL)
    seal_add(actor=world.olga, case=world.case_c, purpose=CW, reason="Конфликт интересов", user=world.kira)
    break_glass_open(actor=world.anna, case=world.case_d, reason="Срочно нужен контакт, угроза жизни ребёнку")
    before = access_stamp()
    assert before
    _writes(world)[write]()
    assert access_stamp() not in (None, before)


def test_a_cached_reach_is_used_until_something_changes(world):
    case_reach(world.petr, Action.LIST_CASES, CW)  # fills the cache
    world.petr.__dict__.pop("_active_memberships", None)
    with CaptureQueriesContext(connection) as queries:
        case_reach(world.petr, Action.LIST_CASES, CW)
    tables = " ".join(q["sql"] for q in queries.captured_queries)
    assert "access_casegrant" not in tables and "access_seal" not in tables  # read from the cache
    case_grant_add(case=world.case_a, agency=world.police, user=world.petr, source=CaseGrant.Source.REFERRAL)
    world.petr.__dict__.pop("_active_memberships", None)
    with CaptureQueriesContext(connection) as queries:
        case_reach(world.petr, Action.LIST_CASES, CW)
    assert "access_casegrant" in " ".join(q["sql"] for q in queries.captured_queries)  # read afresh


def test_lists_follow_teams_seals_and_districts_at_once(world):
    assert visible(world.petr) == {world.case_d}
    grant = case_grant_add(case=world.case_a, agency=world.police, user=world.petr, source=CaseGrant.Source.REFERRAL)
    assert visible(world.petr) == {world.case_d, world.case_a}
    CaseGrant.objects.filter(pk=grant.pk).update(ended_at=timezone.now())
    assert visible(world.petr) == {world.case_d}
    seal_add(actor=world.anna, case=world.case_a, purpose=CW, reason="Конфликт интересов", user=world.kira)
    kira = visible(world.kira, Purpose.COORDINATION)
    assert world.case_a not in kira and world.case_b in kira
    # The commission serves Vologda: a district it stops serving leaves its list at once.
    Agency.districts_served.through.objects.filter(agency_id=world.kdn.pk, territory_id=world.vologda.pk).delete()
    assert world.case_b not in visible(world.kira, Purpose.COORDINATION)


def test_a_break_glass_leaves_the_cached_reach_when_it_expires_with_no_write(world, monkeypatch):
    break_glass_open(actor=world.anna, case=world.case_c, reason="Срочно нужен контакт, угроза жизни ребёнку")
    assert world.case_c in visible(world.anna)
    stamp = access_stamp()
    later = timezone.now() + dt.timedelta(hours=9)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert access_stamp() == stamp  # nothing was written
    assert world.case_c not in visible(world.anna)


def test_a_write_rolled_back_leaves_no_stale_reach_behind(world):
    before = access_stamp()
    coordination = Purpose.COORDINATION
    assert world.case_d in visible(world.kira, coordination)
    with pytest.raises(RuntimeError), transaction.atomic():
        seal_add(actor=world.petr, case=world.case_d, purpose=CW, reason="Конфликт интересов", user=world.kira)
        assert world.case_d not in visible(world.kira, coordination)  # cached under the uncommitted stamp
        raise RuntimeError("rolled back")
    assert access_stamp() == before
    assert world.case_d in visible(world.kira, coordination)


def test_editing_a_case_without_changing_hands_keeps_the_stamp(world):
    before = access_stamp()
    Case.objects.filter(pk=world.case_a.pk).update(status=Case.Status.CLOSED)
    world.case_a.refresh_from_db()
    world.case_a.save()  # every column written, the same owner
    assert access_stamp() == before


def listed(user) -> tuple[int, list]:
    """The count and every row of the user's unfiltered case list, as the list page pages it."""
    user.__dict__.pop("_active_memberships", None)
    paginator = case_pages(case_reach(user, Action.LIST_CASES, CW), Case.objects.all())
    return paginator.count, [case for number in paginator.page_range for case in paginator.page(number)]


def test_a_team_case_handed_to_its_team_member_is_listed_once(world):
    case_grant_add(case=world.case_b, agency=world.crisis, user=world.anna, source=CaseGrant.Source.REFERRAL)
    both = sorted([world.case_a, world.case_b], key=lambda c: (c.opened_on, c.pk), reverse=True)
    assert listed(world.anna) == (2, both)
    Case.objects.filter(pk=world.case_b.pk).update(owner_worker=world.anna)  # now in her own scope
    assert listed(world.anna) == (2, both)


def test_a_sealed_case_handed_into_the_scope_stays_hidden(world):
    # Sealed from Anna while outside her scope (her reach then has nothing to take out), then
    # handed to her: the seal still wins, at once.
    seal_add(actor=world.boris, case=world.case_b, purpose=CW, reason="Конфликт интересов", user=world.anna)
    assert visible(world.anna) == {world.case_a}
    Case.objects.filter(pk=world.case_b.pk).update(owner_worker=world.anna)
    assert visible(world.anna) == {world.case_a}
    assert listed(world.anna) == (1, [world.case_a])


def test_only_a_reach_written_out_in_values_is_plain(world):
    # A plain reach's SQL is compiled once a process (cases.selectors.case_pages); a meeting's
    # scope is a subquery over agendas that moves with the clock, so it never is.
    assert case_reach(world.anna, Action.LIST_CASES, CW).plain
    assert not case_reach(world.anna, Action.LIST_CASES, Purpose.MEETING).plain
