"""The school social pedagogue in a real Chromium: pavel sees the early-warning list, opens a flagged
pupil and starts a support plan, moving through the form with the keyboard."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from safezone.people.models import Person
from safezone.schools.calendar import quarter_of
from safezone.schools.models import Enrolment, Pupil, SupportPlan, WarningFlag
from tests.browser.test_browser import shoot, sign_in
from tests.browser.test_hotline import choose, tab_to

pytestmark = pytest.mark.browser


def _flagged_pupil(w) -> WarningFlag:
    year, quarter = quarter_of(timezone.localdate())
    person = Person.objects.create(surname="Журавлёв", first_name="Денис", sex="M", birth_year=2012)
    pupil = Pupil.objects.create(school=w.school, person=person, local_id="b-1")
    Enrolment.objects.create(pupil=pupil, started_on=dt.date(year, 9, 1))
    return WarningFlag.objects.create(
        pupil=pupil,
        year=year,
        quarter=quarter,
        indicator="attendance",
        tier="high",
        measure={"absence_pct": 14.3, "days": 35, "absent": 5, "chronic": True},
        assigned_to=w.pavel,
    )


def test_a_pedagogue_sees_the_early_warning_list_opens_a_flagged_pupil_and_starts_a_support_plan(
    live_server, live_world, page, output_path
):
    w, base = live_world, live_server.url
    flag = _flagged_pupil(w)
    sign_in(page, base, "pavel")
    page.wait_for_url(re.compile(r"/$|/cases/|/schools/"))
    page.goto(f"{base}/schools/")
    expect(page.locator("#my-flags")).to_contain_text("Журавлёв Денис")
    expect(page.locator("#warning-list")).to_contain_text("14,3%")
    shoot(page, output_path, "schools-1-list")

    # Open the pupil from the list with the keyboard.
    tab_to(page, f"#warning-list a[href='/schools/pupils/{flag.pupil_id}/']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/schools/pupils/{flag.pupil_id}/$"))
    expect(page.locator("#flags")).to_contain_text("14,3")
    shoot(page, output_path, "schools-2-pupil")

    tab_to(page, "#start-plan")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/schools/pupils/{flag.pupil_id}/plans/new/\?flag={flag.pk}$"))
    # The reason has the focus; the next review is filled in (a month ahead).
    expect(page.locator("#id_reason")).to_be_focused()
    page.keyboard.type("Пропустил 5 дней из 35 без причины, в семье конфликт")
    choose(page, "#id_m-0-kind", "social")
    tab_to(page, "#id_m-0-description")
    page.keyboard.type("Посещение семьи")
    choose(page, "#id_m-0-responsible", str(w.pavel.pk))
    due = timezone.localdate() + dt.timedelta(days=7)
    page.locator("#id_m-0-due_on").fill(due.isoformat())  # (a date field's segments differ by locale)
    choose(page, "#id_m-1-kind", "psychological")
    tab_to(page, "#id_m-1-description")
    page.keyboard.type("Беседы со школьным психологом")
    tab_to(page, "#id_m-1-responsible_name")
    page.keyboard.type("Иванова И. И.")
    page.locator("#id_m-1-due_on").fill((due + dt.timedelta(days=7)).isoformat())
    shoot(page, output_path, "schools-3-plan-form")
    tab_to(page, "#save-plan")
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/schools/plans/\d+/$"))
    expect(page.locator("#measures")).to_contain_text("Посещение семьи")
    expect(page.locator("#measures")).to_contain_text("Иванова И. И.")
    shoot(page, output_path, "schools-4-plan")
    plan = SupportPlan.objects.get(pupil_id=flag.pupil_id)
    assert plan.flag_id == flag.pk and plan.opened_by == w.pavel and plan.measures.count() == 2
    flag.refresh_from_db()
    assert flag.status == "supported"
