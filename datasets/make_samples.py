#!/usr/bin/env python3
"""Convert the shared AI4I 2020 and C-MAPSS FD001 CSVs into the project's sample Parquet files.

Run from anywhere (paths are resolved from this file):

    .venv/bin/python datasets/make_samples.py

Inputs (read-only):  ../shared/datasets/ai4i2020/ai4i2020.csv
                     ../shared/datasets/cmapss/{train,test,RUL}_FD001.txt
Outputs:             datasets/ai4i2020/parquet/part-00{0..3}.parquet
                     datasets/ai4i2020/missing_values.json
                     datasets/cmapss/parquet/train/part-00{0..2}.parquet
                     datasets/cmapss/parquet/test/part-00{0..1}.parquet

Deterministic: the missing-value injection uses a fixed seed, and re-running the script
rewrites byte-identical files (with the pinned pyarrow version).
See datasets/README.md for what is synthetic (timestamps, missing values).
"""
from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

DATASETS_DIR = Path(__file__).resolve().parent
REPO_ROOT = DATASETS_DIR.parent
SHARED_DIR = Path(os.environ.get("BATCH_SCORE_SHARED_DATASETS", REPO_ROOT.parent / "shared" / "datasets"))

AI4I_CSV = SHARED_DIR / "ai4i2020" / "ai4i2020.csv"
CMAPSS_DIR = SHARED_DIR / "cmapss"

AI4I_OUT = DATASETS_DIR / "ai4i2020"
CMAPSS_OUT = DATASETS_DIR / "cmapss"

# ---------------------------------------------------------------------------
# AI4I 2020
# ---------------------------------------------------------------------------
AI4I_FLOAT_SENSORS = ["Air temperature [K]", "Process temperature [K]", "Torque [Nm]"]
AI4I_INT_SENSORS = ["Rotational speed [rpm]", "Tool wear [min]"]
AI4I_LABELS = ["Machine_failure", "TWF", "HDF", "PWF", "OSF", "RNF"]

AI4I_SCHEMA = pa.schema(
    [
        pa.field("UDI", pa.int64(), nullable=False),
        pa.field("Product ID", pa.string(), nullable=False),
        pa.field("Type", pa.string(), nullable=False),
        pa.field("Air temperature [K]", pa.float64()),
        pa.field("Process temperature [K]", pa.float64()),
        pa.field("Rotational speed [rpm]", pa.int64()),
        pa.field("Torque [Nm]", pa.float64()),
        pa.field("Tool wear [min]", pa.int64()),
        *[pa.field(c, pa.int64(), nullable=False) for c in AI4I_LABELS],
        pa.field("timestamp", pa.timestamp("ms", tz="UTC"), nullable=False),
    ]
)

AI4I_FILES = 4
AI4I_ROW_GROUP_ROWS = 1_000
AI4I_TIME_ORIGIN = np.datetime64("2026-11-01T00:00:00", "ms")  # + UDI minutes (synthetic)

# Missing-value injection (fixed seed, disjoint row sets, at most one missing cell per row).
MISSING_SEED = 20201101
FLOAT_NULL_FRACTION = 0.01  # one float sensor set to null
FLOAT_NAN_FRACTION = 0.005  # one float sensor set to NaN (a real IEEE NaN, not null)
INT_NULL_FRACTION = 0.005  # one int sensor set to null

# ---------------------------------------------------------------------------
# C-MAPSS FD001
# ---------------------------------------------------------------------------
CMAPSS_SETTINGS = [f"setting_{i}" for i in range(1, 4)]
CMAPSS_SENSORS = [f"sensor_{i}" for i in range(1, 22)]
CMAPSS_RAW_COLUMNS = ["unit", "cycle", *CMAPSS_SETTINGS, *CMAPSS_SENSORS]


def cmapss_schema(rul_nullable: bool) -> pa.Schema:
    return pa.schema(
        [
            pa.field("unit", pa.int64(), nullable=False),
            pa.field("cycle", pa.int64(), nullable=False),
            *[pa.field(c, pa.float64(), nullable=False) for c in CMAPSS_SETTINGS + CMAPSS_SENSORS],
            pa.field("RUL", pa.int64(), nullable=rul_nullable),
            pa.field("timestamp", pa.timestamp("ms", tz="UTC"), nullable=False),
        ]
    )


CMAPSS_ROW_GROUP_ROWS = 2_000
CMAPSS_TIME_ORIGIN = np.datetime64("2026-01-01T00:00:00", "ms")  # + unit days + cycle hours (synthetic)
CMAPSS_TRAIN_FILES = 3
CMAPSS_TEST_FILES = 2


def _write_parquet(table: pa.Table, path: Path, row_group_rows: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, row_group_size=row_group_rows, compression="snappy")


def _reset_dir(path: Path) -> None:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)


def read_ai4i_csv() -> pd.DataFrame:
    # utf-8-sig: the CSV starts with a byte-order mark, which would otherwise end up in the
    # first column name ("\ufeffUDI"). round_trip: exact decimal -> double parsing.
    df = pd.read_csv(AI4I_CSV, encoding="utf-8-sig", float_precision="round_trip")
    expected = [f.name for f in AI4I_SCHEMA if f.name != "timestamp"]
    if list(df.columns) != expected:
        raise SystemExit(f"unexpected AI4I columns: {list(df.columns)}")
    if len(df) != 10_000 or not df["UDI"].is_monotonic_increasing:
        raise SystemExit("AI4I CSV: expected 10,000 rows in UDI order")
    return df


def inject_missing(df: pd.DataFrame) -> tuple[dict[str, np.ndarray], list[dict]]:
    """Return per-column null masks (NaN is written into df in place) and a manifest."""
    rng = np.random.default_rng(MISSING_SEED)
    n = len(df)
    n_null = round(n * FLOAT_NULL_FRACTION)
    n_nan = round(n * FLOAT_NAN_FRACTION)
    n_int = round(n * INT_NULL_FRACTION)
    rows = rng.permutation(n)[: n_null + n_nan + n_int]
    groups = {
        "null": np.sort(rows[:n_null]),
        "nan": np.sort(rows[n_null : n_null + n_nan]),
        "int_null": np.sort(rows[n_null + n_nan :]),
    }
    masks = {c: np.zeros(n, dtype=bool) for c in AI4I_FLOAT_SENSORS + AI4I_INT_SENSORS}
    manifest = []
    for kind, idx in groups.items():
        cols = AI4I_INT_SENSORS if kind == "int_null" else AI4I_FLOAT_SENSORS
        choice = rng.integers(0, len(cols), size=len(idx))
        for i, c in zip(idx, choice):
            col = cols[c]
            if kind == "nan":
                df.loc[i, col] = np.nan
            else:
                masks[col][i] = True
            manifest.append(
                {
                    "UDI": int(df.loc[i, "UDI"]),
                    "column": col,
                    "kind": "nan" if kind == "nan" else "null",
                    "original_value": None,  # filled below
                }
            )
    manifest.sort(key=lambda m: m["UDI"])
    return masks, manifest


def make_ai4i() -> None:
    df = read_ai4i_csv()
    original = df.copy()
    masks, manifest = inject_missing(df)
    by_udi = original.set_index("UDI")
    for m in manifest:
        v = by_udi.loc[m["UDI"], m["column"]]
        m["original_value"] = float(v) if m["column"] in AI4I_FLOAT_SENSORS else int(v)

    udi = df["UDI"].to_numpy(np.int64)
    arrays = {
        "UDI": pa.array(udi, pa.int64()),
        "Product ID": pa.array(df["Product ID"].tolist(), pa.string()),
        "Type": pa.array(df["Type"].tolist(), pa.string()),
    }
    for c in AI4I_FLOAT_SENSORS:
        # NaN values stay NaN (from_pandas=False); only the mask produces nulls.
        arrays[c] = pa.array(df[c].to_numpy(np.float64), pa.float64(), mask=masks[c])
    for c in AI4I_INT_SENSORS:
        arrays[c] = pa.array(original[c].to_numpy(np.int64), pa.int64(), mask=masks[c])
    for c in AI4I_LABELS:
        arrays[c] = pa.array(df[c].to_numpy(np.int64), pa.int64())
    ts = AI4I_TIME_ORIGIN + udi.astype("timedelta64[m]").astype("timedelta64[ms]")
    arrays["timestamp"] = pa.array(ts.astype(np.int64), pa.timestamp("ms", tz="UTC"))
    table = pa.Table.from_arrays([arrays[f.name] for f in AI4I_SCHEMA], schema=AI4I_SCHEMA)

    out = AI4I_OUT / "parquet"
    _reset_dir(out)
    per_file = len(table) // AI4I_FILES
    for i in range(AI4I_FILES):
        _write_parquet(table.slice(i * per_file, per_file), out / f"part-{i:03d}.parquet", AI4I_ROW_GROUP_ROWS)

    summary = {
        "description": "Missing values injected into the AI4I 2020 sample Parquet files by datasets/make_samples.py "
        "(the original CSV has none). At most one missing cell per row; the three row sets are disjoint.",
        "seed": MISSING_SEED,
        "counts": {
            "float_null_rows": sum(1 for m in manifest if m["kind"] == "null" and m["column"] in AI4I_FLOAT_SENSORS),
            "float_nan_rows": sum(1 for m in manifest if m["kind"] == "nan"),
            "int_null_rows": sum(1 for m in manifest if m["column"] in AI4I_INT_SENSORS),
        },
        "per_column": {
            c: {
                "null": sum(1 for m in manifest if m["column"] == c and m["kind"] == "null"),
                "nan": sum(1 for m in manifest if m["column"] == c and m["kind"] == "nan"),
            }
            for c in AI4I_FLOAT_SENSORS + AI4I_INT_SENSORS
        },
        "cells": manifest,
    }
    (AI4I_OUT / "missing_values.json").write_text(json.dumps(summary, indent=1) + "\n")
    print(f"ai4i2020: {len(table)} rows -> {AI4I_FILES} files in {out.relative_to(REPO_ROOT)}; injected {summary['counts']}")


def read_cmapss(name: str) -> pd.DataFrame:
    df = pd.read_csv(
        CMAPSS_DIR / name, sep=r"\s+", header=None, names=CMAPSS_RAW_COLUMNS, float_precision="round_trip"
    )
    for c in ("unit", "cycle"):
        df[c] = df[c].astype(np.int64)
    for c in CMAPSS_SETTINGS + CMAPSS_SENSORS:
        df[c] = df[c].astype(np.float64)
    # Rows must be grouped by unit and numbered 1..n within each unit.
    ok = df.groupby("unit")["cycle"].apply(lambda s: (s.to_numpy() == np.arange(1, len(s) + 1)).all()).all()
    if not ok or not df["unit"].is_monotonic_increasing:
        raise SystemExit(f"{name}: rows are not ordered by unit and cycle")
    return df


def cmapss_table(df: pd.DataFrame, rul: pd.Series, rul_nullable: bool) -> pa.Table:
    schema = cmapss_schema(rul_nullable)
    unit = df["unit"].to_numpy(np.int64)
    cycle = df["cycle"].to_numpy(np.int64)
    ts = (
        CMAPSS_TIME_ORIGIN
        + unit.astype("timedelta64[D]").astype("timedelta64[ms]")
        + cycle.astype("timedelta64[h]").astype("timedelta64[ms]")
    )
    arrays = [pa.array(unit, pa.int64()), pa.array(cycle, pa.int64())]
    arrays += [pa.array(df[c].to_numpy(np.float64), pa.float64()) for c in CMAPSS_SETTINGS + CMAPSS_SENSORS]
    rul_mask = rul.isna().to_numpy()
    arrays.append(pa.array(rul.fillna(0).to_numpy(np.int64), pa.int64(), mask=rul_mask if rul_mask.any() else None))
    arrays.append(pa.array(ts.astype(np.int64), pa.timestamp("ms", tz="UTC")))
    return pa.Table.from_arrays(arrays, schema=schema)


def _write_by_unit(table: pa.Table, units: np.ndarray, n_files: int, out: Path) -> list[str]:
    _reset_dir(out)
    unique = np.unique(units)
    chunks = np.array_split(unique, n_files)
    info = []
    for i, chunk in enumerate(chunks):
        start = int(np.searchsorted(units, chunk[0], side="left"))
        stop = int(np.searchsorted(units, chunk[-1], side="right"))
        part = table.slice(start, stop - start)
        _write_parquet(part, out / f"part-{i:03d}.parquet", CMAPSS_ROW_GROUP_ROWS)
        info.append(f"units {chunk[0]}-{chunk[-1]}: {part.num_rows} rows")
    return info


def make_cmapss() -> None:
    train = read_cmapss("train_FD001.txt")
    test = read_cmapss("test_FD001.txt")
    rul_file = [int(x) for x in (CMAPSS_DIR / "RUL_FD001.txt").read_text().split()]

    # Train: run to failure, RUL = last cycle of the unit - cycle.
    train_rul = train.groupby("unit")["cycle"].transform("max") - train["cycle"]
    train_table = cmapss_table(train, train_rul.astype("Int64"), rul_nullable=False)

    # Test: RUL_FD001.txt line k is the true RUL after the last observed cycle of test unit k.
    last = test.groupby("unit")["cycle"].transform("max")
    true_rul = test["unit"].map(lambda u: rul_file[u - 1] if 1 <= u <= len(rul_file) else None)
    test_rul = (true_rul.astype("Float64") + (last - test["cycle"])).astype("Int64")
    missing_units = sorted(test.loc[test_rul.isna(), "unit"].unique().tolist())
    test_table = cmapss_table(test, test_rul, rul_nullable=True)

    out = CMAPSS_OUT / "parquet"
    info_train = _write_by_unit(train_table, train["unit"].to_numpy(), CMAPSS_TRAIN_FILES, out / "train")
    info_test = _write_by_unit(test_table, test["unit"].to_numpy(), CMAPSS_TEST_FILES, out / "test")
    print(f"cmapss train: {train_table.num_rows} rows, {train['unit'].nunique()} units -> {info_train}")
    print(f"cmapss test: {test_table.num_rows} rows, {test['unit'].nunique()} units -> {info_test}")
    if missing_units:
        print(
            f"cmapss test: RUL_FD001.txt has {len(rul_file)} lines; units {missing_units} have no true RUL, "
            "so their RUL is null",
            file=sys.stderr,
        )


def main() -> None:
    if not AI4I_CSV.exists():
        raise SystemExit(f"missing {AI4I_CSV} (set BATCH_SCORE_SHARED_DATASETS to the shared datasets folder)")
    make_ai4i()
    make_cmapss()


if __name__ == "__main__":
    main()
