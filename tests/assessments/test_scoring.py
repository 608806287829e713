"""Scoring: points, bands, triggers and "not known", and answers that are refused by question."""

import pytest
from django.core.exceptions import ValidationError

from safezone.assessments.instruments import instrument
from safezone.assessments.scoring import Result, score

from . import answers_of, dv_answers, tiny, write_instrument


@pytest.mark.parametrize(
    ("yes", "band"),
    [(0, "standard"), (9, "standard"), (10, "medium"), (13, "medium"), (14, "high"), (24, "high")],
)
def test_dv_bands_turn_at_10_and_14_yes_answers(yes, band):
    result = score(instrument("dv_risk"), dv_answers(yes=yes))
    assert (result.score, result.band) == (yes, band)


def test_the_meeting_referral_fires_at_14_yes_answers_and_not_at_13():
    dv = instrument("dv_risk")
    assert score(dv, dv_answers(yes=13)).triggers == ()
    assert score(dv, dv_answers(yes=14)).triggers == ("meeting_referral_high_risk",)


def test_not_known_scores_nothing_and_is_counted():
    result = score(instrument("dv_risk"), dv_answers(yes=13, not_known=11))
    assert result == Result(score=13, band="medium", triggers=(), not_known=11, missing=())


def test_a_checklist_answered_not_known_throughout_scores_zero_but_says_so():
    result = score(instrument("dv_risk"), dv_answers(not_known=24))
    assert (result.score, result.band, result.not_known) == (0, "standard", 24)


def test_every_question_must_be_answered():
    answers = dv_answers(yes=3)
    del answers["strangulation"], answers["weapons"]
    with pytest.raises(ValidationError) as exc:
        score(instrument("dv_risk"), answers)
    assert set(exc.value.message_dict) == {"strangulation", "weapons"}


def test_an_unknown_question_and_an_answer_not_offered_are_refused_by_question():
    answers = {**dv_answers(), "threats_to_kill": "maybe", "shoe_size": "yes"}
    with pytest.raises(ValidationError) as exc:
        score(instrument("dv_risk"), answers)
    assert set(exc.value.message_dict) == {"threats_to_kill", "shoe_size"}


def test_answers_that_are_not_a_mapping_are_refused():
    with pytest.raises(ValidationError) as exc:
        score(instrument("dv_risk"), ["yes"] * 24)
    assert set(exc.value.message_dict) == {"answers"}


def test_a_form_still_being_filled_in_is_scored_with_its_missing_questions_listed():
    answers = {"current_injury": "yes", "strangulation": "yes"}
    result = score(instrument("dv_risk"), answers, partial=True)
    assert result.score == 2 and len(result.missing) == 22 and "weapons" in result.missing


def test_a_child_left_unsupervised_with_neglected_needs_and_drinking_carers_is_in_a_socially_dangerous_situation():
    child = instrument("child_at_risk")
    six = answers_of("child_at_risk", yes={"basic_needs_neglected", "carers_substance_misuse", "no_supervision"})
    result = score(child, six)
    assert (result.score, result.band, result.triggers) == (6, "socially_dangerous", ("youth_commission_referral",))
    five = answers_of("child_at_risk", yes={"basic_needs_neglected", "carers_substance_misuse", "school_absence"})
    assert (score(child, five).band, score(child, five).triggers) == ("concern", ())


@pytest.mark.parametrize("sign", ["violence_against_child", "homeless_or_runaway"])
def test_violence_or_homelessness_alone_is_an_immediate_danger_whatever_the_score(sign):
    result = score(instrument("child_at_risk"), answers_of("child_at_risk", yes={sign}))
    assert result.band == "concern" and result.triggers == ("immediate_danger",)


def test_begging_alone_is_a_concern_but_no_immediate_danger():
    result = score(instrument("child_at_risk"), answers_of("child_at_risk", yes={"begging"}))
    assert (result.score, result.band, result.triggers) == (3, "concern", ())


@pytest.mark.parametrize(
    "category", ["slavery_trafficking_forced_labour", "sexual_exploitation", "illicit_activities", "hazardous_work"]
)
def test_any_worst_form_of_child_labour_is_flagged_and_severe(category):
    answers = {**answers_of("child_labour", rest="no"), "worst_form_category": category}
    result = score(instrument("child_labour"), answers)
    assert result.band == "severe" and result.triggers == ("worst_form",)


def test_work_with_no_worst_form_is_scored_by_its_hazards():
    answers = {
        **answers_of("child_labour", yes={"night_work", "work_instead_of_school"}),
        "worst_form_category": "none",
    }
    result = score(instrument("child_labour"), answers)
    assert (result.score, result.band, result.triggers) == (3, "harmful", ())


def test_a_kept_passport_signals_forced_labour():
    answers = {**answers_of("child_labour", yes={"documents_or_freedom_taken"}), "worst_form_category": "none"}
    assert score(instrument("child_labour"), answers).triggers == ("forced_labour_signs",)


def test_a_choice_question_takes_only_its_own_options():
    answers = {**answers_of("child_labour"), "worst_form_category": "not_known"}
    with pytest.raises(ValidationError) as exc:
        score(instrument("child_labour"), answers)
    assert set(exc.value.message_dict) == {"worst_form_category"}


@pytest.fixture
def trial(settings, tmp_path):
    """The small trial instrument: a (1 point), b (2 points), c (x 0, y 3, z 1); high from 3."""
    write_instrument(tmp_path, tiny())
    settings.SAFEZONE_INSTRUMENT_DIRS = [str(tmp_path)]
    return instrument("tiny")


@pytest.mark.parametrize(
    ("answers", "fired"),
    [
        ({"a": "no", "b": "no", "c": "x"}, ()),
        ({"a": "yes", "b": "not_known", "c": "x"}, ("by_yes",)),
        ({"a": "no", "b": "no", "c": "z"}, ("by_answers",)),
        ({"a": "no", "b": "no", "c": "y"}, ("by_answer", "by_answers")),
        ({"a": "no", "b": "yes", "c": "y"}, ("by_score", "by_answer", "by_answers", "by_yes")),
    ],
)
def test_each_rule_kind_fires_on_its_own_condition(trial, answers, fired):
    assert score(trial, answers).triggers == fired


def test_weights_and_option_points_add_up_and_pick_the_highest_band_reached(trial):
    assert score(trial, {"a": "yes", "b": "yes", "c": "z"}) == Result(
        score=4, band="high", triggers=("by_answers", "by_yes"), not_known=0
    )
    assert score(trial, {"a": "yes", "b": "not_known", "c": "x"}).band == "low"
