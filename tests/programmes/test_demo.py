"""The demo region's action plan loads whole, and loading it again changes nothing."""

from datetime import date

import pytest

from safezone.demo.action_plan import action_plan_seed
from safezone.programmes.models import Actual, Element, Level, Plan, Status
from safezone.programmes.selectors import periods_until, plan_tree

pytestmark = pytest.mark.django_db


def test_the_demo_plan_loads_as_a_logframe_with_actuals_and_again_changes_nothing(world):
    today = date(2026, 11, 20)
    plan = action_plan_seed(today=today)
    version = Plan.objects.get(pk=plan.pk).version
    levels = set(Element.objects.filter(plan=plan).values_list("level", flat=True))
    assert levels == set(Level.values)
    # Hand-kept actuals reach the last quarter ended (2026Q3), none beyond.
    assert Actual.objects.filter(indicator__plan=plan, period="2026Q3").exists()
    assert not Actual.objects.filter(indicator__plan=plan, period="2026Q4").exists()
    assert Element.objects.get(plan=plan, code="1.1.2.3").status == Status.DELAYED
    nodes = plan_tree(plan, periods_until(None, today), today)
    assert nodes[0].element.code == "1" and any(n.overdue for n in nodes)
    action_plan_seed(today=today)
    assert Plan.objects.get(pk=plan.pk).version == version
    assert Plan.objects.count() == 1
