"""The linkage model: which fields are compared and how (Splink), how pairs are found, how it learns.

Splink estimates every weight itself (u by random sampling, m by expectation maximisation);
nothing here sets a weight by hand. Records come from `prepare.prepare`.
"""

import atexit
import json
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

MODEL_VERSION = "sz-link-2"

log = logging.getLogger(__name__)


def _level(condition: str, label: str) -> dict:
    return {"sql_condition": condition, "label_for_charts": label}


def _null(*columns: str) -> dict:
    condition = " AND ".join(f"({c}_l IS NULL OR {c}_r IS NULL)" for c in columns)
    return {"sql_condition": condition, "label_for_charts": "null", "is_null_level": True}


def _same(column: str) -> str:
    return f"{column}_l = {column}_r"


class _Sql:
    """The few SQL functions the comparisons use that differ between DuckDB and Spark (identifiers
    are left unquoted: both read them so)."""

    FUNCTIONS = {
        "duckdb": {"jw": "jaro_winkler_similarity", "split": "string_split", "common": "list_intersect", "size": "len"},
        "spark": {"jw": "jaro_winkler", "split": "split", "common": "array_intersect", "size": "size"},
    }

    def __init__(self, dialect: str):
        self.f = self.FUNCTIONS[dialect]

    def jw(self, left: str, at: float, right: str | None = None) -> str:
        """Jaro-Winkler of `left` on the left record and `right` (default: the same column) on the right."""
        return f"{self.f['jw']}({left}_l, {right or left}_r) >= {at}"

    @staticmethod
    def dl(column: str, at_most: int) -> str:
        return f"damerau_levenshtein({column}_l, {column}_r) <= {at_most}"

    def overlap(self, column: str) -> str:
        """Share of the shorter value's words found in the longer one."""
        words_l, words_r = f"{self.f['split']}({column}_l, ' ')", f"{self.f['split']}({column}_r, ' ')"
        size = self.f["size"]
        return f"{size}({self.f['common']}({words_l}, {words_r})) / least({size}({words_l}), {size}({words_r}))"


_SAME_SN = _same("sn")
_SAME_FN = "(fn_l = fn_r OR fn_full_l = fn_full_r)"
_INITIAL = "(length(fn_l) = 1 OR length(fn_r) = 1) AND fn_initial_l = fn_initial_r"


def _name(q: _Sql) -> dict:
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
            _level(f"{q.jw('sn_raw', 0.9, 'fn')} AND {q.jw('fn', 0.9, 'sn_raw')}", "swapped"),
            _level(f"{_SAME_SN} AND {q.jw('fn_full', 0.88)}", "surname, first name close"),
            _level(f"{q.jw('sn', 0.9)} AND {_SAME_FN}", "surname close, first name"),
            _level(f"{_SAME_SN} AND ({_INITIAL})", "surname and initial"),
            _level(f"{q.jw('sn', 0.92)} AND {q.jw('fn_full', 0.92)}", "both close"),
            _level(f"{q.jw('sn', 0.85)} AND {q.jw('fn_full', 0.85)}", "both fairly close"),
            _level(f"{_SAME_SN} AND (fn_l IS NULL OR fn_r IS NULL)", "surname, no first name"),
            {**_level(_SAME_SN, "surname only"), "tf_adjustment_column": "sn"},
            # Another surname, same first name: a maiden name, a remarriage, a typo beyond repair.
            _level(_SAME_FN, "first name only"),
            _level("ELSE", "else"),
        ],
    }


def _levels(q: _Sql, column: str, *thresholds: float) -> dict:
    """null / exact / Jaro-Winkler at each threshold / else, on one folded column."""
    levels = [_null(column), _level(_same(column), "exact")]
    levels += [_level(q.jw(column, t), f"JW >= {t}") for t in thresholds]
    return {"output_column_name": column, "comparison_levels": [*levels, _level("ELSE", "else")]}


def _birth_date(q: _Sql) -> dict:
    y, m, d = _same("birth_y"), _same("birth_m"), _same("birth_d")
    return {
        "output_column_name": "birth_date",
        "comparison_levels": [
            _null("birth_y"),
            _level(_same("dob"), "exact"),
            _level(f"{y} AND birth_m_l = birth_d_r AND birth_d_l = birth_m_r", "day and month swapped"),
            _level(q.dl("dob", 1), "one digit off"),
            _level(f"{y} AND {m}", "same year and month"),
            _level(f"{y} AND (birth_m_l IS NULL OR birth_m_r IS NULL)", "same year, no month"),
            _level(f"{y}", "same year"),
            _level(f"abs(birth_y_l - birth_y_r) <= 1 AND {m} AND {d}", "year off by one"),
            _level("ELSE", "else"),
        ],
    }


def _address(q: _Sql) -> dict:
    """Addresses are written in any order and with parts left out: besides spelling (Jaro-Winkler),
    how many words the shorter one shares with the longer (overlap coefficient)."""
    return {
        "output_column_name": "addr",
        "comparison_levels": [
            _null("addr"),
            _level(_same("addr"), "exact"),
            _level(q.jw("addr", 0.9), "JW >= 0.9"),
            _level(f"{q.overlap('addr')} >= 0.75", "most words shared"),
            _level(f"{q.overlap('addr')} >= 0.4", "some words shared"),
            _level("ELSE", "else"),
        ],
    }


def _one_off(name: str, label: str):
    """A code from a reference list or an identifier: exact, one character off, or else."""

    def comparison(q: _Sql) -> dict:
        return {
            "output_column_name": name,
            "comparison_levels": [
                _null(name),
                _level(_same(name), "exact"),
                _level(q.dl(name, 1), label),
                _level("ELSE", "else"),
            ],
        }

    return comparison


# Pairs are compared only when they share one of these; each survives transliteration (the keys
# are folded) and a typo in any one field (another rule still holds).
BLOCKING = [
    block_on("sn", "fn_initial", "birth_y"),
    block_on("fn_full", "dob"),
    # Surname and first name alone would pair every two namesakes of a region (millions at a million
    # records): they go with the district, the patronymic or the address, or where a district is missing.
    block_on("sn", "fn_full", "district"),
    block_on("sn", "fn_full", "pn"),
    block_on("sn", "fn_full", "addr"),
    "l.sn = r.sn AND l.fn_full = r.fn_full AND (l.district IS NULL OR r.district IS NULL)",
    block_on("sn_cons", "fn_initial", "birth_y"),
    block_on("snils"),
    "l.birth_y = r.birth_y AND l.birth_m = r.birth_d AND l.birth_d = r.birth_m AND l.fn_full = r.fn_full",
    "l.dob = r.dob AND substr(l.sn, 1, 2) = substr(r.sn, 1, 2)",
    "l.sn_raw = r.fn AND l.fn = r.sn_raw",
    block_on("dob", "district"),
    # One address is many people's (a block of flats, a street's house in every village): with the
    # district, an initial or the year.
    block_on("addr", "district"),
    # Within a district (26 in the region): a maiden surname with the year off by one, a
    # misspelt surname with a partial date, a misspelt first name with no date at all.
    block_on("fn_full", "birth_y", "district"),
    block_on("fn_full", "birth_m", "birth_d", "district"),
    block_on("sn", "fn_initial", "district"),
    block_on("fn_full", "pn", "district"),
    "substr(l.sn, 1, 4) = substr(r.sn, 1, 4) AND l.fn_full = r.fn_full AND l.district = r.district",
    block_on("addr", "fn_initial"),
    block_on("addr", "birth_y"),
]
# Broader rules, taken in this order while the comparisons they add stay within the budget: on a
# few thousand records each is cheap and catches what two typos hide from the rules above; on a
# population register most would compare millions of unrelated pairs and are left out.
BROAD = [("dob",), ("sn",), ("fn_full", "district"), ("sn_raw",), ("addr",), ("district",), ("fn_full",)]
# Comparisons per record the broad rules may add (and at least this many in all).
BUDGET_PER_RECORD = 10
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


# The model's comparisons, each used when the records carry the column that keys it.
COMPARISONS = {
    "sn": _name,
    "pn": lambda q: _levels(q, "pn", 0.9),
    "birth_y": _birth_date,
    "sex": lambda q: cl.ExactMatch("sex"),
    "snils": _one_off("snils", "one digit off"),
    "addr": _address,
    "district": _one_off("district", "one character off"),
}
BACKENDS = ("duckdb", "spark")


def settings(link_type: str, present: set[str], rules: list, dialect: str = "duckdb") -> SettingsCreator:
    """The model's settings for deduplication ("dedupe_only") or linking two files ("link_only"),
    comparing the fields that the records carry (`present`: columns with any value)."""
    q = _Sql(dialect)
    return SettingsCreator(
        link_type=link_type,
        unique_id_column_name="unique_id",
        comparisons=[make(q) for column, make in COMPARISONS.items() if column in present],
        blocking_rules_to_generate_predictions=rules,
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


_spark_dir = None


def _spark_api():
    """Splink's Spark backend on a local Spark (`SAFEZONE_SPARK_MASTER`, default all cores of this
    machine) or the cluster it names. pyspark is imported here: only who selects Spark needs it."""
    global _spark_dir
    from pyspark.sql import SparkSession
    from splink.backends.spark import SparkAPI

    partitions = int(os.environ.get("SAFEZONE_SPARK_PARTITIONS", "8"))
    if _spark_dir is None:
        # Splink writes its intermediate tables here (parquet) to cut Spark's lineage; Spark's
        # own warehouse too, so that nothing lands in the working directory.
        _spark_dir = tempfile.mkdtemp(prefix="safezone-spark-")
        atexit.register(shutil.rmtree, _spark_dir, ignore_errors=True)
    spark = (
        SparkSession.builder.master(os.environ.get("SAFEZONE_SPARK_MASTER", "local[*]"))
        .appName("safezone-linkage")
        # Splink's similarity functions (Jaro-Winkler, Damerau-Levenshtein) come in its jar.
        .config("spark.jars", _splink_jar())
        .config("spark.sql.shuffle.partitions", partitions)
        .config("spark.sql.warehouse.dir", os.path.join(_spark_dir, "warehouse"))
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", os.environ.get("SAFEZONE_SPARK_DRIVER_MEMORY", "4g"))
        .getOrCreate()
    )
    spark.sparkContext.setCheckpointDir(os.path.join(_spark_dir, "checkpoints"))
    # Intermediate tables go to parquet files: Spark's in-memory persist builds plans too big to keep.
    return SparkAPI(spark_session=spark, num_partitions_on_repartition=partitions, break_lineage_method="parquet")


def _splink_jar() -> str:
    from splink.backends.spark import similarity_jar_location

    return similarity_jar_location()


def db_api(backend: str = "duckdb"):
    """The engine Splink runs on: DuckDB in this process (the default), or Spark for registries
    beyond one machine's memory."""
    if backend == "duckdb":
        return DuckDBAPI()
    if backend == "spark":
        return _spark_api()
    raise ValueError(f"unknown linkage backend {backend!r}; the backends are {', '.join(BACKENDS)}")


class TrainingFailed(ValueError):
    """Splink could not learn from these records; the message says why and what to do."""


@dataclass
class Trained:
    """A linker ready to predict, and how long training took."""

    linker: Linker
    seconds: float
    version: str


def _linker(frames: list, spec, api) -> Linker:
    registered = [api.register(frame) for frame in frames]
    return Linker(registered if len(registered) > 1 else registered[0], spec, log_level=logging.WARNING)


def _link_type(frames: list) -> str:
    return "link_only" if len(frames) > 1 else "dedupe_only"


def train(frames: list, *, seed: int = 1, max_pairs: float = 1e6, backend: str = "duckdb", api=None) -> Trained:
    """A model trained on these records by Splink's own estimators."""
    started = time.perf_counter()
    api = api or db_api(backend)
    present = {c for frame in frames for c in frame.columns if frame[c].notna().any()}
    spec = settings(_link_type(frames), present, blocking_rules(frames), api.sql_dialect.sql_dialect_str)
    linker = _linker(frames, spec, api)
    deterministic = [block_on("sn", "fn_full", "dob")] + ([block_on("snils")] if "snils" in present else [])
    try:
        linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.8)
        linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
        # Two EM passes, each blind to the fields it blocks on: names learn from birth-date blocks
        # and birth dates (and the rest) from name blocks.
        linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"), max_pairs=max_pairs)
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on("sn", "fn_full"), max_pairs=max_pairs
        )
    except (ValueError, ZeroDivisionError) as exc:
        # Splink's estimators divide by, or take the logarithm of, the share of likely matches:
        # records with (almost) no two alike leave it at zero.
        raise TrainingFailed(
            f"these {sum(len(f) for f in frames)} records hold too few pairs that may be one person for the "
            f"model to learn from ({exc}); train it on more records, or use a saved model"
        ) from exc
    return Trained(linker, time.perf_counter() - started, MODEL_VERSION)


def save(trained: Trained, path: Path) -> None:
    """Write the trained model (Splink's JSON, with our version) to `path`."""
    spec = trained.linker.misc.save_model_to_json()
    spec["safezone_model_version"] = trained.version
    Path(path).write_text(json.dumps(spec, ensure_ascii=False, indent=1), encoding="utf-8")


_LEARNT = ("m_probability", "u_probability")


def load(frames: list, path: Path, *, backend: str = "duckdb", api=None) -> Linker:
    """A linker over these records with a saved model; refuses a model of another version.

    What was learnt (each level's m and u, the prior) is taken from the file; the SQL is built
    afresh for the engine at hand, so a model trained on DuckDB predicts on Spark and back.
    """
    spec = json.loads(Path(path).read_text(encoding="utf-8"))
    found = spec.get("safezone_model_version") if isinstance(spec, dict) else None
    if found != MODEL_VERSION:
        raise ValueError(f"{path}: model version {found!r}, this SafeZone reads {MODEL_VERSION!r}: train it again")
    api = api or db_api(backend)
    dialect = api.sql_dialect.sql_dialect_str
    saved = {c["output_column_name"]: c["comparison_levels"] for c in spec["comparisons"]}
    # Blocking suits the records at hand (their number), not the ones the model learnt on.
    creator = settings(_link_type(frames), set(COMPARISONS), blocking_rules(frames), dialect)
    fresh = creator.create_settings_dict(dialect)
    fresh["comparisons"] = [c for c in fresh["comparisons"] if c["output_column_name"] in saved]
    for comparison in fresh["comparisons"]:
        levels = saved[comparison["output_column_name"]]
        labels = [lv.get("label_for_charts") for lv in comparison["comparison_levels"]]
        if [lv.get("label_for_charts") for lv in levels] != labels:
            raise ValueError(f"{path}: its {comparison['output_column_name']!r} comparison is not this model's")
        for mine, learnt in zip(comparison["comparison_levels"], levels):
            mine.update({key: learnt[key] for key in _LEARNT if key in learnt})
    fresh["probability_two_random_records_match"] = spec["probability_two_random_records_match"]
    return _linker(frames, fresh, api)


def predict(linker: Linker, threshold: float = 0.5):
    """Scored pairs above the threshold, and clusters (connected pairs) at it, as pandas frames."""
    pairs = linker.inference.predict(threshold_match_probability=threshold)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pairs, threshold_match_probability=threshold)
    return pairs.as_pandas_dataframe(), clusters.as_pandas_dataframe()
