#!/usr/bin/env python3
"""Train the benchmark model: XGBoost, 200 trees of depth 6 over the 20 sensors of the `sensor20` kind.

    bench/.venv/bin/python datasets/train_bench_model.py --out bench/data/model-sensor20

`npm run bench` runs this once (bench/dataset.ts) and then writes model.json and reference_profile.json with
the project's own `batch-score model init` and `batch-score profile`. The training rows come from
generate_sensor_data.py's Sensor20Stream with a seed of their own (TRAIN_SEED), so the benchmark never scores
the rows the model was trained on. Training uses one thread and fixed seeds, and every version is pinned in
bench/requirements.txt, so the ONNX bytes are the same on every machine (training.json records their sha256).

Writes into --out:
  model.onnx                 TreeEnsembleClassifier (ai.onnx.ml), input "input" float32 [N, 20], outputs
                             "label" int64 [N] and "probabilities" float32 [N, 2] (no ZipMap)
  features.json              feature order and the graph's inputs and outputs
  training.json              versions, parameters, metrics, ONNX-vs-XGBoost check, sha256 of model.onnx
  reference/part-00000.parquet  100,000 training rows: the reference data for the drift profile
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np
import onnx
import onnxmltools
import onnxruntime as ort
import pyarrow as pa
import pyarrow.parquet as pq
import sklearn
import xgboost
from onnxmltools.convert.common.data_types import FloatTensorType
from sklearn.metrics import roc_auc_score
from xgboost import XGBClassifier

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate_sensor_data import SENSOR20_COLUMNS, Sensor20Stream  # noqa: E402

TRAIN_SEED = 20270101  # the benchmark data uses another seed (bench/dataset.ts)
TRAIN_ROWS = 400_000
TEST_ROWS = 100_000
REFERENCE_ROWS = 100_000
TARGET = "failure_24h"
INPUT_NAME = "input"
PARAMS = dict(
    n_estimators=200,
    max_depth=6,
    learning_rate=0.1,
    min_child_weight=1.0,
    subsample=1.0,
    colsample_bytree=1.0,
    tree_method="hist",
    max_bin=256,
    random_state=42,
    n_jobs=1,
    eval_metric="logloss",
)
TOLERANCE = 1e-5


def matrix(table: pa.Table) -> np.ndarray:
    """float32 [rows, 20] in SENSOR20_COLUMNS order; null -> NaN, as batch-score builds its tensor."""
    cols = [np.asarray(table[c].to_numpy(zero_copy_only=False), dtype=np.float64) for c in SENSOR20_COLUMNS]
    return np.ascontiguousarray(np.column_stack(cols).astype(np.float32))


def graph_io(model: onnx.ModelProto) -> dict:
    def shape(v):
        return [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]

    return {
        "inputs": [{"name": v.name, "elem_type": "float32", "shape": shape(v)} for v in model.graph.input],
        "outputs": [{"name": v.name, "shape": shape(v)} for v in model.graph.output],
        "opset": dict(sorted((o.domain or "ai.onnx", int(o.version)) for o in model.opset_import)),
    }


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, required=True)
    out: Path = p.parse_args(argv).out
    t0 = time.monotonic()
    stream = Sensor20Stream(TRAIN_SEED)
    train = stream.take(TRAIN_ROWS)
    test = stream.take(TEST_ROWS)
    X, y = matrix(train), train[TARGET].to_numpy()
    Xt, yt = matrix(test), test[TARGET].to_numpy()

    model = XGBClassifier(**PARAMS).fit(X, y)
    onx = onnxmltools.convert_xgboost(model, initial_types=[(INPUT_NAME, FloatTensorType([None, len(SENSOR20_COLUMNS)]))],
                                      target_opset=15)
    onx.graph.name = "sensor20-failure-xgboost"
    opsets = sorted((o.domain, o.version) for o in onx.opset_import)  # converters build this from a set
    del onx.opset_import[:]
    for domain, version in opsets:
        onx.opset_import.add(domain=domain, version=version)
    onx.doc_string = "batch-score benchmark model: XGBoost 200 trees, depth 6, 20 float32 sensor features"
    onnx.checker.check_model(onx)
    data = onx.SerializeToString()

    # The ONNX graph must score like XGBoost itself (float32 thresholds on float32 inputs).
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    session = ort.InferenceSession(data, so, providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    if names != ["label", "probabilities"]:
        raise SystemExit(f"unexpected ONNX outputs {names}")
    labels, probs = session.run(None, {INPUT_NAME: Xt})
    fw_probs = model.predict_proba(Xt)
    max_diff = float(np.max(np.abs(probs.astype(np.float64) - fw_probs)))
    label_mismatches = int(np.sum(labels != model.predict(Xt)))
    if max_diff > TOLERANCE or label_mismatches:
        raise SystemExit(f"ONNX differs from XGBoost: max |dp| {max_diff}, {label_mismatches} labels")

    out.mkdir(parents=True, exist_ok=True)
    (out / "model.onnx").write_bytes(data)
    (out / "reference").mkdir(exist_ok=True)
    pq.write_table(train.slice(0, REFERENCE_ROWS), out / "reference" / "part-00000.parquet", compression="snappy")
    io = graph_io(onx)
    (out / "features.json").write_text(json.dumps({"features": SENSOR20_COLUMNS, **io}, indent=2) + "\n")
    ensemble = next(n for n in onx.graph.node if n.op_type.startswith("TreeEnsemble"))
    modes = next(a for a in ensemble.attribute if a.name == "nodes_modes").strings
    leaves = sum(1 for m in modes if m == b"LEAF")
    training = {
        "framework": "xgboost",
        "framework_version": xgboost.__version__,
        "scikit_learn_version": sklearn.__version__,
        "converter": "onnxmltools.convert_xgboost",
        "converter_version": onnxmltools.__version__,
        "onnxruntime_version": ort.__version__,
        "params": PARAMS,
        "features": SENSOR20_COLUMNS,
        "target": TARGET,
        "train": {"generator": "generate_sensor_data.Sensor20Stream", "seed": TRAIN_SEED, "rows": TRAIN_ROWS},
        "test": {"rows": TEST_ROWS, "note": "the next rows of the same stream"},
        "positive_rate_train": float(y.mean()),
        "test_auc": float(roc_auc_score(yt, fw_probs[:, 1])),
        "trees": int(model.get_booster().num_boosted_rounds()),
        "tree_nodes": len(modes),
        "tree_leaves": leaves,
        "onnx_opset": io["opset"],
        "onnx_bytes": len(data),
        "onnx_sha256": hashlib.sha256(data).hexdigest(),
        "onnx_vs_xgboost": {"rows": TEST_ROWS, "max_abs_diff_probability": max_diff, "label_mismatches": label_mismatches},
    }
    (out / "training.json").write_text(json.dumps(training, indent=2) + "\n")
    print(f"{out}/model.onnx: {len(data) / 1e6:.2f} MB, {len(modes)} nodes, test AUC "
          f"{training['test_auc']:.3f}, sha256 {training['onnx_sha256'][:12]}…, {time.monotonic() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
