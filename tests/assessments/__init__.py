"""Assessments: helpers the tests share (sets of answers, instrument files written to a temporary directory)."""

import copy
import json
from pathlib import Path

from safezone.assessments.instruments import BUNDLED_DIR, instrument


def bundled_data(code: str, version: int = 1) -> dict:
    """A bundled instrument file as plain data, to change into a new version or a broken file."""
    return json.loads((BUNDLED_DIR / f"{code}.v{version}.json").read_text(encoding="utf-8"))


def write_instrument(directory: Path, data: dict, name: str | None = None) -> Path:
    """Write instrument data as a file, named after its code and version unless `name` is given."""
    path = Path(directory) / (name or f"{data['code']}.v{data['version']}.json")
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def answers_of(code: str, *, yes=(), not_known=(), version: int | None = None, rest: str = "no") -> dict:
    """Answers to a yes/no instrument: these questions "yes", these "not known", every other one `rest`."""
    answers = {}
    for item in instrument(code, version).items:
        answers[item.code] = "yes" if item.code in yes else "not_known" if item.code in not_known else rest
    return answers


def dv_answers(*, yes: int = 0, not_known: int = 0) -> dict:
    """Answers to the DV checklist: the first `yes` questions "yes", the next `not_known` "not known", the rest "no"."""
    codes = [item.code for item in instrument("dv_risk", 1).items]
    return answers_of("dv_risk", version=1, yes=codes[:yes], not_known=codes[yes : yes + not_known])


TINY = {
    "code": "tiny",
    "version": 1,
    "title_ru": "Пробный опросник",
    "title_en": "Trial questionnaire",
    "description_ru": "Для проверок.",
    "description_en": "For tests.",
    "case_kinds": ["dv"],
    "items": [
        {"code": "a", "type": "yes_no", "text_ru": "Вопрос А?", "text_en": "Question A?"},
        {"code": "b", "type": "yes_no", "text_ru": "Вопрос Б?", "text_en": "Question B?", "weight": 2},
        {
            "code": "c",
            "type": "choice",
            "text_ru": "Вопрос В?",
            "text_en": "Question C?",
            "options": [
                {"code": "x", "label_ru": "икс", "label_en": "x", "points": 0},
                {"code": "y", "label_ru": "игрек", "label_en": "y", "points": 3},
                {"code": "z", "label_ru": "зет", "label_en": "z", "points": 1},
            ],
        },
    ],
    "bands": [
        {"code": "low", "min_score": 0, "label_ru": "низкий", "label_en": "low"},
        {"code": "high", "min_score": 3, "label_ru": "высокий", "label_en": "high"},
    ],
    "triggers": [
        {"code": "by_score", "rule": {"kind": "score_at_least", "value": 5}, "label_ru": "балл", "label_en": "score"},
        {
            "code": "by_answer",
            "rule": {"kind": "answer_is", "item": "c", "value": "y"},
            "label_ru": "о",
            "label_en": "a",
        },
        {
            "code": "by_answers",
            "rule": {"kind": "answer_in", "item": "c", "values": ["y", "z"]},
            "label_ru": "в",
            "label_en": "v",
        },
        {"code": "by_yes", "rule": {"kind": "any_yes", "items": ["a", "b"]}, "label_ru": "д", "label_en": "y"},
    ],
}


def tiny() -> dict:
    """A small valid instrument with every question type and every rule kind, to change in tests."""
    return copy.deepcopy(TINY)
