"""The linkage model: which fields are compared and how (Splink), how pairs are found, how it learns.

Splink estimates every weight itself (u by random sampling, m by expectation maximisation);
nothing here sets a weight by hand. Records come from `prepare.prepare`.
"""

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

MODEL_VERSION = "sz-link-1"

log = logging.getLogger(__name__)


def _level(condition: str, label: str) -> dict:
    return {"sql_condition": condition, "label_for_charts": label}


def _null(*columns: str) -> dict:
    condition = " AND ".join(f'("{c}_l" IS NULL OR "{c}_r" IS NULL)' for c in columns)
    return {"sql_condition": condition, "label_for_charts": "null", "is_null_level": True}


def _jw(column: str, at: float) -> str:
    return f'jaro_winkler_similarity("{column}_l", "{column}_r") >= {at}'


_SAME_SN = '"sn_l" = "sn_r"'
_SAME_FN = '("fn_l" = "fn_r" OR "fn_full_l" = "fn_full_r")'
_INITIAL = '(length("fn_l") = 1 OR length("fn_r") = 1) AND "fn_initial_l" = "fn_initial_r"'


def _name() -> dict:
    """Surname and first name as one comparison: they are not independent (a swap, a maiden name
    or a short form moves both), and Splink multiplies independent comparisons."""
    return {
        "output_column_name": "name",
        "comparison_levels": [
            _null("sn", "fn"),
            # A common surname says less than a rare one: Splink weighs the exact level by how
            # often the surname occurs (term frequency), learnt from the records themselves.
            {**_level(f"{_SAME_SN} AND {_SAME_FN}", "surname and first name"), "tf_adjustment_column": "sn"},
            # Written in each other's fields ("Анна Кузнецова" in a surname-first form).
            _level(
                'jaro_winkler_similarity("sn_raw_l", "fn_r") >= 0.9 '
                'AND jaro_winkler_similarity("fn_l", "sn_raw_r") >= 0.9',
                "swapped",
            ),
            _level(f"{_SAME_SN} AND {_jw('fn_full', 0.88)}", "surname, first name close"),
            _level(f"{_jw('sn', 0.9)} AND {_SAME_FN}", "surname close, first name"),
            _level(f"{_SAME_SN} AND ({_INITIAL})", "surname and initial"),
            _level(f"{_jw('sn', 0.92)} AND {_jw('fn_full', 0.92)}", "both close"),
            _level(f"{_jw('sn', 0.85)} AND {_jw('fn_full', 0.85)}", "both fairly close"),
            _level(f'{_SAME_SN} AND ("fn_l" IS NULL OR "fn_r" IS NULL)', "surname, no first name"),
            {**_level(_SAME_SN, "surname only"), "tf_adjustment_column": "sn"},
            # Another surname, same first name: a maiden name, a remarriage, a typo beyond repair.
            _level(_SAME_FN, "first name only"),
            _level("ELSE", "else"),
        ],
    }


def _levels(column: str, *thresholds: float) -> dict:
    """null / exact / Jaro-Winkler at each threshold / else, on one folded column."""
    levels = [_null(column), _level(f'"{column}_l" = "{column}_r"', "exact")]
    levels += [_level(_jw(column, t), f"JW >= {t}") for t in thresholds]
    return {"output_column_name": column, "comparison_levels": [*levels, _level("ELSE", "else")]}


def _birth_date() -> dict:
    y, m, d = ('"birth_y_l" = "birth_y_r"', '"birth_m_l" = "birth_m_r"', '"birth_d_l" = "birth_d_r"')
    return {
        "output_column_name": "birth_date",
        "comparison_levels": [
            _null("birth_y"),
            _level('"dob_l" = "dob_r"', "exact"),
            _level(f'{y} AND "birth_m_l" = "birth_d_r" AND "birth_d_l" = "birth_m_r"', "day and month swapped"),
            _level('damerau_levenshtein("dob_l", "dob_r") <= 1', "one digit off"),
            _level(f"{y} AND {m}", "same year and month"),
            _level(f'{y} AND ("birth_m_l" IS NULL OR "birth_m_r" IS NULL)', "same year, no month"),
            _level(f"{y}", "same year"),
            _level(f'abs("birth_y_l" - "birth_y_r") <= 1 AND {m} AND {d}', "year off by one"),
            _level("ELSE", "else"),
        ],
    }


def _address() -> dict:
    """Addresses are written in any order and with parts left out: besides spelling (Jaro-Winkler),
    how many words the shorter one shares with the longer (overlap coefficient)."""
    words_l, words_r = "string_split(\"addr_l\", ' ')", "string_split(\"addr_r\", ' ')"
    overlap = f"len(list_intersect({words_l}, {words_r})) / least(len({words_l}), len({words_r}))"
    return {
        "output_column_name": "addr",
        "comparison_levels": [
            _null("addr"),
            _level('"addr_l" = "addr_r"', "exact"),
            _level(_jw("addr", 0.9), "JW >= 0.9"),
            _level(f"{overlap} >= 0.75", "most words shared"),
            _level(f"{overlap} >= 0.4", "some words shared"),
            _level("ELSE", "else"),
        ],
    }


def _district() -> dict:
    """Districts come from a reference list: a difference is a different place or one slip of a key."""
    return {
        "output_column_name": "district",
        "comparison_levels": [
            _null("district"),
            _level('"district_l" = "district_r"', "exact"),
            _level('damerau_levenshtein("district_l", "district_r") <= 1', "one character off"),
            _level("ELSE", "else"),
        ],
    }


def _snils() -> dict:
    return {
        "output_column_name": "snils",
        "comparison_levels": [
            _null("snils"),
            _level('"snils_l" = "snils_r"', "exact"),
            _level('damerau_levenshtein("snils_l", "snils_r") <= 1', "one digit off"),
            _level("ELSE", "else"),
        ],
    }


# Pairs are compared only when they share one of these; each survives transliteration (the keys
# are folded) and a typo in any one field (another rule still holds).
BLOCKING = [
    block_on("sn", "fn_initial", "birth_y"),
    block_on("fn_full", "dob"),
    block_on("sn", "fn_full"),
    block_on("sn_cons", "fn_initial", "birth_y"),
    block_on("snils"),
    "l.birth_y = r.birth_y AND l.birth_m = r.birth_d AND l.birth_d = r.birth_m AND l.fn_full = r.fn_full",
    "l.dob = r.dob AND substr(l.sn, 1, 2) = substr(r.sn, 1, 2)",
    "l.sn_raw = r.fn AND l.fn = r.sn_raw",
    block_on("dob", "district"),
    block_on("addr"),
    # Within a district (26 in the region): a maiden surname with the year off by one, a
    # misspelt surname with a partial date, a misspelt first name with no date at all.
    block_on("fn_full", "birth_y", "district"),
    block_on("fn_full", "birth_m", "birth_d", "district"),
    block_on("sn", "fn_initial", "district"),
    block_on("fn_full", "pn", "district"),
    "substr(l.sn, 1, 4) = substr(r.sn, 1, 4) AND l.fn_full = r.fn_full AND l.district = r.district",
]
# Broader rules, taken in this order while the comparisons they add stay within the budget: on a
# few thousand records each is cheap and catches what two typos hide from the rules above; on a
# population register most would compare millions of unrelated pairs and are left out.
BROAD = [("dob",), ("sn",), ("fn_full", "district"), ("sn_raw",), ("addr",), ("district",), ("fn_full",)]
# Comparisons per record the broad rules may add (and at least this many in all).
BUDGET_PER_RECORD = 30
BUDGET_FLOOR = 1_000_000


def _pairs_sharing(frames: list, columns: tuple[str, ...]) -> int:
    """How many pairs agree on these columns (none empty): the comparisons one blocking rule makes."""
    counts = [f.dropna(subset=list(columns)).groupby(list(columns)).size() for f in frames]
    if len(counts) == 1:
        return int((counts[0] * (counts[0] - 1) // 2).sum())
    left, right = counts[0], counts[1]
    both = left.index.intersection(right.index)
    return int((left.loc[both] * right.loc[both]).sum())


def blocking_rules(frames: list) -> list:
    """The blocking rules for these records: the tight ones, then broad ones within the budget."""
    records = sum(len(f) for f in frames)
    budget = max(BUDGET_FLOOR, BUDGET_PER_RECORD * records)
    rules, spent = list(BLOCKING), 0
    for columns in BROAD:
        if not all(c in f.columns for f in frames for c in columns):
            continue
        cost = _pairs_sharing(frames, columns)
        if spent + cost <= budget:
            rules.append(block_on(*columns))
            spent += cost
    return rules


def settings(link_type: str, present: set[str], rules: list) -> SettingsCreator:
    """The model's settings for deduplication ("dedupe_only") or linking two files ("link_only"),
    comparing the fields that the records carry (`present`: columns with any value)."""
    comparisons = {
        "sn": _name,
        "pn": lambda: _levels("pn", 0.9),
        "birth_y": _birth_date,
        "sex": lambda: cl.ExactMatch("sex"),
        "snils": _snils,
        "addr": _address,
        "district": _district,
    }
    return SettingsCreator(
        link_type=link_type,
        unique_id_column_name="unique_id",
        comparisons=[make() for column, make in comparisons.items() if column in present],
        blocking_rules_to_generate_predictions=rules,
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


@dataclass
class Trained:
    """A linker ready to predict, and how long training took."""

    linker: Linker
    seconds: float
    version: str


def _linker(frames: list, spec, db_api=None) -> Linker:
    db_api = db_api or DuckDBAPI()
    registered = [db_api.register(frame) for frame in frames]
    return Linker(registered if len(registered) > 1 else registered[0], spec, log_level=logging.WARNING)


def train(frames: list, *, seed: int = 1, max_pairs: float = 1e6, db_api=None) -> Trained:
    """A model trained on these records by Splink's own estimators."""
    started = time.perf_counter()
    link_type = "link_only" if len(frames) > 1 else "dedupe_only"
    present = {c for frame in frames for c in frame.columns if frame[c].notna().any()}
    linker = _linker(frames, settings(link_type, present, blocking_rules(frames)), db_api)
    deterministic = [block_on("sn", "fn_full", "dob")] + ([block_on("snils")] if "snils" in present else [])
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
    # Two EM passes, each blind to the fields it blocks on: names learn from birth-date blocks
    # and birth dates (and the rest) from name blocks.
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"), max_pairs=max_pairs)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("sn", "fn_full"), max_pairs=max_pairs)
    return Trained(linker, time.perf_counter() - started, MODEL_VERSION)


def save(trained: Trained, path: Path) -> None:
    """Write the trained model (Splink's JSON, with our version) to `path`."""
    spec = trained.linker.misc.save_model_to_json()
    spec["safezone_model_version"] = trained.version
    Path(path).write_text(json.dumps(spec, ensure_ascii=False, indent=1), encoding="utf-8")


def load(frames: list, path: Path, db_api=None) -> Linker:
    """A linker over these records with a saved model; refuses a model of another version."""
    spec = json.loads(Path(path).read_text(encoding="utf-8"))
    found = spec.pop("safezone_model_version", None)
    if found != MODEL_VERSION:
        raise ValueError(f"{path}: model version {found!r}, this SafeZone reads {MODEL_VERSION!r}: train it again")
    spec["link_type"] = "link_only" if len(frames) > 1 else "dedupe_only"
    # Blocking suits the records at hand (their number), not the ones the model learnt on.
    spec["blocking_rules_to_generate_predictions"] = [
        rule if isinstance(rule, str) else rule.get_blocking_rule("duckdb").blocking_rule_sql
        for rule in blocking_rules(frames)
    ]
    return _linker(frames, spec, db_api)


def predict(linker: Linker, threshold: float = 0.5):
    """Scored pairs above the threshold, and clusters (connected pairs) at it, as pandas frames."""
    pairs = linker.inference.predict(threshold_match_probability=threshold)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pairs, threshold_match_probability=threshold)
    return pairs.as_pandas_dataframe(), clusters.as_pandas_dataframe()
