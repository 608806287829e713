"""Linking agencies' extract files: read, check, link or deduplicate, write pairs and clusters.

No database: an agency's extract can be checked against another before anything is imported.
"""

import csv
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import model
from .prepare import COLUMNS, BadInput, prepare


@dataclass
class Linked:
    """What one run produced: scored pairs and a cluster for every input row."""

    pairs: pd.DataFrame  # left_id, right_id, match_probability
    clusters: pd.DataFrame  # id, cluster_id
    trained_here: bool


def read_extract(path: Path) -> pd.DataFrame:
    """One input file as text columns (UTF-8, with or without BOM, header on the first line)."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInput(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    except pd.errors.EmptyDataError:
        raise BadInput(f"{path}: the file is empty") from None
    except pd.errors.ParserError as exc:
        raise BadInput(f"{path}: not a CSV file this reads ({exc})") from None
    unknown = [c for c in frame.columns if c not in COLUMNS]
    if unknown:
        raise BadInput(f"{path}: unknown column(s) {', '.join(unknown)}; the columns are {', '.join(COLUMNS)}")
    return frame


def _prepared(path: Path) -> pd.DataFrame:
    try:
        return prepare(read_extract(path))
    except BadInput as exc:
        text = str(exc)
        raise BadInput(text if text.startswith(str(path)) else f"{path}: {text}") from None


def link_files(left: Path, right: Path | None = None, *, model_path: Path | None = None, threshold: float = 0.5,
               backend: str = "duckdb", progress=print) -> Linked:  # fmt: skip
    """Link two extracts (or deduplicate one) with the saved model, or with one trained on them."""
    frames = [_prepared(left)] + ([_prepared(right)] if right else [])
    if right is not None:
        clash = set(frames[0]["unique_id"]) & set(frames[1]["unique_id"])
        if clash:
            raise BadInput(
                f"{right}: id {sorted(clash)[0]!r} is also an id in {left}: ids must differ between the files"
            )
    progress(f"{sum(len(f) for f in frames)} records read")
    if model_path is not None and Path(model_path).exists():
        linker, trained_here = model.load(frames, model_path, backend=backend), False
        progress(f"model {model_path} loaded")
    else:
        progress("no saved model: training one on these records")
        linker, trained_here = model.train(frames, backend=backend).linker, True
    pairs, clusters = model.predict(linker, threshold)
    progress(f"{len(pairs)} pairs at probability >= {threshold}, {clusters['cluster_id'].nunique()} clusters")
    out_pairs = pd.DataFrame(
        {
            "left_id": pairs["unique_id_l"],
            "right_id": pairs["unique_id_r"],
            "match_probability": pairs["match_probability"].round(6),
        }
    )
    out_clusters = pd.DataFrame({"id": clusters["unique_id"], "cluster_id": clusters["cluster_id"]})
    return Linked(out_pairs, out_clusters, trained_here)


def write(frame: pd.DataFrame, path: Path) -> None:
    """A result as UTF-8 CSV with a header."""
    frame.to_csv(path, index=False, encoding="utf-8", quoting=csv.QUOTE_MINIMAL)
