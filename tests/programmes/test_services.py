"""The logframe, its indicators' actuals (from the registry or entered by hand) and progress."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from safezone.common.errors import ChangedMeanwhile
from safezone.programmes.models import Level, Status
from safezone.programmes.selectors import (
    Standing,
    activities_of,
    percent_of_way,
    periods_until,
    plan_summary,
    plan_tree,
    progress_of,
    time_passed,
)
from safezone.programmes.services import (
    ElementInput,
    IndicatorInput,
    activity_status_set,
    actual_enter,
    element_create,
    element_update,
    indicator_create,
    sort_key,
)
from safezone.stats.models import CaseFact
from safezone.stats.periods import parse_period

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def _cases_opened(world, day, n):
    for i in range(n):
        CaseFact.objects.create(element="cases_opened", unit=f"u{day}{i}", day=day, district_id=world.vologda.pk)


def test_the_tree_lists_each_row_after_its_parent_with_its_depth(world, plan):
    periods = periods_until("2026Q2", TODAY)
    nodes = plan_tree(plan["plan"], periods, TODAY)
    assert [(n.element.code, n.depth) for n in nodes] == [
        ("1", 0), ("1.1", 1), ("1.1.1", 2), ("1.1.1.1", 3), ("1.1.1.2", 3),
    ]  # fmt: skip
    assert [p.indicator.code for p in nodes[1].progress] == ["1.1-a"]


def test_codes_sort_as_numbers_not_as_text():
    assert sorted(["1.10", "1.9", "1.2.1", "2"], key=sort_key) == ["1.2.1", "1.9", "1.10", "2"]


def test_a_row_must_hang_under_a_row_one_level_up(world, plan):
    with pytest.raises(ValidationError) as caught:
        element_create(
            actor=world.alex,
            plan=plan["plan"],
            level=Level.ACTIVITY,
            parent=plan["purpose"],
            data=ElementInput("9", "x"),
        )
    assert "parent" in caught.value.error_dict


def test_a_code_is_used_once_in_a_plan(world, plan):
    with pytest.raises(ValidationError) as caught:
        element_create(
            actor=world.alex, plan=plan["plan"], level=Level.PURPOSE, parent=plan["goal"], data=ElementInput("1.1", "x")
        )
    assert "code" in caught.value.error_dict


def test_a_registry_indicator_reads_its_actual_from_the_registry(world, plan):
    _cases_opened(world, date(2026, 2, 10), 60)
    periods = periods_until("2026Q1", TODAY)
    progress = progress_of(plan["cases"], periods, TODAY)
    assert progress.readings[-1].value == 60 and progress.readings[-1].period.code == "2026Q1"
    assert progress.readings[0].value == 0  # 2025Q2: nothing counted
    # 20 → 100: 60 is half the way.
    assert progress.percent == 50


@override_settings(SAFEZONE_STATS_MIN_CELL=5)
def test_a_small_registry_count_is_shown_suppressed_not_as_a_number(world, plan):
    _cases_opened(world, date(2026, 2, 10), 3)
    progress = progress_of(plan["cases"], periods_until("2026Q1", TODAY), TODAY)
    last = progress.readings[-1]
    assert last.suppressed and last.value is None
    assert progress.percent is None  # a suppressed actual says nothing about progress


def test_a_hand_kept_indicator_shows_what_was_entered_with_its_source(world, plan):
    progress = progress_of(plan["trained"], periods_until("2026Q2", TODAY), TODAY)
    by_period = {r.period.code: r for r in progress.readings}
    assert by_period["2026Q1"].value == 150 and by_period["2026Q1"].source == "Отчёт центра"
    assert not by_period["2026Q2"].known
    # 0 → 200 by the end of 2026: 150 is 75 % of the way, ahead of the time passed by the end of March.
    assert progress.percent == 75
    assert progress.expected == time_passed(plan["plan"], 2026, date(2026, 4, 1))
    assert progress.standing == Standing.ON_TRACK


def test_an_indicator_that_lags_the_time_passed_is_behind(world, plan):
    actual_enter(
        actor=world.alex, indicator=plan["trained"], expected_version=plan["trained"].version, period="2026Q1",
        value=Decimal(20), source="Отчёт центра",
    )  # fmt: skip
    plan["trained"].refresh_from_db()
    progress = progress_of(plan["trained"], periods_until("2026Q1", TODAY), TODAY)
    assert progress.percent == 10 and progress.standing == Standing.BEHIND


def test_percent_of_the_way_counts_downward_targets_too():
    assert percent_of_way(Decimal(40), Decimal(20), Decimal(30)) == 50
    assert percent_of_way(Decimal(40), Decimal(20), Decimal(45)) == -25
    assert percent_of_way(None, Decimal(20), Decimal(30)) is None


def test_a_registry_indicator_takes_no_hand_entered_actual(world, plan):
    with pytest.raises(ValidationError):
        actual_enter(
            actor=world.alex, indicator=plan["cases"], expected_version=plan["cases"].version, period="2026Q1",
            value=Decimal(5), source="x",
        )  # fmt: skip


def test_a_hand_entered_actual_needs_its_source_and_a_real_period(world, plan):
    with pytest.raises(ValidationError) as caught:
        actual_enter(
            actor=world.alex, indicator=plan["trained"], expected_version=plan["trained"].version, period="2026Q5",
            value=Decimal(5), source=" ",
        )  # fmt: skip
    assert set(caught.value.error_dict) == {"period", "source"}


def test_an_unknown_registry_indicator_is_refused(world, plan):
    with pytest.raises(ValidationError) as caught:
        indicator_create(
            actor=world.alex, element=plan["goal"],
            data=IndicatorInput("1-a", "x", Decimal(1), 2027, registry_code="no_such_thing"),
        )  # fmt: skip
    assert "registry_code" in caught.value.error_dict


def test_an_activity_past_its_end_and_not_done_is_overdue(world, plan):
    nodes = plan_tree(plan["plan"], periods_until(None, TODAY), TODAY)
    assert [n.element.code for n in nodes if n.overdue] == ["1.1.1.1"]
    assert plan_summary(nodes)["overdue"] == 1
    activity_status_set(actor=world.alex, element=plan["late"], expected_version=1, status=Status.DONE)
    assert not activities_of(plan["plan"], overdue=True, today=TODAY).exists()


def test_a_delayed_activity_needs_a_note(world, plan):
    with pytest.raises(ValidationError):
        activity_status_set(actor=world.alex, element=plan["late"], expected_version=1, status=Status.DELAYED)


def test_activities_filter_by_status_and_responsible_body(world, plan):
    activity_status_set(actor=world.alex, element=plan["later"], expected_version=1, status=Status.IN_PROGRESS)
    rows = activities_of(plan["plan"], status=Status.IN_PROGRESS, today=TODAY)
    assert [e.code for e in rows] == ["1.1.1.2"]
    assert [e.code for e in activities_of(plan["plan"], responsible="КЦСОН", today=TODAY)] == ["1.1.1.1"]


def test_a_save_over_someone_elses_change_is_refused(world, plan):
    activity_status_set(actor=world.kira, element=plan["later"], expected_version=1, status=Status.IN_PROGRESS)
    with pytest.raises(ChangedMeanwhile):
        element_update(
            actor=world.alex, element=plan["later"], expected_version=1, parent=plan["output"],
            data=ElementInput("1.1.1.2", "Другое"),
        )  # fmt: skip
    plan["later"].refresh_from_db()
    assert plan["later"].text_ru == "Обучить специалистов"


def test_a_caseworker_may_not_change_the_plan(world, plan):
    from safezone.access.services import AccessDenied

    with pytest.raises(AccessDenied):
        activity_status_set(actor=world.anna, element=plan["late"], expected_version=1, status=Status.DONE)


def test_the_quarters_shown_end_with_the_one_asked_for():
    assert [p.code for p in periods_until("2026Q1", TODAY)] == ["2025Q2", "2025Q3", "2025Q4", "2026Q1"]
    assert periods_until(None, TODAY)[-1] == parse_period("2026Q2")
