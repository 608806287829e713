"""manage.py link_files: agencies' extracts linked (or deduplicated) with Splink, without the database."""

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from safezone.linkage import model
from safezone.linkage.files import read_extract
from safezone.linkage.prepare import prepare
from safezone.linkage.synthetic import records, true_pairs, write_csv

pytestmark = pytest.mark.no_database

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def extract(tmp_path_factory):
    """3,000 records of about 1,700 people as several agencies wrote them, and the truth."""
    rows, truth = records(3000, seed=3)
    path = tmp_path_factory.mktemp("extract") / "all.csv"
    write_csv(path, rows)
    return path, rows, truth


def _read(path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _f1(pairs: list[dict], truth_pairs: set) -> float:
    found = {tuple(sorted((p["left_id"], p["right_id"]))) for p in pairs}
    hits = len(found & truth_pairs)
    return 2 * hits / (len(found) + len(truth_pairs))


def test_one_file_is_deduplicated_into_pairs_and_a_cluster_for_every_row(extract, tmp_path):
    path, rows, truth = extract
    out, clusters = tmp_path / "pairs.csv", tmp_path / "clusters.csv"
    call_command("link_files", str(path), out=str(out), clusters=str(clusters), model=str(tmp_path / "none.json"))
    pairs = _read(out)
    assert list(pairs[0]) == ["left_id", "right_id", "match_probability"]
    assert all(float(p["match_probability"]) >= 0.5 for p in pairs)
    assert _f1(pairs, true_pairs(truth)) >= 0.9
    clustered = _read(clusters)
    assert list(clustered[0]) == ["id", "cluster_id"]
    assert sorted(r["id"] for r in clustered) == sorted(r["id"] for r in rows)


def test_two_files_are_linked_with_a_saved_model_and_without_the_database(extract, tmp_path):
    path, rows, truth = extract
    trained = model.train([prepare(read_extract(path))])
    saved = tmp_path / "model.json"
    model.save(trained, saved)
    left, right = tmp_path / "police.csv", tmp_path / "school.csv"
    write_csv(left, rows[::2])
    write_csv(right, rows[1::2])
    out, clusters = tmp_path / "pairs.csv", tmp_path / "clusters.csv"
    env = {**os.environ, "DATABASE_URL": "postgres://nobody@127.0.0.1:9/nowhere", "SAFEZONE_VAR_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "manage.py", "link_files", str(left), str(right), "--out", str(out), "--clusters",
         str(clusters), "--model", str(saved)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "loaded" in done.stderr
    left_ids = {r["id"] for r in rows[::2]}
    pairs = _read(out)
    assert pairs and all(p["left_id"] in left_ids and p["right_id"] not in left_ids for p in pairs)
    across = {pair for pair in true_pairs(truth) if (pair[0] in left_ids) != (pair[1] in left_ids)}
    assert _f1(pairs, across) >= 0.9
    assert len(_read(clusters)) == len(rows)


def test_a_saved_model_of_another_version_is_refused(extract, tmp_path):
    path, _, _ = extract
    stale = tmp_path / "old.json"
    stale.write_text('{"safezone_model_version": "sz-link-0", "link_type": "dedupe_only"}', encoding="utf-8")
    with pytest.raises(ValueError, match="train it again"):
        model.load([prepare(read_extract(path))], stale)


@pytest.mark.parametrize(
    "body, says",
    [
        ("id,surname\n1,Иванова\n", "missing column(s): first_name"),
        ("id,surname,first_name,patronymic,sex,birth_date,snils,address,district,phone\n", "unknown column(s) phone"),
        ("id,surname,first_name,patronymic,sex,birth_date,snils,address,district\n"
         "1,Иванова,Анна,,F,2011-13-01,,,\n", "row 2: birth_date '2011-13-01' is not a date"),
        ("id,surname,first_name,patronymic,sex,birth_date,snils,address,district\n"
         "1,Иванова,Анна,,F,2011,,,\n1,Петрова,Анна,,F,2011,,,\n", "row 3: id '1' appears twice"),
        ("id,surname,first_name,patronymic,sex,birth_date,snils,address,district\n"
         ",Иванова,Анна,,F,11.03.2011,,,\n", "row 2: id is empty"),
        ("", "the file is empty"),
    ],
)  # fmt: skip
def test_a_bad_file_names_the_row_and_field_and_writes_nothing(tmp_path, body, says):
    bad = tmp_path / "bad.csv"
    bad.write_text(body, encoding="utf-8")
    out, clusters = tmp_path / "pairs.csv", tmp_path / "clusters.csv"
    with pytest.raises(CommandError, match="nothing written") as refused:
        call_command("link_files", str(bad), out=str(out), clusters=str(clusters))
    assert says in str(refused.value)
    assert not out.exists() and not clusters.exists()


def test_a_file_in_another_encoding_is_refused_clearly(tmp_path):
    bad = tmp_path / "cp1251.csv"
    bad.write_bytes(
        "id,surname,first_name,patronymic,sex,birth_date,snils,address,district\n1,Иванова,Анна,,,,,,\n".encode(
            "cp1251"
        )
    )
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("link_files", str(bad), out=str(tmp_path / "p.csv"), clusters=str(tmp_path / "c.csv"))


def test_a_model_file_that_is_not_ours_is_refused_clearly(extract, tmp_path):
    path, _, _ = extract
    stale = tmp_path / "old.json"
    stale.write_text('{"safezone_model_version": "sz-link-0"}', encoding="utf-8")
    out = tmp_path / "p.csv"
    with pytest.raises(CommandError, match="train it again"):
        call_command("link_files", str(path), out=str(out), clusters=str(tmp_path / "c.csv"), model=str(stale))
    assert not out.exists()


def test_the_spark_backend_in_local_mode_predicts_as_duckdb_does_and_trains_by_itself(tmp_path, monkeypatch):
    """Spark (local mode, two partitions for a small file): a model saved from DuckDB gives the same
    pairs with the same probabilities; trained on Spark through the command, it finds the people."""
    monkeypatch.setenv("SAFEZONE_SPARK_PARTITIONS", "2")
    rows, truth = records(250, seed=11)
    path = tmp_path / "small.csv"
    write_csv(path, rows)
    frame = prepare(read_extract(path))
    saved = tmp_path / "model.json"
    model.save(model.train([frame]), saved)
    on_duckdb, _ = model.predict(model.load([frame], saved), 0.5)
    on_spark, clusters = model.predict(model.load([frame], saved, backend="spark"), 0.5)
    key = ["unique_id_l", "unique_id_r"]
    both = on_duckdb.merge(on_spark, on=key, how="outer", indicator=True)
    assert len(on_duckdb) > 50 and (both["_merge"] == "both").all()
    assert (both["match_probability_x"] - both["match_probability_y"]).abs().max() < 0.01
    assert set(clusters["unique_id"]) == set(frame["unique_id"])

    out, groups = tmp_path / "pairs.csv", tmp_path / "clusters.csv"
    call_command(
        "link_files", str(path), "--out", str(out), "--clusters", str(groups),
        "--backend", "spark", "--model", str(tmp_path / "none.json"),
    )  # fmt: skip
    assert _f1(_read(out), true_pairs(truth)) >= 0.9
    assert len(_read(groups)) == len(rows)


def test_records_with_no_two_alike_are_refused_clearly_not_with_a_traceback(tmp_path):
    """Splink cannot learn from records none of which are one person (its estimators take the
    logarithm of the share of matches): the command says so and writes nothing."""
    rows, truth = records(3000, seed=4)
    seen, distinct = set(), []
    for row in rows:
        if truth[row["id"]] not in seen:
            seen.add(truth[row["id"]])
            distinct.append(row)
    path = tmp_path / "distinct.csv"
    write_csv(path, distinct[:700])
    out, groups = tmp_path / "pairs.csv", tmp_path / "clusters.csv"
    with pytest.raises(CommandError, match="too few pairs that may be one person"):
        call_command("link_files", str(path), "--out", str(out), "--clusters", str(groups),
                     "--model", str(tmp_path / "none.json"))  # fmt: skip
    assert not out.exists() and not groups.exists()
