"""The registry of instruments: bundled files load and check, versions add up, malformed files are refused by name."""

import pytest
from django.utils import translation

from safezone.assessments.instruments import (
    BUNDLED_DIR,
    CHOICE,
    YES_NO,
    InstrumentFileError,
    UnknownInstrument,
    all_versions,
    instrument,
    instrument_read,
    instruments_check,
    instruments_for,
)

from . import TINY, bundled_data, tiny, write_instrument

BUNDLED = ["dv_risk", "child_at_risk", "child_labour"]


@pytest.mark.parametrize("code", BUNDLED)
def test_each_bundled_instrument_loads_and_passes_its_check(code):
    loaded = instrument_read(BUNDLED_DIR / f"{code}.v1.json")
    assert (loaded.code, loaded.version) == (code, 1)
    assert loaded == instrument(code)
    assert all(item.text_ru and item.text_en for item in loaded.items)
    assert loaded.title_ru and loaded.title_en and loaded.description_ru and loaded.description_en
    assert [b.min_score for b in loaded.bands] == sorted(b.min_score for b in loaded.bands)


def test_only_the_three_versions_are_bundled():
    assert sorted(p.name for p in BUNDLED_DIR.glob("*.json")) == [
        "child_at_risk.v1.json",
        "child_labour.v1.json",
        "dv_risk.v1.json",
    ]


def test_the_dv_checklist_asks_24_yes_no_questions_of_one_point_each():
    dv = instrument("dv_risk")
    assert len(dv.items) == 24
    assert {(item.type, item.weight) for item in dv.items} == {(YES_NO, 1)}
    assert [(b.code, b.min_score) for b in dv.bands] == [("standard", 0), ("medium", 10), ("high", 14)]
    assert dv.trigger("meeting_referral_high_risk").rule.value == 14
    assert dv.case_kinds == ("dv",)


def test_the_youth_commission_referral_starts_where_the_socially_dangerous_band_starts():
    child = instrument("child_at_risk")
    assert [b.code for b in child.bands] == ["no_concern", "concern", "socially_dangerous"]
    assert child.trigger("youth_commission_referral").rule.value == child.band("socially_dangerous").min_score
    assert set(child.trigger("immediate_danger").rule.items) == {"violence_against_child", "homeless_or_runaway"}
    assert {item.weight for item in child.items} <= {1, 2, 3}


def test_the_child_labour_questionnaire_opens_with_the_worst_form_category():
    labour = instrument("child_labour")
    first = labour.items[0]
    assert (first.code, first.type) == ("worst_form_category", CHOICE)
    assert first.answers[0] == "none"
    assert set(labour.trigger("worst_form").rule.values) == set(first.answers) - {"none"}
    assert all(item.type == YES_NO for item in labour.items[1:])


@pytest.mark.parametrize(
    ("kind", "codes"),
    [
        ("dv", ["dv_risk"]),
        ("child", ["child_at_risk"]),
        ("labour", ["child_labour"]),
        ("trafficking", ["child_labour"]),
    ],
)
def test_each_case_kind_is_offered_its_instruments(kind, codes):
    assert [i.code for i in instruments_for(kind)] == codes


def test_an_unknown_instrument_or_version_is_refused_by_name():
    with pytest.raises(UnknownInstrument, match="no_such"):
        instrument("no_such")
    with pytest.raises(UnknownInstrument, match="dv_risk") as exc:
        instrument("dv_risk", 7)
    assert exc.value.version == 7
    with pytest.raises(UnknownInstrument):
        all_versions("no_such")


def test_titles_and_questions_follow_the_interface_language():
    dv = instrument("dv_risk")
    with translation.override("en"):
        assert dv.title == "Domestic-violence risk checklist"
        assert dv.item("strangulation").text.startswith("Has the abuser ever strangled")
    with translation.override("ru"):
        assert dv.title == "Оценка риска при домашнем насилии"
        assert dv.band("high").label == "высокий риск"


def test_a_directory_in_the_setting_adds_a_version_and_the_latest_is_used(settings, tmp_path):
    v2 = bundled_data("dv_risk")
    v2["version"] = 2
    write_instrument(tmp_path, v2)
    assert instrument("dv_risk").version == 1
    settings.SAFEZONE_INSTRUMENT_DIRS = [str(tmp_path)]
    assert instrument("dv_risk").version == 2
    assert instrument("dv_risk", 1).version == 1
    assert [i.version for i in all_versions("dv_risk")] == [1, 2]
    assert [i.version for i in instruments_for("dv")] == [2]
    settings.SAFEZONE_INSTRUMENT_DIRS = []
    assert [i.version for i in all_versions("dv_risk")] == [1]


def test_a_small_instrument_with_every_question_type_and_rule_kind_loads(settings, tmp_path):
    write_instrument(tmp_path, tiny())
    settings.SAFEZONE_INSTRUMENT_DIRS = [str(tmp_path)]
    loaded = instrument("tiny")
    assert [i.type for i in loaded.items] == [YES_NO, YES_NO, CHOICE]
    assert loaded.item("a").weight == 1  # the default
    assert loaded.max_score == 1 + 2 + 3
    assert [t.rule.kind for t in loaded.triggers] == ["score_at_least", "answer_is", "answer_in", "any_yes"]


def _set(path, value):
    """A change to tiny(): set one field, given as a path of keys and indexes."""

    def change(data):
        *parents, last = path
        for key in parents:
            data = data[key]
        data[last] = value

    return change


def _drop(path):
    def change(data):
        *parents, last = path
        for key in parents:
            data = data[key]
        del data[last]

    return change


MALFORMED = [
    ("duplicate item code", _set(("items", 1, "code"), "a"), "items[1].code"),
    ("unknown type", _set(("items", 0, "type"), "scale"), "items[0].type"),
    ("no type", _drop(("items", 0, "type")), "items[0].type"),
    ("misspelt field", _set(("items", 0, "wieght"), 1), "items[0].wieght"),
    ("bad item code", _set(("items", 0, "code"), "Question 1"), "items[0].code"),
    ("no English text", _drop(("items", 0, "text_en")), "items[0].text_en"),
    ("empty Russian text", _set(("items", 1, "text_ru"), "  "), "items[1].text_ru"),
    ("weight that is no number", _set(("items", 0, "weight"), True), "items[0].weight"),
    ("weight on a choice", _set(("items", 2, "weight"), 1), "items[2].weight"),
    ("choice with one option", _set(("items", 2, "options"), [TINY["items"][2]["options"][0]]), "items[2].options"),
    ("negative points", _set(("items", 2, "options", 1, "points"), -1), "items[2].options[1].points"),
    ("duplicate option", _set(("items", 2, "options", 1, "code"), "x"), "items[2].options[1].code"),
    ("no questions", _set(("items",), []), "items"),
    ("no bands", _drop(("bands",)), "bands"),
    ("first band above 0", _set(("bands", 0, "min_score"), 1), "bands[0].min_score"),
    ("bands not increasing", _set(("bands", 1, "min_score"), 0), "bands[1].min_score"),
    ("band out of reach", _set(("bands", 1, "min_score"), 99), "bands[1].min_score"),
    ("duplicate band", _set(("bands", 1, "code"), "low"), "bands[1].code"),
    ("unknown case kind", _set(("case_kinds", 0), "burglary"), "case_kinds[0]"),
    ("unknown rule", _set(("triggers", 0, "rule", "kind"), "score_above"), "triggers[0].rule.kind"),
    ("score out of reach", _set(("triggers", 0, "rule", "value"), 7), "triggers[0].rule.value"),
    ("rule on an unknown question", _set(("triggers", 1, "rule", "item"), "zz"), "triggers[1].rule.item"),
    ("answer the question does not offer", _set(("triggers", 1, "rule", "value"), "yes"), "triggers[1].rule.value"),
    (
        "one of the answers not offered",
        _set(("triggers", 2, "rule", "values"), ["y", "w"]),
        "triggers[2].rule.values[1]",
    ),
    (
        "any_yes on an unknown question",
        _set(("triggers", 3, "rule", "items"), ["a", "zz"]),
        "triggers[3].rule.items[1]",
    ),
    ("any_yes on a choice", _set(("triggers", 3, "rule", "items"), ["c"]), "triggers[3].rule.items[0]"),
    ("duplicate trigger", _set(("triggers", 3, "code"), "by_score"), "triggers[3].code"),
    ("version other than the file name's", _set(("version",), 2), "version"),
    ("version 0", _set(("version",), 0), "version"),
]


@pytest.mark.parametrize(("change", "field"), [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_a_malformed_instrument_file_is_refused_naming_the_file_and_the_field(settings, tmp_path, change, field):
    data = tiny()
    change(data)
    write_instrument(tmp_path, data, name="tiny.v1.json")
    settings.SAFEZONE_INSTRUMENT_DIRS = [str(tmp_path)]
    with pytest.raises(InstrumentFileError) as exc:
        instrument("dv_risk")
    assert exc.value.field == field
    assert "tiny.v1.json" in str(exc.value) and f"“{field}”" in str(exc.value)


def test_the_same_version_in_two_directories_is_refused(settings, tmp_path):
    write_instrument(tmp_path, bundled_data("dv_risk"))
    settings.SAFEZONE_INSTRUMENT_DIRS = [str(tmp_path)]
    with pytest.raises(InstrumentFileError, match="dv_risk.v1.json") as exc:
        instrument("dv_risk")
    assert exc.value.field == "version"


def test_a_file_that_is_not_json_is_refused_with_its_line(settings, tmp_path):
    (tmp_path / "tiny.v1.json").write_text('{"code": "tiny",\n  "version": }', encoding="utf-8")
    settings.SAFEZONE_INSTRUMENT_DIRS = [str(tmp_path)]
    with pytest.raises(InstrumentFileError, match=r"tiny\.v1\.json.*line 2"):
        instrument("dv_risk")


def test_a_file_named_otherwise_is_refused(settings, tmp_path):
    write_instrument(tmp_path, tiny(), name="tiny-version-1.json")
    settings.SAFEZONE_INSTRUMENT_DIRS = [str(tmp_path)]
    with pytest.raises(InstrumentFileError, match="tiny-version-1.json"):
        instruments_for("dv")


def test_a_directory_that_does_not_exist_is_refused(settings, tmp_path):
    settings.SAFEZONE_INSTRUMENT_DIRS = [str(tmp_path / "missing")]
    with pytest.raises(InstrumentFileError, match="missing"):
        instrument("dv_risk")


def test_a_fixed_file_is_read_again_after_a_refusal(settings, tmp_path):
    broken = tiny()
    broken["items"][0]["type"] = "scale"
    path = write_instrument(tmp_path, broken)
    settings.SAFEZONE_INSTRUMENT_DIRS = [str(tmp_path)]
    with pytest.raises(InstrumentFileError):
        instrument("tiny")
    write_instrument(tmp_path, tiny(), name=path.name)
    assert instrument("tiny").items[0].type == YES_NO


def test_the_system_check_reports_a_malformed_file(settings, tmp_path):
    assert instruments_check() == []
    broken = tiny()
    broken["bands"][1]["min_score"] = 0
    write_instrument(tmp_path, broken)
    settings.SAFEZONE_INSTRUMENT_DIRS = [str(tmp_path)]
    [error] = instruments_check()
    assert error.id == "assessments.E001" and "bands[1].min_score" in error.msg
