"""Recording and changing assessments: decided by access, audited, scored with their own version, encrypted notes."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from safezone.access.policy import Purpose
from safezone.access.services import AccessDenied
from safezone.assessments.models import Assessment
from safezone.assessments.selectors import assessments_of, latest_assessment
from safezone.assessments.services import (
    AssessmentChangedMeanwhile,
    assessment_record,
    assessment_rescore,
    assessment_update,
)
from safezone.audit.models import AuditEvent
from safezone.common.errors import ChangedMeanwhile

from . import answers_of, bundled_data, dv_answers, write_instrument

CW = Purpose.CASE_WORK


def record(world, **kwargs):
    values = {
        "actor": world.anna,
        "case": world.case_a,
        "person": world.maria,
        "instrument_code": "dv_risk",
        "answers": dv_answers(yes=10),
        "purpose": CW,
    }
    return assessment_record(**{**values, **kwargs})


def test_a_caseworker_records_a_dv_assessment_on_her_case(world):
    assessment = record(world, answers=dv_answers(yes=14, not_known=3), notes="Говорила при закрытой двери")
    assessment.refresh_from_db()
    assert (assessment.instrument_code, assessment.instrument_version) == ("dv_risk", 1)
    assert (assessment.score, assessment.band, assessment.not_known) == (14, "high", 3)
    assert assessment.triggers == ["meeting_referral_high_risk"]
    assert assessment.answered_by == world.anna and assessment.version == 1
    assert assessment.notes == "Говорила при закрытой двери"
    assert assessment.history.get().history_user == world.anna
    event = AuditEvent.objects.get(action="assessment.recorded")
    assert (event.actor, event.object_type, event.object_id, event.purpose) == (
        world.anna,
        "case",
        str(world.case_a.pk),
        CW,
    )
    assert event.extra == {
        "assessment": assessment.pk,
        "person": world.maria.pk,
        "instrument": "dv_risk",
        "version": 1,
        "band": "high",
    }
    assert AuditEvent.objects.filter(actor=world.anna, action="case.edit", decision="allow").exists()


def test_a_worker_outside_the_case_cannot_record_an_assessment_and_the_refusal_is_audited(world):
    with pytest.raises(AccessDenied):
        record(world, actor=world.olga)
    assert not Assessment.objects.exists()
    assert AuditEvent.objects.filter(
        actor=world.olga, action="case.edit", decision="deny", object_type="case", object_id=str(world.case_a.pk)
    ).exists()


def test_an_assessment_is_only_about_a_person_taking_part_in_the_case(world):
    with pytest.raises(ValidationError) as exc:
        record(world, person=world.elena)
    assert set(exc.value.message_dict) == {"person"}
    assert not Assessment.objects.exists()


def test_an_instrument_for_another_kind_of_case_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        record(world, instrument_code="child_at_risk", answers=answers_of("child_at_risk"))
    assert set(exc.value.message_dict) == {"instrument_code"}
    assert not Assessment.objects.exists()


def test_an_unknown_instrument_is_refused_as_a_field_error(world):
    with pytest.raises(ValidationError) as exc:
        record(world, instrument_code="no_such")
    assert set(exc.value.message_dict) == {"instrument_code"}


def test_incomplete_answers_are_refused_by_question_and_save_nothing(world):
    answers = dv_answers(yes=2)
    del answers["weapons"]
    with pytest.raises(ValidationError) as exc:
        record(world, answers=answers)
    assert set(exc.value.message_dict) == {"weapons"}
    assert not Assessment.objects.exists()
    assert not AuditEvent.objects.filter(action="assessment.recorded").exists()


def test_the_child_worker_records_the_child_at_risk_questionnaire_on_a_child_case(world):
    answers = answers_of("child_at_risk", yes={"homeless_or_runaway", "begging"})
    assessment = record(
        world, actor=world.olga, case=world.case_c, person=world.petya, instrument_code="child_at_risk", answers=answers
    )
    assert (assessment.score, assessment.band, assessment.triggers) == (
        6,
        "socially_dangerous",
        [
            "youth_commission_referral",
            "immediate_danger",
        ],
    )


def _dv_v2(directory):
    """A second version of the DV checklist: strangulation weighs 3, and the bands turn at 6 and 10."""
    data = bundled_data("dv_risk")
    data["version"] = 2
    for item in data["items"]:
        if item["code"] == "strangulation":
            item["weight"] = 3
    data["bands"][1]["min_score"], data["bands"][2]["min_score"] = 6, 10
    data["triggers"][0]["rule"]["value"] = 10
    write_instrument(directory, data)


def test_a_new_version_leaves_old_scores_alone_and_scores_new_assessments(world, settings, tmp_path):
    answers = answers_of("dv_risk", yes={"strangulation", "threats_to_kill", "weapons", "stalking", "separation"})
    answers.update({"more_often": "yes", "getting_worse": "yes", "isolation": "yes", "current_injury": "yes"})
    old = record(world, answers=answers)
    assert (old.instrument_version, old.score, old.band, old.triggers) == (1, 9, "standard", [])

    _dv_v2(tmp_path)
    settings.SAFEZONE_INSTRUMENT_DIRS = [str(tmp_path)]
    again = assessment_rescore(assessment=Assessment.objects.get(pk=old.pk))
    assert (again.score, again.band, again.triggers) == (9, "standard", ())
    assert Assessment.objects.get(pk=old.pk).instrument.version == 1

    new = record(world, answers=answers)
    assert (new.instrument_version, new.score, new.band, new.triggers) == (
        2,
        11,
        "high",
        ["meeting_referral_high_risk"],
    )
    stored = Assessment.objects.get(pk=old.pk)
    assert (stored.instrument_version, stored.score, stored.band) == (1, 9, "standard")


def test_changing_answers_rescores_with_the_assessments_own_version(world, settings, tmp_path):
    assessment = record(world, answers=dv_answers(yes=9))
    _dv_v2(tmp_path)
    settings.SAFEZONE_INSTRUMENT_DIRS = [str(tmp_path)]
    changed = assessment_update(
        actor=world.anna,
        assessment_id=assessment.pk,
        expected_version=1,
        answers=dv_answers(yes=10),
        notes="Уточнено у пострадавшей",
        purpose=CW,
    )
    changed.refresh_from_db()
    assert (changed.instrument_version, changed.score, changed.band, changed.version) == (1, 10, "medium", 2)
    assert changed.notes == "Уточнено у пострадавшей"
    assert changed.history.count() == 2 and changed.history.first().history_user == world.anna
    assert AuditEvent.objects.get(action="assessment.changed").extra["band_before"] == "standard"


def test_a_stale_change_is_refused_and_changes_nothing(world):
    assessment = record(world, answers=dv_answers(yes=3), notes="Первая беседа")
    assessment_update(
        actor=world.anna,
        assessment_id=assessment.pk,
        expected_version=1,
        answers=dv_answers(yes=5),
        notes=None,
        purpose=CW,
    )
    with pytest.raises(AssessmentChangedMeanwhile) as exc:
        assessment_update(
            actor=world.anna,
            assessment_id=assessment.pk,
            expected_version=1,
            answers=dv_answers(yes=20),
            notes="Перезаписано",
            purpose=CW,
        )
    assert isinstance(exc.value, ChangedMeanwhile) and "assessment" in str(exc.value.message)
    stored = Assessment.objects.get(pk=assessment.pk)
    assert (stored.score, stored.version, stored.notes) == (5, 2, "Первая беседа")
    assert stored.history.count() == 2


def test_a_worker_outside_the_case_cannot_change_an_assessment(world):
    assessment = record(world)
    with pytest.raises(AccessDenied):
        assessment_update(
            actor=world.olga,
            assessment_id=assessment.pk,
            expected_version=1,
            answers=dv_answers(yes=20),
            notes="",
            purpose=CW,
        )
    stored = Assessment.objects.get(pk=assessment.pk)
    assert (stored.score, stored.version) == (10, 1)
    assert AuditEvent.objects.filter(actor=world.olga, decision="deny", object_id=str(world.case_a.pk)).exists()


def test_changed_answers_must_still_answer_every_question(world):
    assessment = record(world)
    answers = dv_answers(yes=12)
    answers["weapons"] = "perhaps"
    with pytest.raises(ValidationError) as exc:
        assessment_update(
            actor=world.anna,
            assessment_id=assessment.pk,
            expected_version=1,
            answers=answers,
            notes=None,
            purpose=CW,
        )
    assert set(exc.value.message_dict) == {"weapons"}
    assert Assessment.objects.get(pk=assessment.pk).version == 1


def test_the_notes_are_encrypted_in_the_database(world):
    assessment = record(world, notes="Прячет телефон в ванной")
    assessment_update(
        actor=world.anna,
        assessment_id=assessment.pk,
        expected_version=1,
        answers=dv_answers(yes=11),
        notes="Прячет телефон в ванной, звонить утром",
        purpose=CW,
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT notes FROM assessments_assessment WHERE id = %s", [assessment.pk])
        (stored,) = cursor.fetchone()
        cursor.execute("SELECT notes FROM assessments_historicalassessment WHERE id = %s", [assessment.pk])
        history = [row[0] for row in cursor.fetchall()]
    assert "телефон" not in stored and stored.startswith("gAAAA")
    assert len(history) == 2 and all("телефон" not in h and h.startswith("gAAAA") for h in history)
    assert Assessment.objects.get(pk=assessment.pk).notes == "Прячет телефон в ванной, звонить утром"


def test_a_case_lists_its_assessments_newest_first_with_the_latest_per_questionnaire(world):
    first = record(world, answers=dv_answers(yes=4))
    second = record(world, person=world.sasha, answers=dv_answers(yes=15))
    assert list(assessments_of(world.case_a)) == [second, first]
    assert latest_assessment(world.case_a, "dv_risk") == second
    assert latest_assessment(world.case_a, "child_at_risk") is None
    assert list(assessments_of(world.case_b)) == []
