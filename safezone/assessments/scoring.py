"""Scoring: what one set of answers to one version of an instrument comes to. Pure: no database, no settings."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .instruments import ANSWER_IN, ANSWER_IS, ANY_YES, NOT_KNOWN, SCORE_AT_LEAST, YES, Instrument, Rule


@dataclass(frozen=True)
class Result:
    """The score of one set of answers, its band, the triggers it fires, how many answers were
    "not known" (many of them mean the score may understate the risk), and the questions left
    unanswered (only a partial scoring has any)."""

    score: int
    band: str
    triggers: tuple[str, ...]
    not_known: int
    missing: tuple[str, ...] = ()


NO_SUCH_QUESTION = _("This questionnaire has no such question.")
NOT_AN_ANSWER = _("This is not one of the answers to this question.")
UNANSWERED = _("Answer this question: “not known” is an answer too.")
UNREADABLE = _("The answers could not be read: each question needs one answer.")


def _fires(rule: Rule, answers: dict, total: int) -> bool:
    if rule.kind == SCORE_AT_LEAST:
        return total >= rule.value
    if rule.kind == ANSWER_IS:
        return answers.get(rule.item) == rule.value
    if rule.kind == ANSWER_IN:
        return answers.get(rule.item) in rule.values
    if rule.kind == ANY_YES:
        return any(answers.get(code) == YES for code in rule.items)
    # The registry admits no other kind; a new one must be taught here, not silently ignored.
    raise ValueError(f"unknown trigger rule {rule.kind!r}")


def score(instrument: Instrument, answers: dict, *, partial: bool = False) -> Result:
    """Score answers (question code -> answer code) with this version of the instrument.

    Raises ValidationError whose message dict names each bad question code: a question the
    instrument does not have, an answer the question does not offer, and a question left
    unanswered ("not_known" is an answer; silence is not). `partial` scores a form still being
    filled in: unanswered questions are then listed in `missing` instead of refused.
    """
    if not isinstance(answers, dict):
        raise ValidationError({"answers": UNREADABLE})
    errors = {}
    for code, answer in answers.items():
        item = instrument.item(code)
        if item is None:
            errors[str(code)] = NO_SUCH_QUESTION
        elif not isinstance(answer, str) or answer not in item.answers:
            errors[code] = NOT_AN_ANSWER
    missing = tuple(item.code for item in instrument.items if item.code not in answers)
    if not partial:
        errors.update({code: UNANSWERED for code in missing})
    if errors:
        raise ValidationError(errors)
    total = sum(instrument.item(code).points(answer) for code, answer in answers.items())
    band = [b for b in instrument.bands if b.min_score <= total][-1]
    return Result(
        score=total,
        band=band.code,
        triggers=tuple(t.code for t in instrument.triggers if _fires(t.rule, answers, total)),
        not_known=sum(1 for answer in answers.values() if answer == NOT_KNOWN),
        missing=missing,
    )
