"""The registry of instruments: the questionnaires an assessment answers, kept as versioned JSON files.

One file is one version of one instrument, named ``<code>.v<version>.json`` (``dv_risk.v1.json``).
The bundled files live in ``safezone/assessments/instruments/``; the optional setting
``SAFEZONE_INSTRUMENT_DIRS`` (a list of directories, default empty) adds more, e.g. a region's own
questionnaires or, in tests, a new version. A version once used is never edited: a change is a new
file with the next version. New assessments take the latest version; an old assessment is always
read and re-scored with the version it was answered with, so a new version never changes old scores.

A file holds one JSON object with these fields (any other field is refused, so that a misspelt
one is not silently ignored):

    code            a short code (small Latin letters, digits, "_"), the same as in the file name
    version         a whole number from 1, the same as in the file name
    title_ru, title_en, description_ru, description_en
                    text; the description says how to use the questionnaire and why its thresholds
    case_kinds      the kinds of case it applies to, from Case.Kind: "dv", "child", "labour", "trafficking"
    items           the questions in the order they are asked; each an object with
        code            a short code, unique in the file
        text_ru, text_en
                        the question
        help_ru, help_en
                        optional guidance for the worker
        type            "yes_no": answered "yes", "no" or "not_known"; "yes" scores `weight`
                        (a whole number, default 1), the other answers score 0;
                        "choice": answered with the code of one of its `options`, each an
                        object {code, label_ru, label_en, points}
    bands           the levels a score falls in, lowest first; each {code, min_score, label_ru, label_en}.
                    The first starts at 0, each starts higher than the one before, and a score
                    falls in the highest band whose min_score it reaches.
    triggers        what a result calls for; each {code, rule, label_ru, label_en}, the rule one of
                        {"kind": "score_at_least", "value": N}
                        {"kind": "answer_is", "item": CODE, "value": ANSWER}
                        {"kind": "answer_in", "item": CODE, "values": [ANSWER, ...]}
                        {"kind": "any_yes", "items": [CODE, ...]}      (yes/no questions only)

"not_known" is an answer: it scores nothing, and the result counts such answers, because many of
them mean the score may understate the risk. Every file is checked when the registry loads it; a
malformed one raises InstrumentFileError naming the file and the field (``items[3].type``).
"""

import json
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from safezone.common.models import in_language

BUNDLED_DIR = Path(__file__).resolve().parent / "instruments"

YES, NO, NOT_KNOWN = "yes", "no", "not_known"
YES_NO_ANSWERS = (YES, NO, NOT_KNOWN)
YES_NO, CHOICE = "yes_no", "choice"
SCORE_AT_LEAST, ANSWER_IS, ANSWER_IN, ANY_YES = "score_at_least", "answer_is", "answer_in", "any_yes"

_CODE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_FILE_NAME = re.compile(r"^(?P<code>[a-z][a-z0-9_]*)\.v(?P<version>[1-9][0-9]*)\.json$")


@dataclass(frozen=True)
class Option:
    """One answer a choice question offers, with its points."""

    code: str
    label_ru: str
    label_en: str
    points: int

    @property
    def label(self) -> str:
        return in_language(self.label_ru, self.label_en)


@dataclass(frozen=True)
class Item:
    """One question of an instrument."""

    code: str
    type: str
    text_ru: str
    text_en: str
    help_ru: str = ""
    help_en: str = ""
    weight: int = 0
    options: tuple[Option, ...] = ()

    @property
    def text(self) -> str:
        return in_language(self.text_ru, self.text_en)

    @property
    def help(self) -> str:
        return in_language(self.help_ru, self.help_en)

    @property
    def answers(self) -> tuple[str, ...]:
        """The answer codes the question accepts."""
        return YES_NO_ANSWERS if self.type == YES_NO else tuple(o.code for o in self.options)

    @property
    def max_points(self) -> int:
        return self.weight if self.type == YES_NO else max(o.points for o in self.options)

    def points(self, answer: str) -> int:
        """What one accepted answer scores."""
        if self.type == YES_NO:
            return self.weight if answer == YES else 0
        return next(o.points for o in self.options if o.code == answer)


@dataclass(frozen=True)
class Band:
    """One level a score falls in, from its lowest score up to the next band's."""

    code: str
    min_score: int
    label_ru: str
    label_en: str

    @property
    def label(self) -> str:
        return in_language(self.label_ru, self.label_en)


@dataclass(frozen=True)
class Rule:
    """When a trigger fires (see the module docstring for the kinds)."""

    kind: str
    value: int | str | None = None
    item: str = ""
    items: tuple[str, ...] = ()
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Trigger:
    """Something a result calls for, such as a referral to the multi-agency risk meeting."""

    code: str
    rule: Rule
    label_ru: str
    label_en: str

    @property
    def label(self) -> str:
        return in_language(self.label_ru, self.label_en)


@dataclass(frozen=True)
class Instrument:
    """One version of one questionnaire, as read from its file."""

    code: str
    version: int
    title_ru: str
    title_en: str
    description_ru: str
    description_en: str
    case_kinds: tuple[str, ...]
    items: tuple[Item, ...]
    bands: tuple[Band, ...]
    triggers: tuple[Trigger, ...]
    path: str = ""

    def __str__(self) -> str:
        return f"{self.code}.v{self.version}"

    @property
    def title(self) -> str:
        return in_language(self.title_ru, self.title_en)

    @property
    def description(self) -> str:
        return in_language(self.description_ru, self.description_en)

    @property
    def max_score(self) -> int:
        return sum(item.max_points for item in self.items)

    def item(self, code: str) -> Item | None:
        return next((i for i in self.items if i.code == code), None)

    def band(self, code: str) -> Band | None:
        return next((b for b in self.bands if b.code == code), None)

    def trigger(self, code: str) -> Trigger | None:
        return next((t for t in self.triggers if t.code == code), None)


class InstrumentFileError(ValueError):
    """An instrument file is malformed; the message names the file and the field."""

    def __init__(self, path, field: str, problem):
        self.path, self.field = str(path), field
        if field:
            message = _("%(path)s, field “%(field)s”: %(problem)s") % {
                "path": self.path,
                "field": field,
                "problem": problem,
            }
        else:
            message = _("%(path)s: %(problem)s") % {"path": self.path, "problem": problem}
        super().__init__(message)


class UnknownInstrument(LookupError):
    """No instrument has this code, or not this version."""

    def __init__(self, code: str, version: int | None = None):
        self.code, self.version = code, version
        if version is None:
            message = _("There is no questionnaire “%(code)s”.") % {"code": code}
        else:
            message = _("Questionnaire “%(code)s” has no version %(version)s.") % {"code": code, "version": version}
        super().__init__(message)


# --- reading one file ----------------------------------------------------------------------------
_TEXT = _("must be text")
_MISSING = _("is missing or empty")
_NOT_OBJECT = _("must be an object with named fields")
_NOT_LIST = _("must be a list with at least one entry")
_BAD_CODE = _("must be a short code: small Latin letters, digits and “_”, starting with a letter")
_NOT_WHOLE = _("must be a whole number, 0 or more")
_NO_SUCH_FIELD = _("there is no such field (misspelt?)")


def _at(prefix: str, key) -> str:
    if isinstance(key, int):
        return f"{prefix}[{key}]"
    return f"{prefix}.{key}" if prefix else key


class _Reader:
    """Checks one parsed file field by field and builds its Instrument; the first problem raises."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, field: str, problem):
        raise InstrumentFileError(self.path, field, problem)

    def object(self, value, where: str, required: tuple, optional: tuple = ()) -> dict:
        if not isinstance(value, dict):
            self.fail(where, _NOT_OBJECT)
        for key in value:
            if key not in required and key not in optional:
                self.fail(_at(where, key), _NO_SUCH_FIELD)
        for key in required:
            if key not in value:
                self.fail(_at(where, key), _MISSING)
        return value

    def text(self, data: dict, key: str, where: str, *, required: bool = True) -> str:
        value = data.get(key, "")
        if not isinstance(value, str):
            self.fail(_at(where, key), _TEXT)
        if required and not value.strip():
            self.fail(_at(where, key), _MISSING)
        return value.strip()

    def code(self, data: dict, key: str, where: str) -> str:
        value = data.get(key)
        if not isinstance(value, str) or not _CODE.match(value):
            self.fail(_at(where, key), _BAD_CODE)
        return value

    def whole(self, data: dict, key: str, where: str, *, default: int | None = None, minimum: int = 0) -> int:
        value = data.get(key, default)
        # JSON true/false arrive as bool, which Python counts as int.
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            self.fail(_at(where, key), _NOT_WHOLE if minimum == 0 else _("must be a whole number from 1"))
        return value

    def entries(self, data: dict, key: str, where: str, *, allow_empty: bool = False) -> list:
        value = data.get(key)
        if not isinstance(value, list):
            self.fail(_at(where, key), _("must be a list") if allow_empty else _NOT_LIST)
        if not value and not allow_empty:
            self.fail(_at(where, key), _NOT_LIST)
        return value

    def unique(self, seen: set, value: str, field: str) -> None:
        if value in seen:
            self.fail(field, _("“%(value)s” is used twice") % {"value": value})
        seen.add(value)

    def instrument(self, data) -> Instrument:
        from safezone.cases.models import Case

        self.object(
            data,
            "",
            (
                "code",
                "version",
                "title_ru",
                "title_en",
                "description_ru",
                "description_en",
                "case_kinds",
                "items",
                "bands",
            ),
            ("triggers",),
        )
        code = self.code(data, "code", "")
        version = self.whole(data, "version", "", minimum=1)
        named = _FILE_NAME.match(self.path.name)
        if named and (named["code"], int(named["version"])) != (code, version):
            self.fail(
                "code" if named["code"] != code else "version",
                _("does not match the file name “%(name)s”") % {"name": self.path.name},
            )
        kinds: set[str] = set()
        for i, kind in enumerate(self.entries(data, "case_kinds", "")):
            if kind not in Case.Kind.values:
                self.fail(
                    f"case_kinds[{i}]",
                    _("unknown case kind “%(value)s”: use %(known)s")
                    % {"value": kind, "known": ", ".join(Case.Kind.values)},
                )
            self.unique(kinds, kind, f"case_kinds[{i}]")
        items = self.items(data)
        instrument = Instrument(
            code=code,
            version=version,
            title_ru=self.text(data, "title_ru", ""),
            title_en=self.text(data, "title_en", ""),
            description_ru=self.text(data, "description_ru", ""),
            description_en=self.text(data, "description_en", ""),
            case_kinds=tuple(data["case_kinds"]),
            items=items,
            bands=(),
            triggers=(),
            path=str(self.path),
        )
        bands = self.bands(data, instrument)
        triggers = self.triggers(data, instrument)
        return replace(instrument, bands=bands, triggers=triggers)

    def items(self, data: dict) -> tuple[Item, ...]:
        items, codes = [], set()
        for i, entry in enumerate(self.entries(data, "items", "")):
            where = _at("items", i)
            if not isinstance(entry, dict):
                self.fail(where, _NOT_OBJECT)
            kind = entry.get("type")
            if kind is None:
                self.fail(_at(where, "type"), _MISSING)
            if kind not in (YES_NO, CHOICE):
                self.fail(
                    _at(where, "type"),
                    _("unknown type “%(value)s”: use “yes_no” or “choice”") % {"value": kind},
                )
            common = ("code", "type", "text_ru", "text_en")
            helps = ("help_ru", "help_en")
            if kind == YES_NO:
                self.object(entry, where, common, (*helps, "weight"))
            else:
                self.object(entry, where, (*common, "options"), helps)
            code = self.code(entry, "code", where)
            self.unique(codes, code, _at(where, "code"))
            items.append(
                Item(
                    code=code,
                    type=kind,
                    text_ru=self.text(entry, "text_ru", where),
                    text_en=self.text(entry, "text_en", where),
                    help_ru=self.text(entry, "help_ru", where, required=False),
                    help_en=self.text(entry, "help_en", where, required=False),
                    weight=self.whole(entry, "weight", where, default=1) if kind == YES_NO else 0,
                    options=self.options(entry, where) if kind == CHOICE else (),
                )
            )
        return tuple(items)

    def options(self, entry: dict, where: str) -> tuple[Option, ...]:
        options, codes = [], set()
        listed = self.entries(entry, "options", where)
        if len(listed) < 2:
            self.fail(_at(where, "options"), _("a choice needs at least two options"))
        for j, option in enumerate(listed):
            at = _at(_at(where, "options"), j)
            self.object(option, at, ("code", "label_ru", "label_en", "points"))
            code = self.code(option, "code", at)
            self.unique(codes, code, _at(at, "code"))
            options.append(
                Option(
                    code=code,
                    label_ru=self.text(option, "label_ru", at),
                    label_en=self.text(option, "label_en", at),
                    points=self.whole(option, "points", at),
                )
            )
        return tuple(options)

    def reachable(self, value: int, field: str, instrument: Instrument) -> None:
        if value > instrument.max_score:
            self.fail(
                field,
                _("no answers reach %(value)d points: the most is %(most)d")
                % {"value": value, "most": instrument.max_score},
            )

    def bands(self, data: dict, instrument: Instrument) -> tuple[Band, ...]:
        bands, codes = [], set()
        for i, entry in enumerate(self.entries(data, "bands", "")):
            where = _at("bands", i)
            self.object(entry, where, ("code", "min_score", "label_ru", "label_en"))
            code = self.code(entry, "code", where)
            self.unique(codes, code, _at(where, "code"))
            min_score = self.whole(entry, "min_score", where)
            if i == 0 and min_score != 0:
                self.fail(_at(where, "min_score"), _("the first band must start at 0"))
            if bands and min_score <= bands[-1].min_score:
                self.fail(
                    _at(where, "min_score"),
                    _("must be higher than the band before (%(before)d)") % {"before": bands[-1].min_score},
                )
            self.reachable(min_score, _at(where, "min_score"), instrument)
            bands.append(
                Band(code, min_score, self.text(entry, "label_ru", where), self.text(entry, "label_en", where))
            )
        return tuple(bands)

    def triggers(self, data: dict, instrument: Instrument) -> tuple[Trigger, ...]:
        triggers, codes = [], set()
        listed = self.entries(data, "triggers", "", allow_empty=True) if "triggers" in data else []
        for i, entry in enumerate(listed):
            where = _at("triggers", i)
            self.object(entry, where, ("code", "rule", "label_ru", "label_en"))
            code = self.code(entry, "code", where)
            self.unique(codes, code, _at(where, "code"))
            rule = self.rule(entry["rule"], _at(where, "rule"), instrument)
            triggers.append(
                Trigger(code, rule, self.text(entry, "label_ru", where), self.text(entry, "label_en", where))
            )
        return tuple(triggers)

    def rule(self, rule, where: str, instrument: Instrument) -> Rule:
        if not isinstance(rule, dict):
            self.fail(where, _NOT_OBJECT)
        kind = rule.get("kind")
        if kind is None:
            self.fail(_at(where, "kind"), _MISSING)
        if kind == SCORE_AT_LEAST:
            self.object(rule, where, ("kind", "value"))
            value = self.whole(rule, "value", where)
            self.reachable(value, _at(where, "value"), instrument)
            return Rule(kind, value=value)
        if kind == ANSWER_IS:
            self.object(rule, where, ("kind", "item", "value"))
            item = self.known_item(rule["item"], _at(where, "item"), instrument)
            self.answer(item, rule["value"], _at(where, "value"))
            return Rule(kind, item=item.code, value=rule["value"])
        if kind == ANSWER_IN:
            self.object(rule, where, ("kind", "item", "values"))
            item = self.known_item(rule["item"], _at(where, "item"), instrument)
            values = self.entries(rule, "values", where)
            for j, value in enumerate(values):
                self.answer(item, value, _at(_at(where, "values"), j))
            return Rule(kind, item=item.code, values=tuple(values))
        if kind == ANY_YES:
            self.object(rule, where, ("kind", "items"))
            codes = self.entries(rule, "items", where)
            for j, code in enumerate(codes):
                item = self.known_item(code, _at(_at(where, "items"), j), instrument)
                if item.type != YES_NO:
                    self.fail(
                        _at(_at(where, "items"), j),
                        _("question “%(value)s” is not a yes/no question") % {"value": code},
                    )
            return Rule(kind, items=tuple(codes))
        self.fail(
            _at(where, "kind"),
            _("unknown rule “%(value)s”: use score_at_least, answer_is, answer_in or any_yes") % {"value": kind},
        )

    def known_item(self, code, field: str, instrument: Instrument) -> Item:
        item = instrument.item(code) if isinstance(code, str) else None
        if item is None:
            self.fail(field, _("this questionnaire has no question “%(value)s”") % {"value": code})
        return item

    def answer(self, item: Item, value, field: str) -> None:
        if value not in item.answers:
            self.fail(
                field,
                _("“%(value)s” is not an answer to question “%(item)s”") % {"value": value, "item": item.code},
            )


def instrument_read(path: Path | str) -> Instrument:
    """Read and check one instrument file; InstrumentFileError names the file and field if it is malformed."""
    path = Path(path)
    if not _FILE_NAME.match(path.name):
        raise InstrumentFileError(
            path, "", _("an instrument file is named <code>.v<version>.json, e.g. dv_risk.v2.json")
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InstrumentFileError(
            path,
            "",
            _("not valid JSON (line %(line)d, column %(col)d)") % {"line": exc.lineno, "col": exc.colno},
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InstrumentFileError(path, "", str(exc)) from None
    return _Reader(path).instrument(data)


# --- the registry --------------------------------------------------------------------------------
def _directories() -> tuple[str, ...]:
    extra = getattr(settings, "SAFEZONE_INSTRUMENT_DIRS", None) or []
    return (str(BUNDLED_DIR), *(str(d) for d in extra))


@lru_cache(maxsize=16)
def _load(directories: tuple[str, ...]) -> dict[str, dict[int, Instrument]]:
    """Every version of every instrument in these directories, by code and version.

    Cached by the directories, so that a changed SAFEZONE_INSTRUMENT_DIRS (a test adding a version)
    is read afresh; a file that fails its check is not cached and fails again on the next look-up.
    """
    found: dict[str, dict[int, Instrument]] = {}
    for directory in directories:
        if not Path(directory).is_dir():
            raise InstrumentFileError(directory, "", _("not a directory (named in SAFEZONE_INSTRUMENT_DIRS)"))
        for path in sorted(Path(directory).glob("*.json")):
            loaded = instrument_read(path)
            versions = found.setdefault(loaded.code, {})
            if loaded.version in versions:
                raise InstrumentFileError(
                    path,
                    "version",
                    _("version %(version)d of “%(code)s” is also in %(other)s")
                    % {"version": loaded.version, "code": loaded.code, "other": versions[loaded.version].path},
                )
            versions[loaded.version] = loaded
    return found


def _registry() -> dict[str, dict[int, Instrument]]:
    return _load(_directories())


def instrument(code: str, version: int | None = None) -> Instrument:
    """One version of an instrument (the latest when `version` is None); UnknownInstrument if there is none."""
    versions = _registry().get(code)
    if not versions:
        raise UnknownInstrument(code)
    if version is None:
        return versions[max(versions)]
    if version not in versions:
        raise UnknownInstrument(code, version)
    return versions[version]


def instruments_for(case_kind: str) -> list[Instrument]:
    """The latest version of each instrument that applies to this kind of case, by code."""
    latest = [versions[max(versions)] for versions in _registry().values()]
    return sorted((i for i in latest if case_kind in i.case_kinds), key=lambda i: i.code)


def all_versions(code: str) -> list[Instrument]:
    """Every version of an instrument, oldest first; UnknownInstrument if there is none."""
    versions = _registry().get(code)
    if not versions:
        raise UnknownInstrument(code)
    return [versions[v] for v in sorted(versions)]


def instruments_check(app_configs=None, **kwargs) -> list:
    """Django system check: every instrument file loads (`manage.py check`, server start)."""
    from django.core import checks

    try:
        _registry()
    except InstrumentFileError as exc:
        return [checks.Error(str(exc), id="assessments.E001")]
    return []
