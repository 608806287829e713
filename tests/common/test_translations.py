"""The interface speaks Russian first: every string is translated, and the compiled catalogue is current."""

from pathlib import Path

import polib
from django.utils import translation
from django.utils.translation import gettext, ngettext

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "ru" / "LC_MESSAGES"


def test_every_message_has_a_russian_translation():
    po = polib.pofile(str(LOCALE / "django.po"))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated and not fuzzy, f"untranslated: {untranslated[:10]}, fuzzy: {fuzzy[:10]}"


def test_the_compiled_catalogue_matches_the_source():
    po = polib.pofile(str(LOCALE / "django.po"))
    mo = polib.mofile(str(LOCALE / "django.mo"))
    compiled = {(e.msgid, e.msgstr or tuple(sorted(e.msgstr_plural.items()))) for e in mo if e.msgid}
    source = {(e.msgid, e.msgstr or tuple(sorted(e.msgstr_plural.items()))) for e in po.translated_entries()}
    assert source == compiled, "run `make messages` (compilemessages) and commit django.mo"


def test_placeholders_survive_translation():
    import re

    po = polib.pofile(str(LOCALE / "django.po"))
    for entry in po.translated_entries():
        expected = sorted(re.findall(r"%\(\w+\)[sd]", entry.msgid))
        for text in [entry.msgstr] if entry.msgstr else entry.msgstr_plural.values():
            assert sorted(re.findall(r"%\(\w+\)[sd]", text)) == expected, entry.msgid


def test_russian_plurals_have_their_three_forms():
    with translation.override("ru"):
        assert ngettext("%(n)s case", "%(n)s cases", 1) % {"n": 1} == "1 дело"
        assert ngettext("%(n)s case", "%(n)s cases", 3) % {"n": 3} == "3 дела"
        assert ngettext("%(n)s case", "%(n)s cases", 11) % {"n": 11} == "11 дел"
        assert gettext("My open cases") == "Мои открытые дела"
