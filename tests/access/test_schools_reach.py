"""The reach matrix of the records that are not reached through cases: pupils (by school), teenagers
at risk and children at work (by district). Every world user × every relation × every action is
decided and, for lists, filtered; the oracle below is written from DESIGN.md ("Schools, teenagers
at risk and child labour"), not from the code. tests/conftest.py prints the count of cells."""

import datetime as dt

import pytest

from safezone.access.policy import Action, Purpose
from safezone.access.selectors import decide, district_record_filter, pupil_filter
from safezone.schools.models import Pupil, Teen, WorkingChild

USERS = ["anna", "boris", "tina", "sveta", "hanna", "petr", "olga", "kira", "pavel", "zoya", "ilya"]
USERS += ["alex", "dasha", "root", "nemo"]

# Who reaches what, and how: (record, action) -> users allowed, for the record's own purpose.
PUPIL_ACTIONS = [Action.VIEW_PUPILS, Action.SUPPORT_PUPILS]
TEEN_ACTIONS = [Action.VIEW_TEENS, Action.EDIT_TEENS]
LABOUR_ACTIONS = [Action.VIEW_LABOUR, Action.RECORD_LABOUR]
ORACLE = {
    # A school's staff, their own pupils only; nobody else, whatever their scope over cases.
    ("pupil_vologda", Action.VIEW_PUPILS): {"pavel"},
    ("pupil_vologda", Action.SUPPORT_PUPILS): {"pavel"},
    ("pupil_sokol", Action.VIEW_PUPILS): {"zoya"},
    ("pupil_sokol", Action.SUPPORT_PUPILS): {"zoya"},
    # Teenagers at risk: the police juvenile inspector of Vologda; social workers of a
    # social-protection centre in Sokol; never a crisis centre's caseworker (anna, boris).
    ("teen_vologda", Action.VIEW_TEENS): {"ilya"},
    ("teen_vologda", Action.EDIT_TEENS): {"ilya"},
    ("teen_sokol", Action.VIEW_TEENS): {"olga"},
    ("teen_sokol", Action.EDIT_TEENS): {"olga"},
    # Children at work: caseworkers and the coordinator of the district record; the juvenile
    # inspector reads.
    ("child_vologda", Action.VIEW_LABOUR): {"anna", "boris", "kira", "ilya"},
    ("child_vologda", Action.RECORD_LABOUR): {"anna", "boris", "kira"},
    ("child_sokol", Action.VIEW_LABOUR): {"olga"},
    ("child_sokol", Action.RECORD_LABOUR): {"olga"},
}
PURPOSE = {"pupil": Purpose.SCHOOL_SUPPORT, "teen": Purpose.CHILD_PROTECTION, "child": Purpose.CHILD_PROTECTION}
CELLS = {"checked": 0, "allowed": 0}


@pytest.fixture
def records(world):
    today = dt.date(2026, 11, 23)
    made = {
        "pupil_vologda": Pupil.objects.create(school=world.school, person=world.sasha, local_id="v-1"),
        "pupil_sokol": Pupil.objects.create(school=world.school_sokol, person=world.petya, local_id="s-1"),
    }
    for name, district, person in (("vologda", world.vologda, world.sasha), ("sokol", world.sokolsky, world.petya)):
        made[f"teen_{name}"] = Teen.objects.create(
            person=person,
            district=district,
            street_presence=True,
            added_on=today,
            added_by=world.ilya,
            agency=world.police,
        )
        made[f"child_{name}"] = WorkingChild.objects.create(
            person=person,
            district=district,
            identified_on=today,
            worst_form="hazardous",
            work="торговля на рынке",
            agency=world.crisis,
            owner=world.anna,
        )
    return made


@pytest.mark.parametrize("username", USERS)
def test_each_user_reaches_exactly_the_pupils_teenagers_and_children_the_policy_gives(world, records, username):
    user = getattr(world, username)
    for (record_name, action), allowed_users in ORACLE.items():
        record = records[record_name]
        purpose = PURPOSE[record_name.split("_")[0]]
        expected = username in allowed_users
        decision = decide(user, action, purpose, record)
        assert decision.allowed == expected, (username, record_name, action, decision.rule)
        model = type(record)
        row_filter = pupil_filter if model is Pupil else district_record_filter
        listed = model.objects.filter(row_filter(user, action, purpose), pk=record.pk).exists()
        assert listed == expected, (username, record_name, action, "list")
        CELLS["checked"] += 2
        CELLS["allowed"] += 2 * expected


@pytest.mark.parametrize("record_name", ["pupil_vologda", "teen_vologda", "child_vologda"])
def test_no_other_purpose_reaches_these_records(world, records, record_name):
    record = records[record_name]
    actions = {"pupil": PUPIL_ACTIONS, "teen": TEEN_ACTIONS, "child": LABOUR_ACTIONS}[record_name.split("_")[0]]
    for username in USERS:
        for purpose in Purpose.values:
            if purpose == PURPOSE[record_name.split("_")[0]]:
                continue
            for action in actions:
                assert not decide(getattr(world, username), action, purpose, record).allowed, (username, purpose)


def test_a_school_pedagogue_without_data_protection_training_reaches_no_pupil(world, records):
    world.pavel.memberships.update(dp_training_on=None)
    decision = decide(world.pavel, Action.VIEW_PUPILS, Purpose.SCHOOL_SUPPORT, records["pupil_vologda"])
    assert not decision.allowed and decision.rule == "no-data-protection-training"


def test_school_support_and_child_protection_reach_no_case_and_no_person_search(world):
    for username in ("pavel", "ilya", "olga", "kira"):
        user = getattr(world, username)
        for purpose in (Purpose.SCHOOL_SUPPORT, Purpose.CHILD_PROTECTION):
            for action in (Action.LIST_CASES, Action.VIEW_CASE, Action.SEARCH_PERSONS, Action.VIEW_PERSON):
                assert not decide(user, action, purpose).allowed, (username, purpose, action)


def test_the_juvenile_inspector_has_no_case_door(world):
    for action in (Action.LIST_CASES, Action.VIEW_CASE, Action.SEARCH_PERSONS, Action.OPEN_CASE):
        for purpose in Purpose.values:
            assert not decide(world.ilya, action, purpose).allowed
