"""The social pedagogue's pages: the early-warning list (own tasks first, badges per indicator,
filters, pages, what it showed recorded), a pupil with their registers (a pedagogue of another
school gets a 404 and the refusal is recorded), the decision on a flag, and the figures per school
and district (counts only)."""

import datetime as dt

import pytest
from django.utils import timezone

from safezone.audit.models import AuditEvent
from safezone.schools.calendar import quarter_bounds, quarter_of
from safezone.schools.models import (
    CourseMark,
    Discipline,
    Enrolment,
    SchoolClass,
    SupportMeasure,
    SupportPlan,
    WarningFlag,
)
from safezone.schools.services import warnings_compute

from .test_warning import attend, pupil_in, weekdays

pytestmark = pytest.mark.django_db


def now_quarter() -> tuple[int, int]:
    return quarter_of(timezone.localdate())


def flag(pupil, indicator="attendance", tier="high", status="open", assigned_to=None, quarter=None, **measure):
    year, q = quarter or now_quarter()
    defaults = {
        "attendance": {"absence_pct": 12.5, "days": 40},
        "behaviour": {"referrals": 3, "suspensions": 0},
        "courses": {"failures": 1, "subjects": ["mathematics"]},
        "trend": {"absence_pct": 4.0, "days": 40},
    }
    return WarningFlag.objects.create(
        pupil=pupil,
        year=year,
        quarter=q,
        indicator=indicator,
        tier=tier,
        status=status,
        assigned_to=assigned_to,
        measure=measure or defaults[indicator],
    )


# --- the early-warning list -----------------------------------------------------------------------
def test_pavel_sees_his_flagged_pupils_with_his_open_tasks_first(world, client_for):
    watched = pupil_in(world.school, "w", surname="Анисимов")
    mine = pupil_in(world.school, "m", surname="Яковлев")
    calm = pupil_in(world.school, "c", surname="Борисов")
    other = pupil_in(world.school_sokol, "o", surname="Сокольский")
    flag(watched, status="watching", assigned_to=world.pavel)
    flag(mine, tier="at_risk", assigned_to=world.pavel)
    flag(mine, "behaviour", tier="at_risk", assigned_to=world.pavel, referrals=4, suspensions=1)
    flag(calm, "courses", tier="low")  # a low finding is no task
    flag(other, assigned_to=world.zoya)
    page = client_for(world.pavel).get("/schools/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Яковлев" in html and "Анисимов" in html
    assert "Борисов" not in html and "Сокольский" not in html
    assert html.index("Яковлев") < html.index("Анисимов")  # open task of his first, whatever the tier
    listed = [row.pupil for row in page.context["rows"]]
    assert listed == [mine, watched]
    assert page.context["rows"][0].flags["behaviour"].measure["referrals"] == 4
    read = AuditEvent.objects.filter(actor=world.pavel, action="pupil.view", object_type="pupil").last()
    assert read.decision == "allow" and sorted(read.extra["ids"]) == sorted([mine.pk, watched.pk])


def test_the_list_filters_by_indicator_tier_status_class_and_quarter(world, client_for):
    year, quarter = now_quarter()
    seventh = SchoolClass.objects.create(school=world.school, year=year, name="7Б", grade=7)
    a, b = pupil_in(world.school, "a", surname="Аксёнов"), pupil_in(world.school, "b", surname="Белов")
    a.school_class = seventh
    a.save()
    flag(a, "behaviour", tier="high")
    flag(b, "attendance", tier="at_risk", status="watching")
    flag(b, "courses", tier="high", quarter=(year - 1, 4))
    client = client_for(world.pavel)

    def shown(**params):
        return [row.pupil.local_id for row in client.get("/schools/", params).context["rows"]]

    assert shown() == ["a", "b"]
    assert shown(indicator="behaviour") == ["a"]
    assert shown(tier="at_risk") == ["b"]
    assert shown(status="watching") == ["b"]
    assert shown(school_class=seventh.pk) == ["a"]
    assert shown(quarter=f"{year - 1}-4") == ["b"]
    bad = client.get("/schools/", {"tier": "nonsense"})
    assert bad.status_code == 200 and "tier" in bad.context["filter"].form.errors


def test_the_list_comes_in_pages(world, client_for):
    for i in range(30):
        flag(pupil_in(world.school, f"p{i:02d}"))
    client = client_for(world.pavel)
    first, second = client.get("/schools/"), client.get("/schools/", {"page": 2})
    assert len(first.context["rows"]) == 25 and len(second.context["rows"]) == 5


def test_plans_due_for_review_and_overdue_measures_are_on_the_pedagogues_task_list(world, client_for):
    today = timezone.localdate()
    pupil = pupil_in(world.school, "p", surname="Дьячков")
    plan = SupportPlan.objects.create(
        pupil=pupil, reason="Пропуски", opened_on=today - dt.timedelta(days=40), opened_by=world.pavel,
        next_review_on=today - dt.timedelta(days=1),
    )  # fmt: skip
    SupportMeasure.objects.create(
        plan=plan, kind="psychological", description="Беседы с психологом", responsible_name="Психолог",
        due_on=today - dt.timedelta(days=3),
    )  # fmt: skip
    page = client_for(world.pavel).get("/schools/")
    tasks = page.context["tasks"]
    assert tasks.reviews == [plan] and [m.description for m in tasks.measures] == ["Беседы с психологом"]
    assert "Беседы с психологом" in page.content.decode()
    assert not client_for(world.zoya).get("/schools/").context["tasks"]


@pytest.mark.parametrize("username", ["nemo", "alex", "anna", "ilya"])
def test_who_is_no_schools_staff_gets_no_list(world, client_for, username):
    response = client_for(getattr(world, username)).get("/schools/")
    assert response.status_code == 404


# --- a pupil --------------------------------------------------------------------------------------
def _pupil_with_registers(world):
    year, quarter = now_quarter()
    pupil = pupil_in(world.school, "r", surname="Регистров", started_on=dt.date(year, 9, 1))
    start, _end = quarter_bounds(year, 1)
    attend(pupil, weekdays(start, 40), absent=4)
    Discipline.objects.create(pupil=pupil, kind="referral", occurred_on=dt.date(year, 10, 2), reason="Драка")
    Discipline.objects.create(pupil=pupil, kind="suspension", occurred_on=dt.date(year, 10, 9), days=3)
    CourseMark.objects.create(pupil=pupil, year=year, quarter=1, subject="mathematics", mark=2)
    flag(pupil, assigned_to=world.pavel)
    return pupil


def test_pavel_opens_his_pupil_with_the_registers_and_the_read_is_recorded(world, client_for):
    pupil = _pupil_with_registers(world)
    page = client_for(world.pavel).get(f"/schools/pupils/{pupil.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Регистров" in html and "Драка" in html and "10,0%" in html  # Q1: 4 of 40 days missed
    assert page.context["quarters"][0].attendance.absent == 4
    assert page.context["marks"][0][1][0].mark == 2
    assert len(page.context["flags"]) == 1
    read = AuditEvent.objects.filter(actor=world.pavel, action="pupil.view", object_id=str(pupil.pk)).last()
    assert read.decision == "allow" and read.rule.endswith("+school")


def test_zoya_of_the_other_school_gets_a_404_and_the_refusal_is_recorded(world, client_for):
    pupil = _pupil_with_registers(world)
    client = client_for(world.zoya)
    assert client.get(f"/schools/pupils/{pupil.pk}/").status_code == 404
    refusal = AuditEvent.objects.filter(actor=world.zoya, object_type="pupil", object_id=str(pupil.pk)).last()
    assert refusal.decision == "deny" and refusal.rule == "not-this-school's-pupil"
    the_flag = pupil.flags.get()
    assert client.get(f"/schools/flags/{the_flag.pk}/").status_code == 404
    assert client.get(f"/schools/pupils/{pupil.pk}/plans/new/").status_code == 404
    assert client.get("/schools/pupils/999999/").status_code == 404


# --- a flag ---------------------------------------------------------------------------------------
def test_pavel_decides_to_keep_watching_and_nothing_to_do_needs_a_reason(world, client_for):
    pupil = pupil_in(world.school, "p")
    the_flag = flag(pupil, assigned_to=world.pavel)
    client = client_for(world.pavel)
    page = client.post(f"/schools/flags/{the_flag.pk}/", {"status": "dismissed", "note": ""})
    assert page.status_code == 200 and "note" in page.context["form"].errors
    the_flag.refresh_from_db()
    assert the_flag.status == "open"
    assert client.post(f"/schools/flags/{the_flag.pk}/", {"status": "watching"}).status_code == 302
    the_flag.refresh_from_db()
    assert (the_flag.status, the_flag.handled_by) == ("watching", world.pavel)
    client.post(f"/schools/flags/{the_flag.pk}/", {"status": "dismissed", "note": "Болел, справка есть"})
    the_flag.refresh_from_db()
    assert the_flag.status == "dismissed" and the_flag.note == "Болел, справка есть"
    assert AuditEvent.objects.filter(action="flag.handled", object_id=str(pupil.pk)).count() == 2


def test_a_flag_raised_by_the_engine_links_from_pavels_notification_to_the_flag(world, client_for):
    year, quarter = now_quarter()
    start, _end = quarter_bounds(year, quarter)
    pupil = pupil_in(world.school, "p", started_on=dt.date(year, 9, 1))
    attend(pupil, weekdays(dt.date(year, 9, 1), 40), absent=8)
    warnings_compute(year=year, quarter=1, today=quarter_bounds(year, 1)[1])
    raised = WarningFlag.objects.get(pupil=pupil)
    notification = world.pavel.notifications.get()
    assert notification.url == f"/schools/flags/{raised.pk}/"
    assert client_for(world.pavel).get(notification.url).status_code == 200


# --- figures --------------------------------------------------------------------------------------
def _figures_world(world):
    """School No. 1 (Vologda): 4 pupils, 2 flagged, 1 with a plan, 1 back to regular attendance
    after an attendance flag the quarter before, 1 dropped out. The Sokol school: 1 flagged pupil."""
    year, quarter = 2025, 2
    today = timezone.localdate()
    start, end = quarter_bounds(year, quarter)
    flagged = pupil_in(world.school, "f", surname="Флажков", started_on=dt.date(2025, 9, 1))
    supported = pupil_in(world.school, "s", started_on=dt.date(2025, 9, 1))
    back = pupil_in(world.school, "b", started_on=dt.date(2025, 9, 1))
    pupil_in(
        world.school, "d", started_on=dt.date(2025, 9, 1), ended_on=dt.date(2025, 11, 20), end_reason="dropped_out"
    )
    flag(flagged, quarter=(year, quarter))
    flag(supported, "behaviour", quarter=(year, quarter))
    SupportPlan.objects.create(
        pupil=supported, reason="Поведение", opened_on=dt.date(2025, 11, 10), opened_by=world.pavel,
        next_review_on=today,
    )  # fmt: skip
    flag(back, quarter=(year, 1))
    attend(back, weekdays(dt.date(2025, 9, 1), 40), absent=0)
    attend(back, weekdays(start, 40), absent=0)
    flag(pupil_in(world.school_sokol, "x", started_on=dt.date(2025, 9, 1)), quarter=(year, quarter))
    assert Enrolment.objects.filter(end_reason="dropped_out").count() == 1
    return year, quarter, end


def test_the_figures_count_flagged_supported_returned_and_dropped_out_without_names(world, client_for):
    year, quarter, _end = _figures_world(world)
    page = client_for(world.pavel).get("/schools/figures/", {"quarter": f"{year}-{quarter}"})
    assert page.status_code == 200
    ((school, row),) = page.context["schools"]
    assert school == world.school
    assert (row.pupils, row.flagged, row.supported, row.returned, row.dropped_out) == (4, 2, 1, 1, 1)
    assert [d.name for d in page.context["districts"]] == [str(world.vologda.name)]
    assert "Флажков" not in page.content.decode()
    event = AuditEvent.objects.filter(actor=world.pavel, action="school.figures").last()
    assert event.decision == "allow" and event.extra["quarter"] == quarter


def test_the_coordinator_sees_the_schools_of_her_districts_and_others_see_no_figures(world, client_for):
    year, quarter, _end = _figures_world(world)
    page = client_for(world.kira).get("/schools/figures/", {"quarter": f"{year}-{quarter}"})
    assert [school for school, _row in page.context["schools"]] == [world.school]
    zoya = client_for(world.zoya).get("/schools/figures/", {"quarter": f"{year}-{quarter}"})
    assert [(s, r.flagged) for s, r in zoya.context["schools"]] == [(world.school_sokol, 1)]
    for username in ("alex", "anna", "nemo"):
        assert client_for(getattr(world, username)).get("/schools/figures/").status_code == 404
