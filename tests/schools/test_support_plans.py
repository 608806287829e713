"""Support plans: started from a flag with measures of social, psychological and pedagogical help
(each with a responsible staff member or a name, and a due date), measures added and done, reviews,
closing with an outcome, every change checked against the version the page showed; referral to the
district's youth-affairs commission or to a case the pedagogue may read."""

import datetime as dt

import pytest
from django.utils import timezone

from safezone.audit.models import AuditEvent
from safezone.cases.models import Case
from safezone.common.errors import ChangedMeanwhile
from safezone.schools.models import SupportMeasure, SupportPlan, WarningFlag
from safezone.schools.services import MeasureInput, plan_open, plan_review

from .test_school_pages import flag
from .test_warning import pupil_in

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def plan_data(*measures, reason="Пропускает уроки, дома конфликт", review=None, flag_pk=None) -> dict:
    data = {
        "reason": reason,
        "next_review_on": (review or TODAY() + dt.timedelta(days=30)).isoformat(),
        "m-TOTAL_FORMS": "3",
        "m-INITIAL_FORMS": "0",
        "m-MIN_NUM_FORMS": "0",
        "m-MAX_NUM_FORMS": "10",
    }
    if flag_pk:
        data["flag"] = str(flag_pk)
    for i, measure in enumerate(measures):
        data.update({f"m-{i}-{key}": value for key, value in measure.items()})
    return data


def measure(kind="social", description="Посещение семьи", responsible="", name="", days=14) -> dict:
    return {
        "kind": kind,
        "description": description,
        "responsible": str(responsible),
        "responsible_name": name,
        "due_on": (TODAY() + dt.timedelta(days=days)).isoformat(),
    }


@pytest.fixture
def flagged(world):
    pupil = pupil_in(world.school, "p", surname="Планов")
    return pupil, flag(pupil, assigned_to=world.pavel)


def _open(world, pupil, **kwargs) -> SupportPlan:
    return plan_open(
        actor=world.pavel,
        pupil=pupil,
        reason="Пропуски без причины",
        next_review_on=TODAY() + dt.timedelta(days=30),
        measures=[MeasureInput("pedagogical", "Консультации по математике", TODAY(), responsible_id=world.pavel.pk)],
        **kwargs,
    )


# --- starting a plan ------------------------------------------------------------------------------
def test_pavel_starts_a_plan_from_a_flag_with_three_kinds_of_help(world, client_for, flagged):
    pupil, the_flag = flagged
    client = client_for(world.pavel)
    form = client.get(f"/schools/pupils/{pupil.pk}/plans/new/?flag={the_flag.pk}")
    assert form.status_code == 200 and form.context["flag"] == the_flag
    response = client.post(
        f"/schools/pupils/{pupil.pk}/plans/new/",
        plan_data(
            measure("social", "Посещение семьи", responsible=world.pavel.pk),
            measure("psychological", "Беседы с психологом", name="Иванова И. И., психолог"),
            measure("pedagogical", "Дополнительные занятия", name="Классный руководитель", days=30),
            flag_pk=the_flag.pk,
        ),
    )
    plan = SupportPlan.objects.get(pupil=pupil)
    assert response.status_code == 302 and response.url == f"/schools/plans/{plan.pk}/"
    assert plan.flag == the_flag and plan.opened_by == world.pavel and plan.status == "active"
    kinds = sorted(plan.measures.values_list("kind", "responsible_id", "responsible_name"))
    assert kinds == [
        ("pedagogical", None, "Классный руководитель"),
        ("psychological", None, "Иванова И. И., психолог"),
        ("social", world.pavel.pk, ""),
    ]
    the_flag.refresh_from_db()
    assert (the_flag.status, the_flag.handled_by) == ("supported", world.pavel)
    assert AuditEvent.objects.filter(action="support_plan.opened", object_id=str(pupil.pk)).count() == 1
    assert client.get(f"/schools/plans/{plan.pk}/").status_code == 200


@pytest.mark.parametrize(
    ("rows", "field"),
    [
        ((), "measures"),
        ((measure(responsible="", name=""),), "responsible"),
        ((measure(responsible="PAVEL", name="И ещё имя"),), "responsible"),
        ((measure(days=-1),), "due_on"),
    ],
)
def test_bad_plans_are_refused_naming_the_field_and_nothing_is_written(world, client_for, flagged, rows, field):
    pupil, _flag = flagged
    rows = [
        {**r, "responsible": str(world.pavel.pk) if r["responsible"] == "PAVEL" else r["responsible"]} for r in rows
    ]
    response = client_for(world.pavel).post(f"/schools/pupils/{pupil.pk}/plans/new/", plan_data(*rows))
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors() + [
        e for f in response.context["measures"].forms for e in f.non_field_errors()
    ]
    assert errors, field
    assert not SupportPlan.objects.exists() and not SupportMeasure.objects.exists()


def test_the_responsible_staff_member_must_work_at_the_pupils_school(world, flagged):
    pupil, _flag = flagged
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        plan_open(
            actor=world.pavel,
            pupil=pupil,
            reason="Пропуски",
            next_review_on=TODAY(),
            measures=[MeasureInput("social", "Посещение", TODAY(), responsible_id=world.zoya.pk)],
        )
    assert "responsible" in refused.value.error_dict


def test_a_plan_without_a_reason_or_with_a_past_review_is_refused(world, client_for, flagged):
    pupil, _flag = flagged
    response = client_for(world.pavel).post(
        f"/schools/pupils/{pupil.pk}/plans/new/",
        plan_data(measure(name="Психолог"), reason="", review=TODAY() - dt.timedelta(days=1)),
    )
    assert set(response.context["form"].errors) >= {"reason"}
    response = client_for(world.pavel).post(
        f"/schools/pupils/{pupil.pk}/plans/new/",
        plan_data(measure(name="Психолог"), review=TODAY() - dt.timedelta(days=1)),
    )
    assert "next_review_on" in response.context["form"].errors
    assert not SupportPlan.objects.exists()


def test_one_active_plan_per_pupil(world, client_for, flagged):
    pupil, _flag = flagged
    plan = _open(world, pupil)
    response = client_for(world.pavel).get(f"/schools/pupils/{pupil.pk}/plans/new/")
    assert response.status_code == 302 and response.url == f"/schools/plans/{plan.pk}/"
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        _open(world, pupil)


def test_a_flag_already_covered_by_the_active_plan_is_marked_so(world, client_for, flagged):
    pupil, _flag = flagged
    _open(world, pupil)
    later = flag(pupil, "courses", tier="at_risk", assigned_to=world.pavel)
    client_for(world.pavel).post(f"/schools/flags/{later.pk}/", {"status": "supported"})
    later.refresh_from_db()
    assert later.status == WarningFlag.Status.SUPPORTED


def test_zoya_cannot_start_or_read_a_plan_of_pavels_pupil(world, client_for, flagged):
    pupil, _flag = flagged
    plan = _open(world, pupil)
    client = client_for(world.zoya)
    assert client.post(f"/schools/pupils/{pupil.pk}/plans/new/", plan_data(measure(name="X"))).status_code == 404
    assert client.get(f"/schools/plans/{plan.pk}/").status_code == 404
    assert client.post(f"/schools/plans/{plan.pk}/review/", {"version": 1, "note": "Чужой"}).status_code == 404
    assert not plan.reviews.exists()


# --- working the plan -----------------------------------------------------------------------------
def test_measures_are_added_and_done_reviews_recorded_and_the_plan_closed(world, client_for, flagged):
    pupil, _flag = flagged
    plan = _open(world, pupil)
    client = client_for(world.pavel)
    url = f"/schools/plans/{plan.pk}/"
    client.post(
        url + "measure/",
        {
            "add-version": 1,
            "add-kind": "psychological",
            "add-description": "Групповые занятия",
            "add-responsible_name": "Психолог",
            "add-due_on": TODAY().isoformat(),
        },
    )
    plan.refresh_from_db()
    assert plan.version == 2 and plan.measures.count() == 2
    first = plan.measures.get(kind="pedagogical")
    client.post(url + "done/", {"version": 2, "measure": first.pk})
    first.refresh_from_db()
    assert first.done_on == TODAY()
    next_review = TODAY() + dt.timedelta(days=21)
    client.post(url + "review/", {"version": 3, "note": "Посещает занятия", "next_review_on": next_review.isoformat()})
    plan.refresh_from_db()
    assert plan.next_review_on == next_review and plan.reviews.get().note == "Посещает занятия"
    client.post(url + "close/", {"version": plan.version, "outcome": "returned"})
    plan.refresh_from_db()
    assert (plan.status, plan.outcome, plan.closed_on) == ("closed", "returned", TODAY())
    response = client.post(
        url + "review/", {"version": plan.version, "note": "Ещё одна", "next_review_on": "2099-01-01"}, follow=True
    )
    assert plan.reviews.count() == 1
    assert [m.level_tag for m in response.context["messages"]][-1] == "error"


def test_a_change_made_on_a_stale_page_is_refused_and_changes_nothing(world, client_for, flagged):
    pupil, _flag = flagged
    plan = _open(world, pupil)
    plan_review(
        actor=world.pavel,
        plan=plan,
        expected_version=1,
        note="Первая встреча",
        next_review_on=TODAY() + dt.timedelta(days=7),
    )
    with pytest.raises(ChangedMeanwhile):
        plan_review(
            actor=world.pavel,
            plan=plan,
            expected_version=1,
            note="Со старой страницы",
            next_review_on=TODAY() + dt.timedelta(days=9),
        )
    response = client_for(world.pavel).post(
        f"/schools/plans/{plan.pk}/close/", {"version": 1, "outcome": "improved"}, follow=True
    )
    plan.refresh_from_db()
    assert plan.status == "active" and plan.reviews.count() == 1
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_a_review_must_say_what_changed_and_look_ahead(world, flagged):
    pupil, _flag = flagged
    plan = _open(world, pupil)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        plan_review(actor=world.pavel, plan=plan, expected_version=1, note="", next_review_on=TODAY())
    assert set(refused.value.error_dict) == {"note", "next_review_on"}


# --- handing on -----------------------------------------------------------------------------------
def test_a_referral_to_the_districts_youth_commission_records_the_date(world, client_for, flagged):
    pupil, _flag = flagged
    plan = _open(world, pupil)
    client = client_for(world.pavel)
    page = client.get(f"/schools/plans/{plan.pk}/")
    assert page.context["commission"] == world.kdn
    before = TODAY() - dt.timedelta(days=1)  # before the plan was opened: refused
    client.post(f"/schools/plans/{plan.pk}/commission/", {"version": 1, "referred_on": before.isoformat()})
    plan.refresh_from_db()
    assert plan.commission_referred_on is None
    on = TODAY()
    client.post(f"/schools/plans/{plan.pk}/commission/", {"version": 1, "referred_on": on.isoformat()})
    plan.refresh_from_db()
    assert plan.commission_referred_on == on
    event = AuditEvent.objects.get(action="support_plan.commission_referral")
    assert event.extra["commission"] == world.kdn.pk
    client.post(f"/schools/plans/{plan.pk}/close/", {"version": plan.version, "outcome": "referred"})
    plan.refresh_from_db()
    assert plan.outcome == "referred"


def test_closing_as_handed_on_needs_a_referral_or_a_case_first(world, client_for, flagged):
    pupil, _flag = flagged
    plan = _open(world, pupil)
    client_for(world.pavel).post(f"/schools/plans/{plan.pk}/close/", {"version": 1, "outcome": "referred"})
    plan.refresh_from_db()
    assert plan.status == "active"


def test_a_school_without_a_commission_in_its_district_cannot_record_a_referral(world, client_for):
    pupil = pupil_in(world.school_sokol, "s")
    plan = plan_open(
        actor=world.zoya,
        pupil=pupil,
        reason="Пропуски",
        next_review_on=TODAY(),
        measures=[MeasureInput("social", "Посещение семьи", TODAY(), responsible_name="Соцпедагог")],
    )
    client_for(world.zoya).post(
        f"/schools/plans/{plan.pk}/commission/", {"version": 1, "referred_on": TODAY().isoformat()}
    )
    plan.refresh_from_db()
    assert plan.commission_referred_on is None


def test_only_a_case_the_pedagogue_may_read_is_linked(world, client_for, flagged):
    pupil, _flag = flagged
    plan = _open(world, pupil)
    client = client_for(world.pavel)
    client.post(f"/schools/plans/{plan.pk}/case/", {"version": 1, "reference": world.case_a.reference})
    plan.refresh_from_db()
    assert plan.case is None
    refusal = AuditEvent.objects.filter(actor=world.pavel, action="case.view", object_id=str(world.case_a.pk)).last()
    assert refusal.decision == "deny"
    own = Case.objects.create(
        kind="child",
        owner_agency=world.school,
        owner_worker=world.pavel,
        district=world.vologda,
        opened_on=TODAY(),
        summary="Ребёнок в трудной ситуации",
        created_by=world.pavel,
    )
    client.post(f"/schools/plans/{plan.pk}/case/", {"version": 1, "reference": own.reference})
    plan.refresh_from_db()
    assert plan.case == own
    page = client.get(f"/schools/plans/{plan.pk}/")
    assert own.reference in page.content.decode() and "/cases/intake/" in page.content.decode()
