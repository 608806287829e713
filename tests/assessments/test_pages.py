"""The assessment pages: safety questions first, every question answered, the result and what it calls for."""

from safezone.assessments.instruments import instrument
from safezone.assessments.models import Assessment
from safezone.cases.models import SafetyCheck


def filled(world, yes=14, **extra):
    data = {
        "instrument": "dv_risk",
        "person": world.maria.pk,
        "safe_to_talk": "yes",
        "safe_phone": "+7 900 1",
        "code_word": "сирень",
        "messages_ok": "no",
        "knows_about_referrals": "yes",
        "agrees_to_referrals": "yes",
    }
    for i, item in enumerate(instrument("dv_risk").items):
        data[f"item_{item.code}"] = "yes" if i < yes else "no"
    data.update(extra)
    return data


def test_answering_the_checklist_records_the_safety_check_and_the_scored_assessment(world, client_for):
    response = client_for(world.anna).post(f"/assessments/cases/{world.case_a.pk}/new/", filled(world))
    assessment = Assessment.objects.get(case=world.case_a)
    assert response.status_code == 302 and response["Location"] == f"/assessments/{assessment.pk}/"
    assert (assessment.score, assessment.band, assessment.triggers) == (14, "high", ["meeting_referral_high_risk"])
    check = SafetyCheck.objects.get(case=world.case_a)
    assert (check.safe_to_talk, check.code_word, check.agrees_to_referrals) == ("yes", "сирень", "yes")


def test_an_unanswered_question_is_named_and_nothing_is_saved(world, client_for):
    data = filled(world)
    del data[f"item_{instrument('dv_risk').items[3].code}"]
    response = client_for(world.anna).post(f"/assessments/cases/{world.case_a.pk}/new/", data)
    assert response.status_code == 200
    assert f"item_{instrument('dv_risk').items[3].code}" in response.context["form"].errors
    assert not Assessment.objects.exists() and not SafetyCheck.objects.exists()


def test_the_assessment_page_shows_the_result_and_the_meeting_trigger(world, client_for):
    client = client_for(world.anna)
    client.post(f"/assessments/cases/{world.case_a.pk}/new/", filled(world))
    page = client.get(f"/assessments/{Assessment.objects.get().pk}/")
    body = page.content.decode()
    assert page.context["band"].code == "high" and "14" in body
    assert [t.code for t in page.context["triggers"]] == ["meeting_referral_high_risk"]


def test_a_questionnaire_of_another_case_kind_is_not_offered(world, client_for):
    assert (
        client_for(world.olga).get(f"/assessments/cases/{world.case_c.pk}/new/?instrument=dv_risk").status_code == 404
    )
    assert (
        client_for(world.olga).get(f"/assessments/cases/{world.case_c.pk}/new/?instrument=child_at_risk").status_code
        == 200
    )


def test_the_safe_contact_details_show_first_and_only_to_roles_that_see_them(world, client_for):
    client_for(world.anna).post(f"/assessments/cases/{world.case_a.pk}/new/", filled(world))
    assert "сирень" in client_for(world.anna).get(f"/cases/{world.case_a.pk}/").content.decode()
    coordinator = client_for(world.kira).get(f"/cases/{world.case_a.pk}/?purpose=coordination").content.decode()
    assert "сирень" not in coordinator


def test_intake_asks_the_safety_questions_first_and_keeps_the_answers(world, client_for):
    from tests.cases.test_intake import intake_post

    client_for(world.anna).post("/cases/intake/", intake_post(world, safe_to_talk="no", code_word="ромашка"))
    check = SafetyCheck.objects.get()
    assert (check.safe_to_talk, check.code_word) == ("no", "ромашка")


def test_a_new_assessment_starts_from_the_safety_answers_already_known(world, client_for):
    from safezone.cases.services import SafetyAnswers, safety_check_record

    safety_check_record(
        actor=world.anna,
        case=world.case_a,
        person=world.maria,
        answers=SafetyAnswers(safe_to_talk="yes", safe_phone="+7 900 000-00-01", code_word="ромашка"),
        purpose="case_work",
    )
    page = client_for(world.anna).get(f"/assessments/cases/{world.case_a.pk}/new/?instrument=dv_risk")
    body = page.content.decode()
    assert "ромашка" in body and "+7 900 000-00-01" in body
