"""A small action plan: a goal, a purpose with a registry indicator and a hand-kept one, an output,
and two activities (one overdue)."""

from datetime import date
from decimal import Decimal

import pytest

from safezone.programmes.models import Level
from safezone.programmes.services import (
    ElementInput,
    IndicatorInput,
    PlanInput,
    actual_enter,
    element_create,
    indicator_create,
    plan_create,
)

TODAY = date(2026, 5, 15)


@pytest.fixture
def plan(world):
    actor = world.alex
    p = plan_create(
        actor=actor,
        data=PlanInput(
            "План противодействия домашнему насилию", "Plan against DV", date(2025, 1, 1), date(2027, 12, 31)
        ),
    )
    goal = element_create(actor=actor, plan=p, level=Level.GOAL, parent=None, data=ElementInput("1", "Меньше насилия"))
    purpose = element_create(
        actor=actor, plan=p, level=Level.PURPOSE, parent=goal, data=ElementInput("1.1", "Помощь доступна")
    )
    output = element_create(
        actor=actor, plan=p, level=Level.OUTPUT, parent=purpose, data=ElementInput("1.1.1", "Работают убежища")
    )
    late = element_create(
        actor=actor,
        plan=p,
        level=Level.ACTIVITY,
        parent=output,
        data=ElementInput("1.1.1.1", "Открыть убежище", responsible="Департамент, КЦСОН", ends_on=date(2026, 3, 31)),
    )
    later = element_create(
        actor=actor,
        plan=p,
        level=Level.ACTIVITY,
        parent=output,
        data=ElementInput("1.1.1.2", "Обучить специалистов", responsible="Кризисный центр", ends_on=date(2026, 12, 31)),
    )
    cases = indicator_create(
        actor=actor,
        element=purpose,
        data=IndicatorInput(
            "1.1-a", "Открыто случаев", Decimal(100), 2027, baseline=Decimal(20), baseline_year=2024,
            registry_code="cases_opened",
        ),
    )  # fmt: skip
    trained = indicator_create(
        actor=actor,
        element=output,
        data=IndicatorInput(
            "1.1.1-a", "Обучено специалистов", Decimal(200), 2026, baseline=Decimal(0), baseline_year=2024
        ),
    )
    actual_enter(
        actor=actor, indicator=trained, expected_version=1, period="2026Q1", value=Decimal(150), source="Отчёт центра"
    )
    trained.refresh_from_db()
    return {
        "plan": p, "goal": goal, "purpose": purpose, "output": output, "late": late, "later": later,
        "cases": cases, "trained": trained,
    }  # fmt: skip
