"""The access policy: who reaches which cases and persons, for which purpose, and why."""

import datetime as dt

import pytest

from safezone.access.policy import Action, Purpose
from safezone.access.selectors import agencies_acting_for, decide, purposes_for
from safezone.cases.selectors import cases_visible_to
from safezone.people.selectors import persons_visible_to


def visible_cases(world, user, purpose=Purpose.CASE_WORK):
    names = {world.case_a.pk: "a", world.case_b.pk: "b", world.case_c.pk: "c", world.case_d.pk: "d"}
    return {names[pk] for pk in cases_visible_to(user, purpose=purpose).values_list("pk", flat=True)}


@pytest.mark.parametrize(
    "username, purpose, expected",
    [
        ("anna", Purpose.CASE_WORK, {"a"}),
        ("boris", Purpose.CASE_WORK, {"b"}),
        ("tina", Purpose.CASE_WORK, {"a"}),
        ("sveta", Purpose.CASE_WORK, {"a", "b"}),
        ("petr", Purpose.CASE_WORK, {"d"}),
        ("olga", Purpose.CASE_WORK, {"c"}),
        ("kira", Purpose.COORDINATION, {"a", "b", "d"}),
        ("kira", Purpose.CASE_WORK, set()),
        ("alex", Purpose.CASE_WORK, set()),
        ("dasha", Purpose.CASE_WORK, set()),
        ("root", Purpose.CASE_WORK, set()),
        ("nemo", Purpose.CASE_WORK, set()),
        ("sveta", Purpose.SUPERVISION, {"a", "b"}),
        ("anna", Purpose.SUPERVISION, set()),
    ],
)
def test_each_role_sees_only_the_cases_in_its_scope(world, username, purpose, expected):
    assert visible_cases(world, getattr(world, username), purpose) == expected


def test_a_caseworker_cannot_read_a_colleagues_case(world):
    decision = decide(world.anna, Action.VIEW_CASE, Purpose.CASE_WORK, world.case_b)
    assert not decision.allowed
    assert decision.rule == "out-of-scope"


def test_an_allowed_read_names_the_rule_that_allowed_it(world):
    decision = decide(world.anna, Action.VIEW_CASE, Purpose.CASE_WORK, world.case_a)
    assert decision.allowed
    assert decision.rule == "caseworker@crisis:own"


def test_an_analyst_is_refused_because_no_role_allows_reading_cases(world):
    assert decide(world.alex, Action.VIEW_CASE, Purpose.CASE_WORK, world.case_a).rule == "no-role-allows-this"


def test_an_unknown_purpose_is_refused(world):
    assert decide(world.anna, Action.VIEW_CASE, "curiosity", world.case_a).rule == "unknown-purpose"


def test_an_anonymous_user_is_refused(world):
    from django.contrib.auth.models import AnonymousUser

    assert decide(AnonymousUser(), Action.VIEW_CASE, Purpose.CASE_WORK, world.case_a).rule == "not-signed-in"


def test_a_coordinator_may_read_but_not_change_a_case(world):
    assert decide(world.kira, Action.VIEW_CASE, Purpose.COORDINATION, world.case_a).allowed
    assert not decide(world.kira, Action.EDIT_CASE, Purpose.COORDINATION, world.case_a).allowed


def test_a_deactivated_membership_gives_nothing(world):
    membership = world.anna.memberships.get()
    membership.is_active = False
    membership.save()
    assert visible_cases(world, type(world.anna).objects.get(pk=world.anna.pk)) == set()


def test_a_membership_that_ended_gives_nothing(world):
    membership = world.anna.memberships.get()
    membership.ended_on = dt.date(2020, 1, 1)
    membership.save()
    assert visible_cases(world, type(world.anna).objects.get(pk=world.anna.pk)) == set()


def test_a_deactivated_user_sees_nothing(world):
    world.sveta.is_active = False
    assert visible_cases(world, world.sveta) == set()


def test_two_memberships_give_the_union_of_their_scopes(world):
    from safezone.accounts.services import membership_grant

    membership_grant(user=world.olga, agency=world.police, role="police_officer", dp_training_on=dt.date(2026, 1, 1))
    olga = type(world.olga).objects.get(pk=world.olga.pk)
    assert visible_cases(world, olga) == {"c", "d"}


def test_a_person_is_visible_through_any_case_the_user_may_see(world):
    anna_sees = set(persons_visible_to(world.anna, purpose=Purpose.CASE_WORK))
    assert anna_sees == {world.maria, world.ivan, world.sasha}
    assert world.maria in set(persons_visible_to(world.petr, purpose=Purpose.CASE_WORK))
    assert world.elena not in anna_sees


def test_the_person_decision_follows_the_cases(world):
    assert decide(world.petr, Action.VIEW_PERSON, Purpose.CASE_WORK, world.maria).allowed
    assert not decide(world.petr, Action.VIEW_PERSON, Purpose.CASE_WORK, world.ivan).allowed


def test_purposes_offered_are_those_the_roles_allow(world):
    assert purposes_for(world.sveta, Action.LIST_CASES) == ["case_work", "supervision", "meeting"]
    assert purposes_for(world.sveta, Action.SEARCH_PERSONS) == ["case_work", "intake", "supervision"]
    assert purposes_for(world.kira, Action.LIST_CASES) == ["coordination"]
    assert purposes_for(world.alex, Action.LIST_CASES) == []


def test_the_intake_purpose_reaches_only_what_intake_needs(world):
    assert visible_cases(world, world.sveta, Purpose.INTAKE) == set()
    assert decide(world.anna, Action.SEARCH_PERSONS, Purpose.INTAKE).allowed
    assert not decide(world.anna, Action.EDIT_CASE, Purpose.INTAKE, world.case_a).allowed


def test_a_case_can_be_opened_only_for_the_users_own_agencies(world):
    assert agencies_acting_for(world.anna, Action.OPEN_CASE, Purpose.INTAKE) == [world.crisis]
    assert agencies_acting_for(world.kira, Action.OPEN_CASE, Purpose.INTAKE) == []


def test_object_permissions_in_templates_come_from_the_policy(world):
    assert world.anna.has_perm(Action.EDIT_CASE, world.case_a)
    assert not world.anna.has_perm(Action.EDIT_CASE, world.case_b)


def test_an_own_cases_role_inside_an_agency_wide_one_changes_nothing(world):
    from safezone.access.selectors import case_filter
    from safezone.accounts.services import membership_grant

    before = visible_cases(world, world.sveta)
    membership_grant(user=world.sveta, agency=world.crisis, role="caseworker", dp_training_on=dt.date(2026, 1, 1))
    sveta = type(world.sveta).objects.get(pk=world.sveta.pk)
    assert visible_cases(world, sveta) == before
    # One condition for the agency, not "own cases OR the agency's cases".
    assert "owner_worker" not in str(case_filter(sveta, "case.list", Purpose.CASE_WORK))


def test_a_district_scope_over_every_district_filters_nothing(world):
    from safezone.access.selectors import case_filter
    from safezone.directory.models import Territory

    world.kdn.districts_served.set(Territory.objects.filter(level="district"))
    kira = type(world.kira).objects.get(pk=world.kira.pk)
    assert visible_cases(world, kira, Purpose.COORDINATION) == {"a", "b", "c", "d"}
    assert "district" not in str(case_filter(kira, "case.list", Purpose.COORDINATION))
