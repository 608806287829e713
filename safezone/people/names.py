"""Name keys: one spelling-independent form of a Russian name, whatever script or scheme wrote it.

Police write "Kuznetsova", the clinic "Kuznecova", the school "Кузнецова", a passport of 2010
"Kuznetsova", a library card "Kuzneczova" (GOST 7.79 system B). `skeleton()` maps all of them
to one string: Cyrillic is spelled out in Latin, then every Latin spelling of a Russian sound is
folded to one letter (ш/щ sh shch shh sch š ŝ → w; ц ts tz cz tc c → c; й ы и y j i → i; ...),
vowels after a vowel or soft sign are folded (ya ia ja → ia; ye ie → e; yo io ё → e) and
doubled letters collapse. The fold is lossy on purpose: both sides go through it, so what
matters is that spellings of one name meet, not that the key reads well.

On top of the skeleton, a surname loses its gender (Иванова → Иванов, Чайковская → Чайковский),
a first name gains its full forms (Аня → Анна), and a patronymic keeps its stem (Сергеевна,
Sergeyevich → serg).
"""

import re
import unicodedata
from functools import lru_cache

from .diminutives import DIMINUTIVES

# Latin letters that look like Cyrillic ones, and back: a word typed on the wrong layout for one
# letter ("Kузнецова" with a Latin K) is read in the script of most of its letters.
_LATIN_LOOKALIKE = str.maketrans("AaBCcEeHKkMOoPpTXxYy", "АаВСсЕеНКкМОоРрТХхУу")
_CYRILLIC_LOOKALIKE = str.maketrans("АаВСсЕеЁёНКкМОоРрТХхУу", "AaBCcEeEeHKkMOoPpTXxYy")

# Cyrillic spelled in one Latin form that the folding rules below reduce like any other.
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y",
    "ь": "", "э": "e", "ю": "iu", "я": "ia",
    # Ukrainian and Belarusian letters met in the region's registers.
    "і": "i", "ї": "i", "є": "e", "ґ": "g", "ў": "u",
}  # fmt: skip
# Latin letters with diacritics used by scientific and ISO 9 / GOST 7.79 system A transliteration.
_LATIN_SPECIAL = {
    "š": "sh", "č": "ch", "ž": "zh", "ŝ": "shch", "û": "iu", "â": "ia", "ä": "ia", "ü": "iu", "ë": "e",
    "è": "e", "ǎ": "ia", "ǔ": "iu", "ĭ": "i", "ý": "y", "ʹ": "", "ʺ": "", "ʼ": "", "’": "", "'": "", "`": "",
    '"': "", "”": "", "“": "",
}  # fmt: skip
# Consonant clusters, longest first: each Latin spelling of one Russian consonant becomes one letter.
_CLUSTERS = [
    ("shch", "W"), ("shh", "W"), ("sch", "W"), ("sh", "W"), ("tch", "Q"), ("ch", "Q"), ("zh", "J"),
    ("kh", "H"), ("ts", "C"), ("tz", "C"), ("cz", "C"), ("tc", "C"), ("ph", "f"), ("ck", "k"),
]  # fmt: skip
_CLUSTER_RE = re.compile("|".join(re.escape(latin) for latin, _ in _CLUSTERS))
_CLUSTER_MAP = dict(_CLUSTERS)
# Single letters after the clusters: y and j are и/й/ы in every scheme; w and q are v and k in
# German- and English-style spellings; x is кс in informal spelling and х in GOST 7.79 (a variant).
_SINGLE = str.maketrans({"y": "i", "j": "i", "w": "v", "q": "k", "h": "H", "c": "C"})
_VOWELS = "aeiou"
_ANY_LETTER = re.compile(r"[^\W\d_]+")


def _script_fix(word: str) -> str:
    """The word in the script of most of its letters (look-alike letters of the other script swapped)."""
    cyrillic = sum(1 for ch in word if "\u0400" <= ch <= "\u04ff")
    latin = sum(1 for ch in word if ch.isascii() and ch.isalpha())
    if cyrillic and latin:
        return word.translate(_LATIN_LOOKALIKE if cyrillic >= latin else _CYRILLIC_LOOKALIKE)
    return word


def words(text: str | None) -> list[str]:
    """The words of a name as typed: letters only, hyphens and stray spaces split, case kept."""
    if not text:
        return []
    # Combining marks left after composing (the tie bar of ALA-LC "t͡s") are dropped.
    text = "".join(ch for ch in unicodedata.normalize("NFC", text) if not unicodedata.combining(ch))
    # Apostrophes and the hard/soft sign marks inside a Latin word belong to it ("Natal'ya", "Ob``edkov").
    text = re.sub(r"(?<=\w)['`’ʹʺ”\"]+(?=\w)", "", text)
    found = ("".join(ch for ch in w if ch.isalpha()) for w in _ANY_LETTER.findall(text))
    return [_script_fix(w) for w in found if w]


def _latin(word: str) -> str:
    """The word lower-cased and spelled in plain Latin letters."""
    out = []
    for ch in word.lower():
        if ch in _CYRILLIC:
            out.append(_CYRILLIC[ch])
        elif ch in _LATIN_SPECIAL:
            out.append(_LATIN_SPECIAL[ch])
        elif ch.isascii():
            out.append(ch)
        else:  # other accented Latin letters: the base letter; any other script: nothing
            base = unicodedata.normalize("NFKD", ch)[0]
            out.append(base if base.isascii() and base.isalpha() else "")
    return "".join(out)


def _fold(latin: str) -> str:
    folded = _CLUSTER_RE.sub(lambda m: _CLUSTER_MAP[m.group(0)], latin).translate(_SINGLE)
    # ie and ye are е wherever they stand (Yelena, Andreyev, Fyedor, Obieedkov); io after a
    # consonant is ё (Fyodor, Semion, Korolyov).
    folded = re.sub(r"(.)\1+", r"\1", folded).replace("ie", "e")
    folded = re.sub(r"(?<=[^aeiou])io", "e", folded)
    folded = re.sub(r"(.)\1+", r"\1", folded)  # Alla/Ala, Kirill/Kiril, Iurii/Yury
    return folded.lower()


@lru_cache(maxsize=65536)
def skeletons(word: str) -> tuple[str, ...]:
    """The keys of one word (usually one; two when a Latin x may be кс or х)."""
    latin = _latin(word)
    if "x" not in latin:
        return (_fold(latin),)
    return tuple(dict.fromkeys((_fold(latin.replace("x", "ks")), _fold(latin.replace("x", "kh")))))


def skeleton(word: str) -> str:
    """The main key of one word."""
    return skeletons(word)[0]


# Surname endings that differ between a woman's and a man's form, on skeletons: -ова/-ов,
# -ева/-ев, -ина/-ин, -ая/-ий/-ой (Толстая, Толстой; Чайковская, Чайковский).
_SURNAME_GENDER = [(re.compile(r"(ov|ev|in)a$"), r"\1"), (re.compile(r"(aia|oi)$"), "i")]


@lru_cache(maxsize=65536)
def surname_key(word: str) -> tuple[str, ...]:
    """Keys of one surname word, the same for the woman's and the man's form."""
    keys = []
    for key in skeletons(word):
        for pattern, repl in _SURNAME_GENDER:
            key = pattern.sub(repl, key)
        keys.append(key)
    return tuple(dict.fromkeys(keys))


# Patronymic endings on skeletons: -овна/-евна/-ович/-евич, -ична/-ич (Саввична, Саввич). The
# daughter of Илья or Кузьма is Ильинична, Кузьминична: -инична is tried both ways (Минична, of Мина).
_PATRONYMIC_END = re.compile(r"(iqna|[oe]vna|[oe]viq|iq)$")


@lru_cache(maxsize=65536)
def patronymic_keys(word: str) -> tuple[str, ...]:
    """Stems of a patronymic: the father's name without the son's or daughter's ending."""
    key = skeleton(word)
    stems = [_PATRONYMIC_END.sub("", key) or key]
    if key.endswith("iniqna"):
        stems.append(key[: -len("iniqna")] or key)
    return tuple(dict.fromkeys(stems))


@lru_cache(maxsize=1)
def _full_forms() -> dict[str, tuple[str, ...]]:
    table: dict[str, set[str]] = {}
    for short, fulls in DIMINUTIVES.items():
        table.setdefault(skeleton(short), set()).update(skeleton(f) for f in fulls)
    return {key: tuple(sorted(v)) for key, v in table.items()}


@lru_cache(maxsize=65536)
def given_name_keys(word: str) -> tuple[str, ...]:
    """Keys of a first name: its own, and the full names it is short for (Аня → анна)."""
    keys = list(skeletons(word))
    for key in list(keys):
        keys += _full_forms().get(key, ())
    return tuple(dict.fromkeys(keys))


def consonants(key: str) -> str:
    """A surname key without its vowels: typos and reduced vowels (о/а, е/и) do not change it."""
    return re.sub(r"(.)\1+", r"\1", re.sub("[aeiou]", "", key)) or key


def display_key(*parts: str | None) -> str:
    """All names of a person as one string of skeletons (space-separated), for substring search."""
    return " ".join(skeleton(w) for part in parts for w in words(part))
